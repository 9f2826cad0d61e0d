"""Exports and downloads: only what the reader may see, exact figures, the command and pages.

The sharing rules are restated here from the demo catalogue (who owns each restricted
indicator and who it is shared with), not read back from the querysets under test.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import polars as pl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from joinedup.core.periods import parse_period
from joinedup.places.models import Area
from joinedup.returns import columns
from joinedup.returns.files import read_table
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.returns.spreadsheets import export_frame, write_table
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db

GATESHEAD = "E08000037"
DRAFT_PERIOD = "2031/32"
RESTRICTED = {"SC 02", "CY 07", "NG 06"}
PARTNERS_ONLY = {"HW 15", "IL 01", "IL 02", "IL 03", "IL 04", "IL 05"}
# Restricted indicators each persona may see: their organisation owns it or it is shared.
RESTRICTED_SEEN = {
    None: set(),
    "board": set(),
    "pct": {"CY 07", "NG 06"},
    "police": {"SC 02"},
    "theme_lead": {"SC 02", "CY 07"},
    "officer": RESTRICTED,
}
PERSONAS = list(RESTRICTED_SEEN)


@pytest.fixture
def drafts(db):
    """Unfinished figures of three partners: only their own people and officers see them."""
    gateshead = Area.objects.get(code=GATESHEAD)
    made = {}
    for code, value in (("HW 02", 0.1 + 0.2), ("SC 03", 1 / 3), ("HW 05", 12.0)):
        made[code] = DataValue.objects.create(
            indicator=Indicator.objects.get(code=code), area=gateshead, period=DRAFT_PERIOD,
            value=value, numerator=1, denominator=3, note="Not yet checked")
    return made


def user_for(persona, person):
    return AnonymousUser() if persona is None else person(persona)


def draft_owner(persona, person) -> str | None:
    if persona is None:
        return None
    organisation = person(persona).organisation
    return organisation.slug if organisation else None


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_export_holds_no_figure_its_reader_may_not_see(persona, person, drafts):
    frame = export_frame(user_for(persona, person))
    codes = set(frame["indicator"].unique())
    assert codes & RESTRICTED == RESTRICTED_SEEN[persona]
    if persona is None:
        assert not codes & PARTNERS_ONLY
        assert set(frame["state"].unique()) == {"approved"}
    else:
        assert PARTNERS_ONLY <= codes
    exported_drafts = set(frame.filter(pl.col("state") == "draft")["indicator"])
    if persona == "officer":
        assert exported_drafts == set(drafts)
    else:
        owner = draft_owner(persona, person)
        assert exported_drafts == {c for c, v in drafts.items()
                                   if v.indicator.owner.slug == owner}


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_export_holds_every_figure_its_reader_may_see(persona, person, drafts):
    """Counted from the rules directly: approved figures of indicators they may see, and
    their own organisation's unfinished ones (all of them, for an officer)."""
    frame = export_frame(user_for(persona, person))
    owner = draft_owner(persona, person)
    expected = 0
    for indicator in Indicator.objects.all():
        if persona == "officer":
            seen = True
        elif indicator.visibility == "public":
            seen = True
        elif indicator.visibility == "partners":
            seen = persona is not None
        else:
            seen = indicator.code in RESTRICTED_SEEN[persona]
        if not seen:
            continue
        figures = DataValue.objects.filter(indicator=indicator)
        if persona != "officer" and indicator.owner.slug != owner:
            figures = figures.filter(state="approved")
        expected += figures.count()
    assert frame.height == expected


def test_an_export_is_sorted_exact_and_in_the_export_columns(person, drafts):
    frame = export_frame(person("officer"))
    assert frame.columns == list(columns.EXPORT)
    assert frame.schema["state"] == pl.String and frame.schema["version"] == pl.String
    keys = [(i, a, parse_period(p).start) for i, a, p in
            frame.select("indicator", "area", "period").iter_rows()]
    assert keys == sorted(keys)
    draft = frame.filter((pl.col("indicator") == "HW 02") & (pl.col("period") == DRAFT_PERIOD))
    assert draft.row(0, named=True) == {
        "indicator": "HW 02", "area": GATESHEAD, "period": DRAFT_PERIOD, "value": 0.1 + 0.2,
        "numerator": 1.0, "denominator": 3.0, "lower_ci": None, "upper_ci": None,
        "note": "Not yet checked", "state": "draft", "version": str(drafts["HW 02"].version)}


