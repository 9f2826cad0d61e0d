"""Writing files: CSV and workbooks that read back exactly, and the templates partners fill in."""

from __future__ import annotations

import datetime as dt
import io
import math

import openpyxl
import polars as pl
import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from joinedup.core.periods import parse_period
from joinedup.places.models import Area
from joinedup.returns import columns
from joinedup.returns.files import read_table
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.returns.problems import UploadRejected
from joinedup.returns.spreadsheets import (
    CONTENT_TYPES,
    EXCEL_MAX_ROWS,
    OGL_ATTRIBUTION,
    TooManyRowsForExcel,
    template_file,
    template_frame,
    write_table,
)
from joinedup.strategy.models import Indicator

GATESHEAD, ENGLAND = "E08000037", "E92000001"
FAR_PERIOD = "2031/32"


def read_back(frame: pl.DataFrame, fmt: str) -> pl.DataFrame:
    return read_table(write_table(frame, fmt), f"figures.{fmt}")


def workbook_of(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


# --- writing and reading back -----------------------------------------------------------

text_cells = st.one_of(
    st.none(),
    st.sampled_from(["a, b", 'say "hi"', "line one\nline two", "£ é ✓ 日本", "=SUM(A1:A3)",
                     "#N/A", "12.50", "007", "-5", "  spaced  ", "semi;colon", "tab\there"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
        ",\"\n\t"), max_size=20),
)
floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


def expected_text(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(text_cells, floats, floats), min_size=1, max_size=6))
@example(rows=[("x", 0.1, 1e-7), ("y", 123456789.123, -2.5), ("z", 3.0, -0.0),
               (None, 0.1 + 0.2, 5e-324), ("w", 1e16, 1.7976931348623157e308),
               ("v", 2.0 ** -24, None)])
def test_round_trip_gives_back_the_same_text_in_both_formats(rows):
    frame = pl.DataFrame(rows, schema={"note": pl.String, "value": pl.Float64,
                                       "numerator": pl.Float64}, orient="row")
    expected = [(expected_text(n), v, u) for n, v, u in rows]
    if all(n is None and v is None and u is None for n, v, u in expected):
        for fmt in ("csv", "xlsx"):
            with pytest.raises(UploadRejected):
                read_back(frame, fmt)
        return
    kept = [e for e in expected if any(x is not None for x in e)]
    back = {fmt: read_back(frame, fmt) for fmt in ("csv", "xlsx")}
    assert back["csv"].equals(back["xlsx"])  # the same text, whichever format
    table = back["csv"]
    assert table.columns == ["row", "note", "value", "numerator"]
    assert table["note"].to_list() == [n for n, _, _ in kept]
    for (_, value, numerator), row in zip(kept, table.iter_rows(), strict=True):
        for original, text in ((value, row[2]), (numerator, row[3])):
            if original is None:
                assert text is None
            else:
                assert float(text) == original  # every digit kept
                assert digits(text) == digits(repr(original))  # and none added


def digits(number: str) -> str:
    """The significant digits of a written number: 0.000250 and 2.5e-4 both give 25."""
    mantissa = number.lower().split("e")[0].replace("-", "").replace(".", "")
    return mantissa.strip("0") or "0"


def test_whole_numbers_and_short_decimals_are_written_plainly():
    frame = pl.DataFrame({"value": [3.0, 12.5, 0.1, -0.0, 2.0e6]})
    assert read_back(frame, "csv")["value"].to_list() == ["3", "12.5", "0.1", "0", "2000000"]


