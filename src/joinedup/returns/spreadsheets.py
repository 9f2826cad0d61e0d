"""Writing returns files: templates to fill in, and exports of the figures.

Both are written as CSV or as an Excel workbook, and both read back through
``files.read_table`` to exactly the text they were written from: an export re-imports
unchanged, and a half-filled template can be downloaded, finished and uploaded. Floats are
written with the shortest digits that read back as the same float, in both formats.

What goes into a file starts from the permission querysets (``visible_to``, ``owed_by``),
so a template or an export never holds a figure its reader may not see.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import polars as pl
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.text import slugify

from joinedup.common.cells import escape_formulas, looks_like_formula
from joinedup.common.querysets import partner_organisation_id, sees_everything
from joinedup.returns import columns
from joinedup.returns.files import float_text
from joinedup.returns.models import DataValue, ExpectedReturn

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The most rows a worksheet holds, the header included.
EXCEL_MAX_ROWS = 1_048_576
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)
_NUMBERS = (*columns.FIGURES, "value", "previous_value")
TEMPLATE_SCHEMA = {c: pl.Float64 if c in _NUMBERS else pl.String for c in columns.TEMPLATE}
EXPORT_SCHEMA = {c: pl.Float64 if c in _NUMBERS else pl.String for c in columns.EXPORT}
# Cells Excel would otherwise take for a formula or an error rather than text.
# Control characters cannot be stored in a workbook at all.
_UNSTORABLE = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


class TooManyRowsForExcel(ValueError):
    """The figures would not fit on one worksheet; CSV has no such limit."""


# --- writing a frame --------------------------------------------------------------------

def write_table(frame: pl.DataFrame, fmt: str, *, about: Sequence[str] = ()) -> bytes:
    """``frame`` as a CSV file (UTF-8 with a byte order mark) or an Excel workbook.

    ``about`` is what the workbook's "About" sheet says (its first line is the title);
    CSV has nowhere to say it.
    """
    if fmt == "csv":
        return _csv(frame)
    if fmt == "xlsx":
        return _workbook(frame, about or _standard_about())
    raise ValueError(f"Files are written as {' or '.join(FORMATS)}, not {fmt!r}")


def _csv(frame: pl.DataFrame) -> bytes:
    # The byte order mark is how Excel knows the file is UTF-8 (else £ and é are garbled).
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    # Text that a spreadsheet would run as a formula gets a leading quote; the numbers,
    # written as text just below, are left as they are.
    text = escape_formulas(frame).with_columns(float_text(pl.col(c)).alias(c) for c in floats)
    return text.write_csv(include_bom=True).encode("utf-8")


def _workbook(frame: pl.DataFrame, about: Sequence[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if frame.height + 1 > EXCEL_MAX_ROWS:
        raise TooManyRowsForExcel(
            f"{frame.height:,} rows are more than an Excel worksheet holds "
            f"({EXCEL_MAX_ROWS - 1:,} below the header): choose CSV instead."
        )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("values")
    sheet.freeze_panes = "A2"
    for j, width in enumerate(_widths(frame), start=1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    bold = Font(bold=True)
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(sheet, name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    if frame.width:
        sheet.auto_filter.ref = f"A1:{get_column_letter(frame.width)}{frame.height + 1}"

    def as_number(text):
        cell = WriteOnlyCell(sheet, text)
        cell.data_type = "n"
        return cell

    def as_text(text):
        # Text, never a formula: typed as text, with Excel's quote prefix.
        cell = WriteOnlyCell(sheet, text)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    cells, kinds = _cells_for_excel(frame)
    for row in cells.iter_rows():
        values = iter(row)
        written = []
        for kind in kinds:
            value = next(values)
            if kind == "number":
                exact = next(values)
                written.append(value if exact is None else as_number(exact))
            elif kind == "text" and value and (looks_like_formula(value)
                                               or value in _EXCEL_ERRORS):
                written.append(as_text(value))
            else:
                written.append(value)
        sheet.append(written)
    notes = book.create_sheet("About")
    notes.column_dimensions["A"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, line in enumerate(about):
        cell = WriteOnlyCell(notes, line)
        cell.alignment = wrap
        if i == 0:
            cell.font = Font(bold=True, size=14)
        notes.append([cell])
    book.properties.creator = settings.JOINEDUP_SERVICE_NAME
    book.properties.title = about[0] if about else "Figures"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cells_for_excel(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The columns ready for a worksheet, and what kind each is.

    A number column comes with a second column: its exact text where openpyxl, which
    writes ``%.16g``, could change it (those cells are written from the text). That is any
    number whose shortest exact text has 16 digits or more: 2⁻²⁴ is 5.960464477539063e-8,
    but ``%.16g`` rounds its binary value, 5.9604644775390625e-8, to the even …062e-8,
    another number.
    Text loses the control characters a workbook cannot store.
    """
    kinds, exprs = [], []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_float() or dtype.is_integer():
            text = float_text(column) if dtype.is_float() else column.cast(pl.String)
            digits = (text.str.replace(r"e.*$", "").str.replace_all(r"\D", "")
                      .str.strip_chars_start("0").str.len_chars())
            kinds.append("number")
            exprs += [text.cast(dtype).alias(name),
                      pl.when(digits >= 16).then(text).alias(f"{name} exact")]
        elif dtype == pl.String:
            kinds.append("text")
            exprs.append(column.str.replace_all(_UNSTORABLE, "").alias(name))
        else:
            kinds.append("value")
            exprs.append(column)
    return frame.select(exprs), kinds