def test_an_export_can_be_narrowed_by_indicator_area_and_state(person, drafts):
    officer = person("officer")
    frame = export_frame(officer, indicators=["HW 02", "SC 03"], areas=[GATESHEAD])
    assert set(frame["indicator"]) == {"HW 02", "SC 03"} and set(frame["area"]) == {GATESHEAD}
    assert frame.height == DataValue.objects.filter(
        indicator__code__in=["HW 02", "SC 03"], area__code=GATESHEAD).count()
    only_drafts = export_frame(officer, states=["draft"])
    assert sorted(only_drafts["indicator"]) == sorted(drafts)


def test_an_export_reads_back_unchanged(person, drafts):
    frame = export_frame(person("pct"))
    for fmt in ("csv", "xlsx"):
        table = read_table(write_table(frame, fmt), f"export.{fmt}")
        assert table.columns == ["row", *columns.EXPORT]
        assert table.height == frame.height
        values = [float(v) for v in table["value"]]
        assert values == frame["value"].to_list()


def test_progress_is_reported_up_to_the_total(person):
    seen = []
    frame = export_frame(person("officer"), progress=lambda done, total: seen.append((done,
                                                                                      total)))
    # rows are read 100,000 at a time, so the demo's figures come in one batch
    assert frame.height == DataValue.objects.count()
    assert seen == [(frame.height, frame.height)]


# --- the command ------------------------------------------------------------------------

