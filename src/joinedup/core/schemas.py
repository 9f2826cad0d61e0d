"""The frames the core reads, and the checks that turn raw columns into them.

Three inputs, as in an export from any system:

- values: ``indicator, area, period, value`` and optionally ``numerator, denominator,
  lower_ci, upper_ci``;
- polarity: ``indicator, polarity`` (``up``, ``down`` or ``none``);
- targets: ``indicator, area, period, target`` and optionally ``tolerance`` and
  ``target_kind`` (``target``, the default, or ``milestone``).

The checks collect every problem with its row (counted from 0 in the frame) and column,
so a caller can report them all at once against its own file's line numbers. Numbers may
arrive as text: thousands separators and surrounding spaces are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from joinedup.core.periods import PeriodError, parse_period, parse_periods
from joinedup.core.status import TARGET_KINDS

VALUE_COLUMNS = ("indicator", "area", "period", "value")
VALUE_OPTIONAL = ("numerator", "denominator", "lower_ci", "upper_ci")
POLARITY_COLUMNS = ("indicator", "polarity")
TARGET_COLUMNS = ("indicator", "area", "period", "target")
TARGET_OPTIONAL = ("tolerance", "target_kind")
POLARITIES = ("up", "down", "none")
MAX_REPORTED = 50


@dataclass(frozen=True)
class Problem:
    row: int | None  # 0-based row of the frame; None for the whole frame
    column: str | None
    message: str
    repeats: int | None = None  # for a repeated row, the 0-based row it repeats


def repeat_message(label: str, first: str) -> str:
    """What is wrong with a row that repeats an earlier one (``first`` says which)."""
    return f"{label!r} repeats the same indicator, area and period as {first}"


class FrameError(ValueError):
    """One or more problems with an input frame."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__("; ".join(p.message for p in problems[:5]))


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars()


def _numbers(frame: pl.DataFrame, column: str, *, required: bool,
             problems: list[Problem]) -> pl.Series:
    """The column as floats, noting each cell that is not a number (or is missing)."""
    if frame.schema[column].is_numeric():
        numbers = frame[column].cast(pl.Float64)
        if required:
            for row in frame.filter(pl.col(column).is_null())["_r"].head(MAX_REPORTED):
                problems.append(Problem(row, column, "a value is needed here"))
        return numbers
    raw = frame.select(_text(frame, column).alias(column))[column]
    cleaned = raw.str.replace_all(",", "").str.replace_all(" ", "")
    numbers = cleaned.cast(pl.Float64, strict=False)
    numbers = numbers.set(~numbers.is_finite().fill_null(True), None)
    bad = frame.select("_r", raw=raw, number=numbers).filter(
        pl.col("raw").is_not_null() & (pl.col("raw") != "")
        & (pl.col("number").is_null() | ~pl.col("number").is_finite()))
    for row, text, _ in bad.head(MAX_REPORTED).iter_rows():
        problems.append(Problem(row, column, f"{text!r} is not a number"))
    if required:
        missing = raw.is_null() | (raw == "")
        for row in frame.filter(missing)["_r"].head(MAX_REPORTED):
            problems.append(Problem(row, column, "a value is needed here"))
    return numbers


def required_problems(columns: list[str], height: int, required, what: str) -> list[Problem]:
    """The frame-wide problems: a required column missing, or no rows."""
    missing = [c for c in required if c not in columns]
    if missing:
        have = ", ".join(columns) or "no columns"
        return [Problem(None, None, f"{what} must have the column(s) {', '.join(missing)}; "
                        f"found {have}")]
    if height == 0:
        return [Problem(None, None, f"{what} has no rows")]
    return []


def _require(frame: pl.DataFrame, columns, what: str) -> list[Problem]:
    return required_problems(frame.columns, frame.height, columns, what)