def _widths(frame: pl.DataFrame) -> list[float]:
    sample = frame.head(2000)
    widths = []
    for name in frame.columns:
        longest = sample.select(pl.col(name).cast(pl.String).str.len_chars().max()).item()
        widths.append(float(min(max(len(name), longest or 0, 6) + 2, 60)))
    return widths


def _standard_about() -> list[str]:
    return [f"Figures from {settings.JOINEDUP_SERVICE_NAME}", OGL_ATTRIBUTION]


def partnership_name() -> str:
    from joinedup.partnership.models import Body

    board = Body.objects.filter(parent=None, kind=Body.Kind.BOARD).only("name").first()
    return board.name if board else settings.JOINEDUP_SERVICE_NAME


# --- templates --------------------------------------------------------------------------

def template_frame(collection_round, user) -> pl.DataFrame:
    """One row for each return of the round that ``user`` owes, ready to be filled in.

    Each row carries the series' previous figure (the latest one ``user`` may see before
    the period asked for) to check against, and any figure already entered for the period,
    so a half-finished return can be downloaded again without losing work.
    """
    expected = list(
        ExpectedReturn.objects.filter(collection_round=collection_round)
        .visible_to(user).owed_by(user)
        .order_by("indicator__code", "area__code", "period_start", "period_end")
        .values_list("indicator_id", "area_id", "period_start", "period_end",
                     "indicator__code", "indicator__title", "area__code", "area__name",
                     "period", "indicator__unit")
    )
    series = _series_figures(user, expected)
    rows = []
    for indicator, area, start, end, *described in expected:
        earlier = entered = None
        for figure in series.get((indicator, area), ()):
            if figure[0] < start:
                earlier = figure
            elif figure[:2] == (start, end):
                entered = figure
        rows.append((
            *described,
            earlier[2] if earlier else None, earlier[3] if earlier else None,
            *(entered[3:] if entered else (None,) * 6),
        ))
    frame = pl.DataFrame(rows, schema=TEMPLATE_SCHEMA, orient="row")
    return frame.with_columns(pl.col("note").replace("", None))


def _series_figures(user, expected: list[tuple]) -> dict[tuple, list[tuple]]:
    """Visible figures of the expected series, ordered by period, up to the latest asked."""
    if not expected:
        return {}
    figures = (
        DataValue.objects.visible_to(user)
        .filter(indicator_id__in={e[0] for e in expected}, area_id__in={e[1] for e in expected},
                period_start__lte=max(e[2] for e in expected))
        .order_by("period_start", "period_end")
        .values_list("indicator_id", "area_id", "period_start", "period_end", "period",
                     "value", "numerator", "denominator", "lower_ci", "upper_ci", "note")
    )
    series = defaultdict(list)
    for indicator, area, *figure in figures:
        series[(indicator, area)].append(tuple(figure))
    return series