def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("export_values", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_exports_the_publics_view_by_default_and_says_so(tmp_path, drafts):
    target = tmp_path / "public.csv"
    out, err = run("--out", str(target), "--quiet")
    assert "member of the public" in err
    table = read_table(target.read_bytes(), target.name)
    assert table.height == export_frame(AnonymousUser()).height
    assert not set(table["indicator"]) & (RESTRICTED | PARTNERS_ONLY)
    assert set(table["state"]) == {"approved"}
    assert out.startswith(f"Exported {table.height:,} figures (") and str(target) in out


def test_the_command_exports_a_persons_view_to_a_workbook(tmp_path, drafts):
    target = tmp_path / "hw02.xlsx"
    out, err = run("--user", "pct.analyst", "--indicator", "hw02", "--area", GATESHEAD.lower(),
                   "--out", str(target), "--quiet")
    assert "member of the public" not in err
    table = read_table(target.read_bytes(), target.name)
    assert set(table["indicator"]) == {"HW 02"} and set(table["area"]) == {GATESHEAD}
    # the 11 published years (2007/08 to 2017/18) and the analyst's own draft
    assert sorted(table["state"]) == ["approved"] * 11 + ["draft"]
    assert table.height == DataValue.objects.filter(indicator__code="HW 02",
                                                    area__code=GATESHEAD).count()
    assert out == f"Exported 12 figures (11 approved, 1 draft) in 1 series to {target}.\n"


def test_the_command_filters_by_state(tmp_path, drafts):
    target = tmp_path / "drafts.csv"
    run("--user", "officer", "--state", "draft", "--out", str(target), "--quiet")
    table = read_table(target.read_bytes(), target.name)
    assert sorted(table["indicator"]) == sorted(drafts)


# the first eight codes the reader may see, offered as examples
PUBLIC_SAMPLE = "CY 01, CY 02, CY 03, CY 04, CY 05, CY 06, CY 08, CY 09"
NHS_SAMPLE = "CY 01, CY 02, CY 03, CY 04, CY 05, CY 06, CY 07, CY 08"


@pytest.mark.parametrize("args, message", [
    (["--user", "nobody.here", "--out", "x.csv"], "No one has the username 'nobody.here'."),
    (["--indicator", "ZZ 99", "--out", "x.csv"],
     f"No indicator you may see has the code 'ZZ 99'. Codes look like: {PUBLIC_SAMPLE} \u2026"),
    (["--user", "pct.analyst", "--indicator", "SC 02", "--out", "x.csv"],
     f"No indicator you may see has the code 'SC 02'. Codes look like: {NHS_SAMPLE} \u2026"),
    (["--area", "E99999999", "--out", "x.csv"],
     "No area has the code 'E99999999' (areas are named by ONS code, such as E08000037)."),
    (["--out", "figures.ods"], "--out must name a .csv or .xlsx file, not 'figures.ods'"),
])
def test_the_command_refuses_clearly(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError) as refused:
        run(*args, "--quiet")
    assert str(refused.value) == message
    assert not (tmp_path / "x.csv").exists()


# --- the pages --------------------------------------------------------------------------

@pytest.fixture
def collection_round(db):
    r = CollectionRound.objects.create(name="Download round", slug="download-2031-32",
                                       period=DRAFT_PERIOD, opens=dt.date(2032, 4, 1),
                                       deadline=dt.date(2032, 6, 30))
    gateshead = Area.objects.get(code=GATESHEAD)
    for code in ("HW 03", "HW 02", "SC 03"):
        indicator = Indicator.objects.get(code=code)
        ExpectedReturn.objects.create(collection_round=r, indicator=indicator, area=gateshead,
                                      owner=indicator.owner, period=DRAFT_PERIOD)
    return r


def attachment_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    return disposition.split("filename=")[1].strip('"')


def test_a_template_download_needs_signing_in(client_as, collection_round):
    url = reverse("returns:template", args=[collection_round.slug, "xlsx"])
    response = client_as(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:sign-in"))


@pytest.mark.parametrize("slug, fmt", [("no-such-round", "csv"), ("download-2031-32", "pdf")])
def test_a_template_download_is_not_found_for_an_unknown_round_or_format(
        client_as, collection_round, slug, fmt):
    response = client_as("pct").get(reverse("returns:template", args=[slug, fmt]))
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_partner_downloads_their_template(client_as, collection_round, fmt):
    response = client_as("pct").get(reverse("returns:template", args=["download-2031-32", fmt]))
    assert response.status_code == 200
    name = attachment_name(response)
    assert name == f"download-2031-32-nhs-gateshead-template.{fmt}"
    assert "private" in response["Cache-Control"]
    table = read_table(response.content, name)
    assert table["indicator"].to_list() == ["HW 02", "HW 03"]
    assert table["period"].to_list() == [DRAFT_PERIOD] * 2


def test_someone_who_owes_nothing_downloads_just_the_header(client_as, collection_round):
    response = client_as("board").get(reverse("returns:template",
                                              args=["download-2031-32", "csv"]))
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines() == [",".join(columns.TEMPLATE)]


@pytest.mark.parametrize("persona", [None, "pct", "police"])
def test_anyone_downloads_an_export_of_what_they_may_see(client_as, persona, person, drafts):
    response = client_as(persona).get(reverse("returns:export", args=["csv"]))
    assert response.status_code == 200
    name = attachment_name(response)
    assert name == (f"gateshead-strategic-partnership-figures-"
                    f"{timezone.localdate().isoformat()}.csv")
    table = read_table(response.content, name)
    assert set(table["indicator"]) & RESTRICTED == RESTRICTED_SEEN[persona]
    assert table.height == export_frame(user_for(persona, person)).height


def test_an_export_download_takes_filters_and_gives_a_workbook(client_as, drafts):
    url = reverse("returns:export", args=["xlsx"])
    response = client_as("police").get(url, {"indicator": ["SC 02", "SC 03"],
                                             "state": "draft"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    table = read_table(response.content, attachment_name(response))
    assert table["indicator"].to_list() == ["SC 03"]
    assert table["state"].to_list() == ["draft"]


def test_an_export_download_in_another_format_is_not_found(client_as):
    assert client_as(None).get(reverse("returns:export", args=["pdf"])).status_code == 404