def _periods(frame: pl.DataFrame, problems: list[Problem]) -> pl.DataFrame:
    """``period_start, period_end, period_kind, period_label`` for each row of ``frame``,
    in its order. Each indicator's labels are one column (an ambiguous ``YYYY-NN`` is
    judged from the indicator's own labels); each distinct label of an indicator is read
    once, and the readings are joined back."""
    pairs = frame.select("indicator", pl.col("period").cast(pl.String)).unique(
        maintain_order=True)
    lookups = []
    for (indicator,), group in pairs.group_by("indicator", maintain_order=True):
        read = parse_periods(group["period"], errors="null")
        lookups.append(pl.DataFrame({
            "indicator": pl.Series([indicator] * group.height, dtype=pairs["indicator"].dtype),
            "period": group["period"], "period_start": read["start"],
            "period_end": read["end"], "period_kind": read["kind"].cast(pl.String),
            "period_label": read["label"],
        }))
    lookup = pl.concat(lookups)
    unread = lookup.filter(pl.col("period_start").is_null()).select("indicator", "period")
    if unread.height:
        bad = frame.select("_r", "indicator", pl.col("period").cast(pl.String)).join(
            unread, on=["indicator", "period"], how="semi", nulls_equal=True
        ).sort("_r")
        for row, label in bad.select("_r", "period").head(MAX_REPORTED).iter_rows():
            problems.append(Problem(row, "period", _period_problem(label)))
    return frame.select("indicator", pl.col("period").cast(pl.String)).join(
        lookup, on=["indicator", "period"], how="left", maintain_order="left",
        nulls_equal=True).drop("indicator", "period")


def _period_problem(label: str | None) -> str:
    if label is None or not label.strip():
        return "a period is needed here"
    try:
        parse_period(label)
    except PeriodError as error:
        return f"{label!r} is not a period JoinedUp can read: {error.reason}"
    return f"{label!r} is ambiguous in this column"


def _keys(frame: pl.DataFrame, columns, problems: list[Problem]) -> None:
    """Note blank key cells; ``frame`` carries its row numbers in ``_r``."""
    for column in columns:
        blank = frame.filter(
            pl.col(column).is_null() | (pl.col(column).cast(pl.String).str.strip_chars() == ""))
        for row in blank["_r"].head(MAX_REPORTED):
            problems.append(Problem(row, column, "a value is needed here"))


def _duplicates(frame: pl.DataFrame, keys, problems: list[Problem]) -> None:
    """Note each row that repeats an earlier row's keys and period. Counting distinct row
    hashes finds whether any row may repeat (equal rows hash equal); only then are the
    repeats and their first rows looked up exactly."""
    columns = [*keys, "period_start", "period_end"]
    read = frame.filter(pl.col("period_start").is_not_null())
    if read.select(pl.struct(columns).hash().n_unique()).item() == read.height:
        return
    repeated = (
        read.with_columns(_first=pl.col("_r").min().over(columns))
        .filter(pl.col("_r") != pl.col("_first")).sort("_r")
    )
    for row, first, label in repeated.select("_r", "_first", "period").head(MAX_REPORTED).iter_rows():
        problems.append(Problem(row, "period", repeat_message(label, f"row {first}"),
                                repeats=first))


def _finish(problems: list[Problem]) -> None:
    if problems:
        problems.sort(key=lambda p: (p.row if p.row is not None else -1, p.column or ""))
        raise FrameError(problems[:MAX_REPORTED], total=len(problems))