def template_file(collection_round, user, fmt: str) -> tuple[bytes, str, str]:
    """The template as a file: its bytes, a file name and the content type."""
    if sees_everything(user):
        owner_name, owner_slug = "every partner", "all-partners"
    elif partner_organisation_id(user):
        owner_name, owner_slug = user.organisation.name, user.organisation.slug
    else:
        owner_name, owner_slug = "nobody", "no-partner"
    r = collection_round
    about = [
        f"{r.name}: return template for {owner_name}",
        f"{partnership_name()}. Figures for {r.period}, due by {_day(r.deadline)}.",
        *([r.instructions] if r.instructions.strip() else []),
        "How to fill it in:",
        "1. Type each figure in the value column: one row for each indicator, area and "
        "period. Add the numerator and denominator, or the lower and upper 95% confidence "
        "limits, when you have them.",
        "2. Use the note column to explain anything unusual. A note also confirms a figure "
        "that is out of line with its history.",
        "3. Do not change the indicator, area or period columns, or the column names in the "
        "first row. The columns indicator_title, area_name, unit, previous_period and "
        "previous_value are there to help you and are ignored when you upload.",
        "4. You may leave out rows you are not sending yet, and download the template again "
        "later: figures already entered are filled in.",
        "5. Upload the file on the Returns pages, or from the command line with "
        f"“joinedup import-values FILE --round {r.slug}”. Keep it as .xlsx, or save it as "
        "“CSV UTF-8”.",
        f"Previous figures: {OGL_ATTRIBUTION}",
    ]
    name = f"{r.slug}-{owner_slug}-template.{fmt}"
    return write_table(template_frame(r, user), fmt, about=about), name, CONTENT_TYPES[fmt]


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- exports ----------------------------------------------------------------------------

def export_frame(user, *, indicators: Iterable[str] | None = None,
                 areas: Iterable[str] | None = None, states: Iterable[str] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> pl.DataFrame:
    """Every figure ``user`` may see, optionally only some indicators, areas or states.

    Read straight from the database cursor (a million figures take seconds, where model
    instances would take minutes); ``progress(done, total)`` is told as rows arrive.
    """
    figures = DataValue.objects.visible_to(user)
    if indicators is not None:
        figures = figures.filter(indicator__code__in=list(indicators))
    if areas is not None:
        figures = figures.filter(area__code__in=list(areas))
    if states is not None:
        figures = figures.filter(state__in=list(states))
    figures = figures.order_by("indicator__code", "area__code", "period_start", "period_end")
    total = figures.count() if progress else 0
    query = figures.values_list("indicator__code", "area__code", "period", "value",
                                *columns.FIGURES, "note", "state", "version")
    sql, params = query.query.sql_with_params()
    raw = {c: (pl.Int64 if c == "version" else t) for c, t in EXPORT_SCHEMA.items()}
    chunks = []
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(100_000):
            chunks.append(pl.DataFrame(batch, schema=raw, orient="row"))
            if progress:
                progress(sum(c.height for c in chunks), total)
    frame = pl.concat(chunks) if chunks else pl.DataFrame(schema=raw)
    return frame.with_columns(pl.col("version").cast(pl.String),
                              pl.col("note").replace("", None))


def export_file(user, fmt: str, *, indicators=None, areas=None, states=None,
                frame: pl.DataFrame | None = None) -> tuple[bytes, str, str]:
    """An export as a file: its bytes, a file name and the content type."""
    if frame is None:
        frame = export_frame(user, indicators=indicators, areas=areas, states=states)
    partnership = partnership_name()
    today = timezone.localdate()
    reader = (f"a signed-in person from {user.organisation.name}"
              if partner_organisation_id(user) and not sees_everything(user) else
              "a partnership officer" if sees_everything(user) else "a member of the public")
    chosen = [f"{label}: {', '.join(sorted(values))}" for label, values in
              (("Indicators", indicators), ("Areas", areas), ("States", states)) if values]
    about = [
        f"{partnership}: figures exported on {_day(today)}",
        f"Exported from {settings.JOINEDUP_SERVICE_NAME} with the figures {reader} may see: "
        f"{frame.height:,} rows.",
        *chosen,
        "One row for each indicator, area and period. state is draft, submitted, approved "
        "or returned; version counts the changes to a figure. Values are kept in full, not "
        "rounded as the pages show them.",
        "The file can be uploaded again unchanged. A row whose version no longer matches is "
        "refused, because someone has changed that figure since the export.",
        OGL_ATTRIBUTION,
    ]
    name = f"{slugify(partnership) or 'partnership'}-figures-{today.isoformat()}.{fmt}"
    return write_table(frame, fmt, about=about), name, CONTENT_TYPES[fmt]