def test_csv_has_a_byte_order_mark_and_a_header():
    data = write_table(pl.DataFrame({"indicator": ["HW 02"], "value": [1.5]}), "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode().splitlines() == ["indicator,value", "HW 02,1.5"]


def test_a_workbook_has_a_bold_frozen_header_numbers_as_numbers_and_an_about_sheet():
    frame = pl.DataFrame({"indicator": ["HW 02", "HW 03"], "value": [21.5, 0.1 + 0.2],
                          "version": ["3", "1"], "note": ["=cmd()", None]})
    book = workbook_of(write_table(frame, "xlsx", about=["What this is", "How to use it"]))
    assert book.sheetnames == ["values", "About"]
    sheet = book["values"]
    assert [c.value for c in sheet[1]] == frame.columns
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].data_type == "n" and sheet["B3"].value == 0.1 + 0.2
    assert sheet["C2"].data_type == "s" and sheet["C2"].value == "3"
    assert sheet["D2"].data_type == "s"  # text that looks like a formula stays text
    # as wide as the longer of heading and cells (at least 6), and two more
    assert sheet.column_dimensions["A"].width == len("indicator") + 2
    assert [r[0] for r in book["About"].iter_rows(values_only=True)] == [
        "What this is", "How to use it"]
    assert book["About"]["A1"].font.b


def test_a_workbook_without_words_of_its_own_still_gives_the_attribution():
    book = workbook_of(write_table(pl.DataFrame({"value": [1.0]}), "xlsx"))
    lines = [r[0] for r in book["About"].iter_rows(values_only=True)]
    assert lines == [f"Figures from {django_settings.JOINEDUP_SERVICE_NAME}", OGL_ATTRIBUTION]


def test_too_many_rows_for_a_worksheet_are_refused_before_any_work():
    frame = pl.DataFrame({"value": pl.zeros(EXCEL_MAX_ROWS, dtype=pl.Float64, eager=True)})
    with pytest.raises(TooManyRowsForExcel, match="CSV"):
        write_table(frame, "xlsx")


def test_an_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="csv or xlsx"):
        write_table(pl.DataFrame({"value": [1.0]}), "ods")


# --- templates --------------------------------------------------------------------------

