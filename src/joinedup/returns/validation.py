"""Checking a returns table, every row at once, before anything is written.

``check(table, reference)`` takes the rows of an upload (or of an API request, or of the
web form: all three come here) as text, and the reference data the rows are judged
against, and returns the rows read into figures with what each would do (create, update
or leave alone), and every problem found. It touches no database: ``reference.py`` loads
what it needs, ``writing.py`` writes the result. The rules are vectorised with Polars, so
a million rows are checked in about a second.

Problems name the row (as a spreadsheet numbers it) and the column. Errors stop the whole
table from being saved; warnings (a figure out of line with its series' history, judged
by ``core.outliers``, leave-one-out) need the sender to confirm with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from joinedup.core.outliers import assess_outliers
from joinedup.core.periods import PeriodError, column_preference, parse_period
from joinedup.returns import columns
from joinedup.returns.problems import Problem

FIGURES = ("value", *columns.FIGURES)
KEY = ("indicator_id", "area_id", "period_start", "period_end")
#: What comparing with the stored figure looks at: a change to any of these is a change.
COMPARED = (*FIGURES, "note")


@dataclass
class Reference:
    """What the rows are checked against, as frames (built by ``reference.py``).

    - ``indicators``: ``code_key`` (code upper-cased, spaces removed), ``indicator_id``,
      ``code``, ``allows_negative``, ``editable`` (may this person send its figures),
      ``owner_name``. Only indicators the person may see: others are "unknown".
    - ``areas``: ``code_key``, ``area_id``.
    - ``stored(keys)``: given the keys the table's rows read to, a pair of frames: the
      stored figures for those keys (``KEY`` columns, ``value_id``, ``existing_state``,
      ``existing_version`` and the ``COMPARED`` columns prefixed ``old_``), and the
      ``history``: other approved figures of the series concerned (``KEY`` columns and
      ``value``), for the outlier check.
    - ``expected``: when a round is named, its expected returns (``KEY`` columns), else
      None; ``round_name`` names it in messages.
    """

    indicators: pl.DataFrame
    areas: pl.DataFrame
    stored: Callable[[pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]
    expected: pl.DataFrame | None = None
    round_name: str = ""
    reason: str = ""
    note: str = ""


@dataclass
class Checked:
    rows: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def code_key(expr: pl.Expr) -> pl.Expr:
    """Codes match however they are spaced or cased: "hw02" and "HW 02" are one code."""
    return expr.str.to_uppercase().str.replace_all(r"\s+", "")


#: A number written with thousands separators, grouped by threes: "12,345.6".
_GROUPED = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"


def number(name: str) -> pl.Expr:
    """A cell's text as a number, or null when it is not one.

    Accepts what real exports hold: surrounding spaces, thousands separators ("12,345.6"),
    a typographic minus, and numbers stored as text. Refuses "NaN", "inf" and the like,
    which a float parser would take.
    """
    text = pl.col(name).str.strip_chars().str.replace_all("\u2212", "-")
    grouped = text.str.contains(_GROUPED)
    text = pl.when(grouped).then(text.str.replace_all(",", "")).otherwise(text)
    plain = text.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    return pl.when(plain).then(text.cast(pl.Float64, strict=False)).alias(name)


def read_numbers(cells: pl.Series) -> pl.Series:
    """``number`` for a whole column, the same result faster.

    Most cells are plain numbers, which Polars' own parser reads as ``number`` does; only
    the cells it cannot read, or reads as NaN or infinity (which ``number`` refuses), take
    ``number``'s slower, stricter path.
    """
    quick = cells.cast(pl.Float64, strict=False)
    doubtful = (cells.is_not_null() & ~quick.is_finite().fill_null(False)).arg_true()
    if doubtful.is_empty():
        return quick
    # The commonest doubt, thousands separators ("12,345.67"), is read as ``number`` reads
    # it, without the commas; only the cells left take ``number``'s whole path.
    sent = cells.gather(doubtful)
    read = sent.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    other = (~sent.str.contains(_GROUPED)).arg_true()
    if not other.is_empty():
        name = cells.name
        read = read.scatter(other, sent.gather(other).to_frame(name).select(number(name))
                            .to_series())
    return quick.scatter(doubtful, read)


def code_lookup(cells: pl.Series, known: pl.DataFrame) -> pl.DataFrame:
    """Each distinct code in ``cells`` with what ``known`` (keyed by ``code_key``) says of
    it: a handful of codes to normalise, however many rows carry them."""
    distinct = cells.drop_nulls().unique().to_frame()
    return (distinct.with_columns(code_key(pl.col(cells.name)).alias("code_key"))
            .join(known, on="code_key", how="left").drop("code_key"))


def read_periods(labels: pl.Series) -> pl.DataFrame:
    """Each distinct label read once: ``period_text`` → label, start, end, or a reason."""
    distinct = labels.drop_nulls().unique(maintain_order=True).to_list()
    prefer = column_preference(distinct)
    rows = []
    for text in distinct:
        try:
            period = parse_period(text, prefer)
        except PeriodError as error:
            rows.append((text, None, None, None, error.reason))
        else:
            rows.append((text, period.label, period.start, period.end, None))
    return pl.DataFrame(rows, orient="row", schema={
        "period_text": pl.String, "period": pl.String, "period_start": pl.Date,
        "period_end": pl.Date, "period_reason": pl.String,
    })


def _blank(name: str) -> pl.Expr:
    return pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "")


def _problems(frame: pl.DataFrame, file: str, column: str, message: pl.Expr,
              severity: str = "error") -> pl.DataFrame:
    return frame.select(
        pl.col("row").cast(pl.Int64), pl.lit(column).alias("column"),
        message.cast(pl.String).alias("message"), pl.lit(severity).alias("severity"),
    )


def missing_columns(table: pl.DataFrame, file: str) -> list[Problem]:
    problems = [Problem(file, 1, name, f"there is no {name!r} column; a returns file needs "
                        f"the columns {', '.join(columns.REQUIRED)}")
                for name in columns.REQUIRED if name not in table.columns]
    unknown = [c for c in table.columns if c != "row" and c not in columns.ACCEPTED]
    problems += [Problem(file, 1, name, f"{name!r} is not a column of a returns file; the "
                         f"columns are {', '.join(columns.REQUIRED + columns.OPTIONAL)}")
                 for name in unknown]
    return problems


def _as_text(table: pl.DataFrame) -> pl.DataFrame:
    """Every optional column present, as text, with blank cells null."""
    wanted = [*columns.REQUIRED, *columns.OPTIONAL]
    present = [pl.when(_blank(c)).then(None).otherwise(pl.col(c).cast(pl.String).str.strip_chars())
               .alias(c) for c in wanted if c in table.columns]
    absent = [pl.lit(None, pl.String).alias(c) for c in wanted if c not in table.columns]
    return table.select(pl.col("row").cast(pl.Int64), *present, *absent)


def check(table: pl.DataFrame, reference: Reference, *, file: str) -> Checked:
    """Every row of ``table`` read and judged; see the module docstring."""
    problems = missing_columns(table, file)
    if problems:
        return Checked(pl.DataFrame(), problems)
    cells = read(table, reference, file=file)
    return judge(cells, reference, *reference.stored(cells.keys), file=file)


@dataclass
class Read:
    """Rows read into codes, periods and numbers, with the problems of single cells, and
    the keys the rows read to (to look up what is stored under them)."""

    rows: pl.DataFrame
    found: pl.DataFrame
    keys: pl.DataFrame


def read(table: pl.DataFrame, reference: Reference, *, file: str) -> Read:
    """The first half of ``check``, which needs nothing stored: ``table`` must have the
    required columns. Rows are read independently of each other."""
    text = _as_text(table)
    sent = text.filter(~pl.all_horizontal(pl.col(c).is_null() for c in (*FIGURES, "note")))
    rows, found = _read_rows(sent, reference, file)
    return Read(rows, found, rows.select(KEY).drop_nulls().unique())


def judge(cells: Read, reference: Reference, existing: pl.DataFrame, history: pl.DataFrame,
          *, file: str, outliers_without_history: bool = False) -> Checked:
    """The second half of ``check``: the rules across cells, rows and the stored figures
    (``existing`` and ``history``, as ``reference.stored`` gives them for ``cells.keys``).

    A table judged in parts judges a series' figures against each other however little
    history its part holds (``outliers_without_history``); as a whole, only when some
    series of the table has history.
    """
    rows, judged = _judge(cells.rows, reference, existing, history, file,
                          outliers_without_history)
    found = pl.concat([cells.found, judged]).sort("row", maintain_order=True)
    # A row with an error needs putting right first; a warning about it would be noise.
    errored = found.filter(pl.col("severity") == "error")["row"].unique()
    found = found.filter((pl.col("severity") == "error") | ~pl.col("row").is_in(errored.implode()))
    problems = [Problem(file, row, column, message, severity)
                for row, column, message, severity in found.iter_rows()]
    return Checked(rows, problems)


def _read_rows(sent: pl.DataFrame, reference: Reference, file: str):
    """Cells read into codes, periods and numbers; problems with single cells."""
    periods = read_periods(sent["period"])
    rows = (
        sent.join(code_lookup(sent["indicator"], reference.indicators), on="indicator",
                  how="left", nulls_equal=False)
        .join(code_lookup(sent["area"], reference.areas), on="area", how="left",
              nulls_equal=False)
        .join(periods, left_on="period", right_on="period_text", how="left",
              suffix="_read")
        .with_columns(*(read_numbers(sent[c]).alias(f"{c}_number") for c in FIGURES),
                      pl.col("version").str.strip_chars().cast(pl.Int64, strict=False)
                      .alias("version_number"))
    )
    found = []
    for name in columns.REQUIRED:
        found.append(_problems(rows.filter(pl.col(name).is_null()), file, name,
                               pl.lit(f"{name} is missing; leave the whole row empty to "
                                      "send nothing for it")))
    found.append(_problems(
        rows.filter(pl.col("indicator").is_not_null() & pl.col("indicator_id").is_null()),
        file, "indicator", pl.format("unknown indicator code '{}'", pl.col("indicator"))))
    found.append(_problems(
        rows.filter(pl.col("area").is_not_null() & pl.col("area_id").is_null()),
        file, "area", pl.format("unknown area code '{}'", pl.col("area"))))
    found.append(_problems(
        rows.filter(pl.col("period_reason").is_not_null()), file, "period",
        pl.format("'{}' is not a period this system can read: {}", pl.col("period"),
                  pl.col("period_reason"))))
    for name in FIGURES:
        found.append(_problems(
            rows.filter(pl.col(name).is_not_null() & pl.col(f"{name}_number").is_null()),
            file, name, pl.format("'{}' is not a number", pl.col(name))))
    found.append(_problems(
        rows.filter(pl.col("version").is_not_null() & pl.col("version_number").is_null()),
        file, "version", pl.format("'{}' is not a version number", pl.col("version"))))
    rows = rows.drop("period").rename(
        {c: f"{c}_text" for c in FIGURES} | {f"{c}_number": c for c in FIGURES}
        | {"period_read": "period"})
    return rows, pl.concat(found)


def _judge(rows: pl.DataFrame, reference: Reference, existing: pl.DataFrame,
           history: pl.DataFrame, file: str, outliers_without_history: bool = False):
    """Rules across cells, rows and the stored figures."""
    found = []
    value, numerator, denominator = pl.col("value"), pl.col("numerator"), pl.col("denominator")
    lower, upper = pl.col("lower_ci"), pl.col("upper_ci")
    found.append(_problems(rows.filter(numerator > denominator), file, "numerator",
                           pl.format("numerator {} is greater than the denominator {}",
                                     pl.col("numerator_text"), pl.col("denominator_text"))))
    found.append(_problems(rows.filter(denominator <= 0), file, "denominator",
                           pl.lit("the denominator must be above zero")))
    found.append(_problems(rows.filter(numerator < 0), file, "numerator",
                           pl.lit("the numerator cannot be negative")))
    found.append(_problems(
        rows.filter((value < 0) & ~pl.col("allows_negative").fill_null(True)), file, "value",
        pl.format("{} is negative, and {} cannot be below zero", pl.col("value_text"),
                  pl.col("code"))))
    found.append(_problems(rows.filter(lower > value), file, "lower_ci",
                           pl.lit("the lower confidence limit is above the value")))
    found.append(_problems(rows.filter(upper < value), file, "upper_ci",
                           pl.lit("the upper confidence limit is below the value")))
    keyed = pl.all_horizontal(pl.col(c).is_not_null() for c in KEY)
    rows = rows.with_columns(
        pl.when(keyed).then(pl.col("row").first().over(KEY)).alias("first_row"))
    found.append(_problems(
        rows.filter(keyed & (pl.col("first_row") != pl.col("row"))), file, "",
        pl.format("this row repeats row {} (same indicator, area and period)",
                  pl.col("first_row"))))
    rows = _compare(rows, existing)
    changing = rows.filter(pl.col("action") != "unchanged")
    found.append(_problems(
        changing.filter(pl.col("indicator_id").is_not_null() & ~pl.col("editable")),
        file, "indicator",
        pl.format("you cannot send figures for {}: they come from {}", pl.col("code"),
                  pl.col("owner_name"))))
    if reference.expected is not None:
        expected = reference.expected.with_columns(pl.lit(True).alias("expected"))
        outside = (changing.filter(keyed).join(expected, on=KEY, how="left")
                   .filter(pl.col("expected").is_null()))
        found.append(_problems(outside, file, "period", pl.format(
            "{} for {} in {} is not a return expected in {}", pl.col("code"),
            pl.col("area"), pl.col("period"), pl.lit(reference.round_name))))
    stale = changing.filter(pl.col("version_number").is_not_null()
                            & pl.col("existing_version").is_not_null()
                            & (pl.col("version_number") != pl.col("existing_version")))
    found.append(_problems(stale, file, "version", pl.format(
        "this figure has been changed since your copy was made (your version {}, now {}); "
        "download it again", pl.col("version_number"), pl.col("existing_version"))))
    if not reference.reason:
        locked = changing.filter(pl.col("existing_state") == "approved")
        found.append(_problems(locked, file, "value", pl.format(
            "{} for {} in {} is approved and locked; changing it needs a reason",
            pl.col("code"), pl.col("area"), pl.col("period"))))
    rows, warned = _outliers(rows, reference, history, file, outliers_without_history)
    found.append(warned)
    return rows, pl.concat(found)


def _compare(rows: pl.DataFrame, existing: pl.DataFrame) -> pl.DataFrame:
    """What each row would do to the stored figure: create, update or nothing."""
    rows = rows.join(existing, on=KEY, how="left", nulls_equal=False)
    # An empty note and no note are the same thing.
    rows = rows.with_columns(pl.col("old_note").replace("", None))
    same = pl.all_horizontal(
        (pl.col(c) == pl.col(f"old_{c}")).fill_null(pl.col(c).is_null() & pl.col(f"old_{c}").is_null())
        for c in COMPARED)
    return rows.with_columns(
        pl.when(pl.col("value_id").is_null()).then(pl.lit("create"))
        .when(same).then(pl.lit("unchanged")).otherwise(pl.lit("update")).alias("action"))


def _outliers(rows: pl.DataFrame, reference: Reference, history: pl.DataFrame, file: str,
              without_history: bool = False):
    """Figures out of line with their series' history: warnings, unless a note is given."""
    # A repeated row is an error already; its first copy stands for the series here.
    new = rows.filter((pl.col("action") != "unchanged") & pl.col("value").is_not_null()
                      & (pl.col("first_row") == pl.col("row")))
    empty = _problems(rows.head(0), file, "value", pl.lit(""))
    if new.is_empty() or (history.is_empty() and not without_history):
        return rows.with_columns(pl.lit(False).alias("outlier")), empty
    # A stored figure this table replaces is judged no longer: the new one stands for it.
    kept = history.join(new.select(KEY), on=KEY, how="anti", nulls_equal=False)
    points = pl.concat([
        kept.select(*KEY, pl.col("value").cast(pl.Float64), pl.lit(None, pl.Int64).alias("row")),
        new.select(*KEY, "value", "row"),
    ])
    scored = assess_outliers(points, keys=("indicator_id", "area_id")).filter(pl.col("row").is_not_null() & pl.col("outlier"))
    scored = scored.select("row", "outlier_score")
    rows = rows.join(scored, on="row", how="left").with_columns(
        pl.col("outlier_score").is_not_null().alias("outlier"))
    confirmed = pl.col("note").is_not_null() | pl.lit(bool(reference.note))
    warned = rows.filter(pl.col("outlier") & ~confirmed)
    message = pl.format(
        "{} is out of line with the other figures for {} in this area (outlier score {}); "
        "check it, and confirm it with a note if it is right", pl.col("value_text"),
        pl.col("code"), pl.col("outlier_score").round(1))
    rows = rows.with_columns(
        pl.when(pl.col("outlier") & pl.col("note").is_null() & pl.lit(bool(reference.note)))
        .then(pl.lit(reference.note)).otherwise(pl.col("note")).alias("note"))
    return rows.drop("outlier_score"), _problems(warned, file, "value", message, "warning")