def check_values(frame: pl.DataFrame, row_numbers: str | None = None) -> pl.DataFrame:
    """Values ready for the engine, with ``period_start``, ``period_end``, ``period_kind``.

    A row may leave ``value`` blank (a suppressed figure): it is kept, and takes no part
    in any statistic. Problems name rows by their position in ``frame``, or, with
    ``row_numbers``, by that column's integers (a part of a file, numbered as in the
    whole file); the column is dropped from the result.
    """
    problems = _require(frame, VALUE_COLUMNS, "The values")
    _finish(problems)
    frame = (frame.with_row_index("_r") if row_numbers is None
             else frame.rename({row_numbers: "_r"}))
    _keys(frame, ("indicator", "area"), problems)
    columns = {c: _numbers(frame, c, required=False, problems=problems)
               for c in ("value", *VALUE_OPTIONAL) if c in frame.columns}
    checked = frame.with_columns(
        pl.col("indicator").cast(pl.String).str.strip_chars(),
        pl.col("area").cast(pl.String).str.strip_chars(),
        pl.col("period").cast(pl.String),
        **columns,
    )
    checked = checked.with_columns(_periods(checked, problems))
    if "numerator" in checked.columns and "denominator" in checked.columns:
        over = checked.filter(pl.col("numerator") > pl.col("denominator"))
        for row in over["_r"].head(MAX_REPORTED):
            problems.append(Problem(row, "numerator", "the numerator is larger than the denominator"))
    _duplicates(checked, ("indicator", "area"), problems)
    _finish(problems)
    return checked.drop("_r")


def check_polarity(frame: pl.DataFrame) -> pl.DataFrame:
    problems = _require(frame, POLARITY_COLUMNS, "The indicators")
    _finish(problems)
    frame = frame.with_row_index("_r").with_columns(
        indicator=_text(frame, "indicator"),
        polarity=_text(frame, "polarity").str.to_lowercase(),
    )
    _keys(frame, ("indicator",), problems)
    for row, value in frame.filter(~pl.col("polarity").is_in(POLARITIES)).select(
        "_r", "polarity"
    ).head(MAX_REPORTED).iter_rows():
        problems.append(Problem(row, "polarity", f"{value!r} must be up, down or none"))
    repeated = frame.filter(pl.col("indicator").is_duplicated()).filter(
        pl.col("_r") != pl.col("_r").min().over("indicator"))
    for row, code in repeated.select("_r", "indicator").head(MAX_REPORTED).iter_rows():
        problems.append(Problem(row, "indicator", f"{code!r} is listed more than once"))
    _finish(problems)
    return frame.select("indicator", "polarity")


def check_targets(frame: pl.DataFrame) -> pl.DataFrame:
    problems = _require(frame, TARGET_COLUMNS, "The targets")
    _finish(problems)
    frame = frame.with_row_index("_r")
    _keys(frame, ("indicator", "area"), problems)
    columns = {"target": _numbers(frame, "target", required=True, problems=problems)}
    if "tolerance" in frame.columns:
        columns["tolerance"] = _numbers(frame, "tolerance", required=False, problems=problems)
        negative = frame.with_columns(**columns).filter(pl.col("tolerance") < 0)
        for row in negative["_r"].head(MAX_REPORTED):
            problems.append(Problem(row, "tolerance", "a tolerance cannot be negative"))
    if "target_kind" in frame.columns:
        # A blank kind is left for the status rule's default (a target).
        kind = _text(frame, "target_kind").str.to_lowercase().replace("", None)
        columns["target_kind"] = frame.select(kind.alias("target_kind"))["target_kind"]
        unknown = frame.with_columns(**columns).filter(
            pl.col("target_kind").is_not_null() & ~pl.col("target_kind").is_in(TARGET_KINDS))
        for row, value in unknown.select("_r", "target_kind").head(MAX_REPORTED).iter_rows():
            problems.append(Problem(row, "target_kind", f"{value!r} must be target or milestone"))
    checked = frame.with_columns(
        pl.col("indicator").cast(pl.String).str.strip_chars(),
        pl.col("area").cast(pl.String).str.strip_chars(),
        pl.col("period").cast(pl.String),
        **columns,
    )
    checked = checked.with_columns(_periods(checked, problems))
    _duplicates(checked, ("indicator", "area"), problems)
    _finish(problems)
    if "tolerance" not in checked.columns:
        checked = checked.with_columns(tolerance=pl.lit(None, pl.Float64))
    return checked.drop("_r")