@pytest.fixture
def collection_round(db):
    """A round asking NHS Gateshead, the police and the council for figures.

    The first NHS series is asked for a period in the middle of its history, so the
    template must pick the figure just before it (not the latest) and the figure already
    there; one more NHS series has a draft entered, and NG 06 is restricted.
    """
    r = CollectionRound.objects.create(name="Test round 2031/32", slug="test-2031-32",
                                       period=FAR_PERIOD, opens=dt.date(2032, 4, 1),
                                       deadline=dt.date(2032, 6, 30))
    gateshead, england = Area.objects.get(code=GATESHEAD), Area.objects.get(code=ENGLAND)
    nhs = list(Indicator.objects.filter(owner__slug="nhs-gateshead", values__area=gateshead,
                                        visibility="public").distinct().order_by("code")[:3])
    history = list(DataValue.objects.filter(indicator=nhs[0], area=gateshead)
                   .order_by("period_start"))
    middle = history[len(history) // 2].period
    asks = [(nhs[0], gateshead, middle), (nhs[1], gateshead, FAR_PERIOD),
            (nhs[1], england, FAR_PERIOD), (nhs[2], gateshead, FAR_PERIOD),
            (Indicator.objects.get(code="NG 06"), gateshead, FAR_PERIOD),
            (Indicator.objects.get(code="SC 03"), gateshead, FAR_PERIOD),
            (Indicator.objects.get(code="HW 05"), gateshead, FAR_PERIOD)]
    for indicator, area, period in reversed(asks):  # made out of order on purpose
        ExpectedReturn.objects.create(collection_round=r, indicator=indicator, area=area,
                                      owner=indicator.owner, period=period)
    DataValue.objects.create(indicator=nhs[1], area=gateshead, period=FAR_PERIOD,
                             value=0.1 + 0.2, numerator=3, denominator=10,
                             note="Provisional: two practices missing")
    return r


def expected_rows(collection_round) -> list[tuple]:
    """What a full template holds, worked out series by series from the figures."""
    rows = []
    for e in ExpectedReturn.objects.filter(collection_round=collection_round):
        series = list(DataValue.objects.filter(indicator=e.indicator, area=e.area)
                      .order_by("period_start"))
        start = parse_period(e.period).start
        earlier = [v for v in series if v.period_start < start]
        same = [v for v in series if v.period == e.period]
        previous = earlier[-1] if earlier else None
        entered = same[0] if same else None
        rows.append((
            e.indicator.code, e.indicator.title, e.area.code, e.area.name, e.period,
            e.indicator.unit, previous and previous.period, previous and previous.value,
            *((entered.value, entered.numerator, entered.denominator, entered.lower_ci,
               entered.upper_ci, entered.note or None) if entered else (None,) * 6),
        ))
    return sorted(rows, key=lambda r: (r[0], r[2]))


def test_a_template_holds_the_returns_a_partner_owes_with_previous_and_entered_figures(
        collection_round, person):
    frame = template_frame(collection_round, person("pct"))
    assert frame.columns == list(columns.TEMPLATE)
    wanted = [r for r in expected_rows(collection_round) if r[0] not in ("SC 03", "HW 05")]
    assert frame.rows() == wanted
    assert "NG 06" in frame["indicator"].to_list()  # restricted, but NHS Gateshead's own
    # the first series is asked for a period in the middle of its history: the figure
    # already there, and the one just before it (not the latest)
    middle = frame.row(0, named=True)
    history = list(DataValue.objects.filter(indicator__code=middle["indicator"],
                                            area__code=GATESHEAD).order_by("period_start"))
    half = len(history) // 2
    assert (middle["period"], middle["value"]) == (history[half].period, history[half].value)
    assert (middle["previous_period"], middle["previous_value"]) == (
        history[half - 1].period, history[half - 1].value)
    drafted = frame.filter(pl.col("note").is_not_null() & (pl.col("area") == GATESHEAD))
    assert drafted["value"].to_list() == [0.1 + 0.2]


def test_an_officer_gets_every_partners_returns_and_others_only_their_own(
        collection_round, person):
    everyone = expected_rows(collection_round)
    assert template_frame(collection_round, person("officer")).rows() == everyone
    police = template_frame(collection_round, person("police"))
    assert police["indicator"].to_list() == ["SC 03"]
    council = template_frame(collection_round, person("theme_lead"))
    assert council["indicator"].to_list() == ["HW 05"]


def test_someone_who_owes_nothing_gets_just_the_header(collection_round, person):
    frame = template_frame(collection_round, person("board"))
    assert frame.height == 0 and frame.columns == list(columns.TEMPLATE)
    content, name, _ = template_file(collection_round, person("board"), "csv")
    assert content.decode("utf-8-sig").strip() == ",".join(columns.TEMPLATE)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_template_file_reads_back_as_the_template(collection_round, person, fmt):
    pct = person("pct")
    content, name, content_type = template_file(collection_round, pct, fmt)
    assert name == f"test-2031-32-nhs-gateshead-template.{fmt}"
    assert content_type == CONTENT_TYPES[fmt]
    table = read_table(content, name)
    frame = template_frame(collection_round, pct)
    # NHS Gateshead's three series (the second for two areas) and NG 06
    assert frame.height == 5
    assert table["row"].to_list() == list(range(2, frame.height + 2))
    assert table.drop("row").columns == frame.columns
    for written, original in zip(table.iter_rows(), frame.iter_rows(), strict=True):
        for text, value in zip(written[1:], original, strict=True):
            if isinstance(value, float):
                assert math.isclose(float(text), value, rel_tol=0, abs_tol=0)
            else:
                assert text == value


def test_a_template_workbook_says_how_to_fill_it_in(collection_round, person):
    content, _, _ = template_file(collection_round, person("pct"), "xlsx")
    about = "\n".join(r[0] for r in workbook_of(content)["About"].iter_rows(values_only=True))
    assert "Test round 2031/32" in about and "30 June 2032" in about
    assert "value column" in about and "--round test-2031-32" in about
    assert "Open Government Licence" in about
