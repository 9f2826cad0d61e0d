"""Periods: the time a value belongs to, read from the labels publishers use.

A period is a half-open interval of dates ``[start, end)`` plus a ``kind`` that decides
how it is written. Two periods are equal, and are ordered, by ``(start, end)`` alone, so
``2016/17`` (financial year) equals ``2016-04-01/P1Y``, and ``2009/10 Q2`` equals
``2009 Q3``; the kind only keeps the label that people expect.

Kinds and their canonical labels (``parse_period(p.label) == p`` with the same kind):

=================== ===================== ==========================================
kind                label                 interval
=================== ===================== ==========================================
calendar_year       ``2019``              1 Jan 2019 to 31 Dec 2019
financial_year      ``2008/09``           1 Apr 2008 to 31 Mar 2009
academic_year       ``AY 2016/17``        1 Sep 2016 to 31 Aug 2017
financial_quarter   ``2009/10 Q2``        1 Jul 2009 to 30 Sep 2009
calendar_quarter    ``2009 Q3``           1 Jul 2009 to 30 Sep 2009
month               ``2019-04``           April 2019
day                 ``2008-04-16``        that day (e.g. a snapshot date)
mid_year            ``mid-2019``          the point 30 June 2019 (ONS mid-year estimates)
calendar_years      ``2015-2017``         whole calendar years (rolling 3-year etc.)
financial_years     ``2014/15-2016/17``   whole financial years
duration            ``2015-11-16/P1Y``    anything else: ISO 8601 start and duration
=================== ===================== ==========================================

The accepted written forms are the table ``FORMS`` in ``_period_forms.py``, documented
in ``docs/periods.md``. The ``YYYY-NN`` form is ambiguous: with k = (NN - YYYY mod 100)
mod 100 it can be a month when 1 <= NN <= 12, and a range of years when 1 <= k <= 9 (k = 1
the financial year YYYY/NN, as Oflog writes ``2016-17``; k >= 2 the k + 1 calendar years
YYYY to YYYY + k, as Fingertips writes ``2001-03``). When both readings are possible the
caller's ``prefer`` decides, and without one the month wins (ISO 8601). ``parse_periods``
infers ``prefer`` from the rest of the column.

Steps (``shift``, ``previous_period``): a quarter steps 3 months, a month 1, a year 12,
a span of years its own length. Days, mid-year points and other durations have no
regular step. The same period a year earlier is 12 months back for every kind.

Pure: the standard library and Polars only; no Django, no I/O, no clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from joinedup.core._period_forms import (
    ACCEPTED,
    FORMS,
    KINDS,
    ONE_DAY,
    PeriodError,
    PeriodForm,
    add_months,
    classify,
    fits,
    forms_markdown,
    iso_duration,
    period_error,
    read,
    split_duration,
    year_and_two_digits,
)

__all__ = [
    "FORMS", "KINDS", "KIND_DTYPE", "PREFERENCES", "Period", "PeriodError", "PeriodForm",
    "column_preference", "financial_quarter", "forms_markdown", "label_intervals",
    "next_period", "order_periods", "parse_period", "parse_periods", "previous_period",
    "sort_key", "year_earlier",
]

KIND_DTYPE = pl.Enum(list(KINDS))
PREFERENCES = (None, "month", "year_range")
_YEARLY = ("calendar_year", "financial_year", "academic_year")
_QUARTERS = ("financial_quarter", "calendar_quarter")
_SPANS = ("calendar_years", "financial_years")
_MONTH = calendar.month_name


def _fy(y: int) -> str:
    return f"{y:04d}/{(y + 1) % 100:02d}"


def _months_words(start: date, last: date) -> str:
    """``July to September 2009`` or ``April 2016 to March 2017``."""
    if start.year == last.year:
        return f"{_MONTH[start.month]} to {_MONTH[last.month]} {last.year}"
    return f"{_MONTH[start.month]} {start.year} to {_MONTH[last.month]} {last.year}"


def _day_words(day: date) -> str:
    return f"{day.day} {_MONTH[day.month]} {day.year}"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


@dataclass(frozen=True, eq=False)
class Period:
    """The interval ``[start, end)`` of a given kind; see the module docstring."""

    start: date
    end: date
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PeriodError(f"{self.kind!r} is not a kind of period; kinds are {KINDS}")
        if not self.start < self.end or not fits(self.kind, self.start, self.end):
            raise PeriodError(f"{self.start} to {self.end} (end excluded) is not a "
                              f"{self.kind.replace('_', ' ')}")

    # Equality and order by the interval alone: 2009/10 Q2 == 2009 Q3.
    def _key(self) -> tuple[date, date]:
        return self.start, self.end

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Period) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: Period) -> bool:
        return self._key() < other._key() if isinstance(other, Period) else NotImplemented

    def __le__(self, other: Period) -> bool:
        return self._key() <= other._key() if isinstance(other, Period) else NotImplemented

    def __gt__(self, other: Period) -> bool:
        return self._key() > other._key() if isinstance(other, Period) else NotImplemented

    def __ge__(self, other: Period) -> bool:
        return self._key() >= other._key() if isinstance(other, Period) else NotImplemented

    def __str__(self) -> str:
        return self.label

    @property
    def last_day(self) -> date:
        """The last day inside the period (``end`` is the day after it)."""
        return self.end - ONE_DAY

    @property
    def months(self) -> int | None:
        """Length in whole months (3 for a quarter, 36 for 2015-2017); None if not whole."""
        months, days = split_duration(self.start, self.end)
        return months if months and not days else None

    @property
    def step_months(self) -> int | None:
        """Months from one period of this kind to the next; None when there is no step."""
        if self.kind in _QUARTERS:
            return 3
        if self.kind in _YEARLY or self.kind in _SPANS or self.kind == "month":
            return self.months
        return None

    @property
    def label(self) -> str:
        """The short canonical label, e.g. ``2016/17``, ``2009 Q3``, ``2015-11-16/P1Y``."""
        s, y, kind = self.start, self.start.year, self.kind
        if kind == "calendar_year":
            return f"{y:04d}"
        if kind == "financial_year":
            return _fy(y)
        if kind == "academic_year":
            return "AY " + _fy(y)
        if kind == "financial_quarter":
            return f"{_fy(y if s.month >= 4 else y - 1)} Q{(s.month + 8) % 12 // 3 + 1}"
        if kind == "calendar_quarter":
            return f"{y:04d} Q{(s.month - 1) // 3 + 1}"
        if kind == "month":
            return f"{y:04d}-{s.month:02d}"
        if kind == "day":
            return s.isoformat()
        if kind == "mid_year":
            return f"mid-{y:04d}"
        if kind == "calendar_years":
            return f"{y:04d}-{self.end.year - 1:04d}"
        if kind == "financial_years":
            return f"{_fy(y)}-{_fy(self.end.year - 1)}"
        return f"{s.isoformat()}/{iso_duration(*split_duration(s, self.end))}"

    def describe(self) -> str:
        """Plain words for a page: ``financial year 2016/17 (April 2016 to March 2017)``."""
        s, last, kind, label = self.start, self.last_day, self.kind, self.label
        months = _months_words(s, last)
        if kind == "calendar_year":
            return f"calendar year {label} ({months})"
        if kind == "financial_year":
            return f"financial year {label} ({months})"
        if kind == "academic_year":
            return f"academic year {label[3:]} ({months})"
        if kind in _QUARTERS:
            year, quarter = label.split(" ")
            of = "financial year " if kind == "financial_quarter" else ""
            return f"quarter {quarter[1]} of {of}{year} ({months})"
        if kind == "month":
            return f"{_MONTH[s.month]} {s.year}"
        if kind == "day":
            return _day_words(s)
        if kind == "mid_year":
            return f"mid-year {s.year} (30 June {s.year}, as in mid-year estimates)"
        if kind in _SPANS:
            first, final = label.split("-", 1) if kind == "financial_years" else (
                str(s.year), str(last.year))
            words = "calendar" if kind == "calendar_years" else "financial"
            return f"{(self.months or 0) // 12} {words} years {first} to {final} ({months})"
        m, d = split_duration(s, self.end)
        w = d // 7 if not m and d % 7 == 0 else 0  # as the label: P2W, not P14D
        parts = [_plural(n, unit) for n, unit in ((m // 12, "year"), (m % 12, "month"),
                                                  (w, "week"), (0 if w else d, "day")) if n]
        return (f"{' '.join(parts)} from {_day_words(s)} "
                f"({_day_words(s)} to {_day_words(last)})")

    def shift(self, n: int) -> Period:
        """The period of the same kind ``n`` steps later (``n`` < 0: earlier)."""
        step = self.step_months
        if step is None:
            raise PeriodError(f"{self.label} is a {self.kind.replace('_', ' ')}, which has "
                              "no regular step to a next or previous period")
        return Period(add_months(self.start, n * step), add_months(self.end, n * step),
                      self.kind)

    def previous(self) -> Period | None:
        """The period one step before, or None for a day, mid-year point or duration."""
        return None if self.step_months is None else self.shift(-1)

    def year_earlier(self) -> Period:
        """The same period twelve months before (a span of years moves by 12 months).

        A day stays one day long (28 February 2017 -> 28 February 2016). A duration moves
        both ends and is then named by what it has become, so its label stays canonical.
        """
        start = add_months(self.start, -12)
        if self.kind == "day":
            return Period(start, start + ONE_DAY, "day")
        end = add_months(self.end, -12)
        return Period(start, end, classify(start, end) if self.kind == "duration" else self.kind)


def financial_quarter(day: date) -> Period:
    """The financial quarter ``day`` falls in (April to June is Q1), such as ``2026/27 Q3``."""
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(start, add_months(start, 3), "financial_quarter")


def _check(prefer: str | None, errors: str = "raise") -> None:
    if prefer not in PREFERENCES:
        raise PeriodError(f"prefer must be one of {PREFERENCES}, not {prefer!r}")
    if errors not in ("raise", "null"):
        raise PeriodError(f"errors must be 'raise' or 'null', not {errors!r}")


def parse_period(text: str, prefer: str | None = None) -> Period:
    """Read one period label (whitespace and letter case do not matter).

    ``prefer`` ("month" or "year_range") settles only an ambiguous ``YYYY-NN`` such as
    ``2010-12``; with None a month is chosen, as ISO 8601 reads it. Raises PeriodError,
    naming the text and listing accepted forms, when the text is not a period.
    """
    _check(prefer)
    if isinstance(text, Period):
        return text
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise period_error(text, "a period label must be text, such as 2019/20")
    return Period(*read(text, prefer))


def sort_key(text: str, prefer: str | None = None) -> tuple[date, date]:
    """``(start, end)`` of a label, for ``sorted(labels, key=sort_key)``."""
    period = parse_period(text, prefer)
    return period.start, period.end


def column_preference(labels: Iterable[str]) -> str | None:
    """How to read the ambiguous ``YYYY-NN`` labels, judged from the rest of a column.

    "year_range" if some ``YYYY-NN`` label can only be a range of years and none can only
    be a month; "month" in the opposite case; otherwise None (the scalar default).
    """
    only_month = only_range = False
    for text in labels:
        readings = year_and_two_digits(text) if isinstance(text, str) else None
        if readings is not None:
            month, years = readings
            only_month |= month and not years
            only_range |= years and not month
    if only_range and not only_month:
        return "year_range"
    return "month" if only_month and not only_range else None


_FRAME_SCHEMA = {"period": pl.String, "start": pl.Date, "end": pl.Date, "kind": KIND_DTYPE,
                 "label": pl.String}


def parse_periods(labels: pl.Series | Iterable[str | None], prefer: str | None = None,
                  errors: str = "raise") -> pl.DataFrame:
    """Read a column of period labels into ``period, start, end, kind, label``.

    Each distinct label is read once and joined back, so the result has the input's
    length and order; a null label gives a null row. With ``prefer`` None, ambiguous
    ``YYYY-NN`` labels are read as ``column_preference`` judges from the whole column.
    ``errors="raise"`` raises one PeriodError naming up to 5 bad labels by row (row 1 is
    the first value; a CSV file's header adds one); ``errors="null"`` leaves them null.
    """
    _check(prefer, errors)
    if not isinstance(labels, pl.Series):
        labels = pl.Series("period", list(labels), dtype=pl.String)
    text = labels.cast(pl.String)
    distinct = text.drop_nulls().unique(maintain_order=True).to_list()
    chosen = prefer if prefer is not None else column_preference(distinct)
    rows, reasons = [], {}
    for label in distinct:
        try:
            period = parse_period(label, chosen)
        except PeriodError as exc:
            reasons[label] = exc.reason
            continue
        rows.append((label, period.start, period.end, period.kind, period.label))
    lookup = pl.DataFrame(rows, schema=_FRAME_SCHEMA, orient="row")
    frame = pl.DataFrame({"period": text}).join(lookup, on="period", how="left",
                                                maintain_order="left")
    if reasons and errors == "raise":
        bad = (frame.with_row_index("row", offset=1)
               .filter(pl.col("period").is_in(list(reasons))).select("row", "period"))
        listed = "; ".join(f"row {row}: {label!r} ({reasons[label]})"
                           for row, label in bad.head(5).iter_rows())
        more = f"; and {bad.height - 5} more" if bad.height > 5 else ""
        column = f" in column {labels.name!r}" if labels.name else ""
        raise PeriodError(f"{bad.height} period label(s){column} cannot be read: "
                          f"{listed}{more}. {ACCEPTED}.")
    return frame


# --- vectorised steps on the frame form -------------------------------------------------

def _months_expr(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    return (end.dt.year() - start.dt.year()) * 12 + end.dt.month() - start.dt.month()


def _classify_expr(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """``classify`` for columns."""
    months, month = _months_expr(start, end), start.dt.month()
    whole = (start.dt.day() == 1) & (end.dt.day() == 1)
    yearly = whole & (months == 12)
    spans = whole & (months % 12 == 0) & (months >= 24)
    return (pl.when((end - start).dt.total_days() == 1).then(pl.lit("day"))
            .when(whole & (months == 1)).then(pl.lit("month"))
            .when(whole & (months == 3) & month.is_in([1, 4, 7, 10]))
            .then(pl.lit("calendar_quarter"))
            .when(yearly & (month == 1)).then(pl.lit("calendar_year"))
            .when(yearly & (month == 4)).then(pl.lit("financial_year"))
            .when(yearly & (month == 9)).then(pl.lit("academic_year"))
            .when(spans & (month == 1)).then(pl.lit("calendar_years"))
            .when(spans & (month == 4)).then(pl.lit("financial_years"))
            .otherwise(pl.lit("duration")))


def _iso_duration_expr(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """``iso_duration(*split_duration(start, end))`` for columns."""
    guess = _months_expr(start, end)
    months = guess - (start.dt.offset_by(pl.format("{}mo", guess)) > end).cast(pl.Int32)
    days = (end - start.dt.offset_by(pl.format("{}mo", months))).dt.total_days()
    years, rest = months // 12, months % 12
    return pl.concat_str([
        pl.lit("P"),
        pl.when(years > 0).then(pl.format("{}Y", years)).otherwise(pl.lit("")),
        pl.when(rest > 0).then(pl.format("{}M", rest)).otherwise(pl.lit("")),
        pl.when((months == 0) & (days % 7 == 0)).then(pl.format("{}W", days // 7))
        .when(days > 0).then(pl.format("{}D", days)).otherwise(pl.lit("")),
    ])


def _label_expr(start: pl.Expr, end: pl.Expr, kind: pl.Expr) -> pl.Expr:
    """``Period.label`` for columns."""
    def yyyy(year: pl.Expr) -> pl.Expr:
        return year.cast(pl.String).str.zfill(4)

    def fy(year: pl.Expr) -> pl.Expr:
        return pl.concat_str([yyyy(year), pl.lit("/"),
                              ((year + 1) % 100).cast(pl.String).str.zfill(2)])

    year, month, last_year = start.dt.year(), start.dt.month(), end.dt.year() - 1
    quarter_fy = pl.when(month >= 4).then(year).otherwise(year - 1)
    return (
        pl.when(kind == "calendar_year").then(yyyy(year))
        .when(kind == "financial_year").then(fy(year))
        .when(kind == "academic_year").then(pl.concat_str([pl.lit("AY "), fy(year)]))
        .when(kind == "financial_quarter").then(pl.concat_str(
            [fy(quarter_fy), pl.lit(" Q"), ((month + 8) % 12 // 3 + 1).cast(pl.String)]))
        .when(kind == "calendar_quarter").then(pl.concat_str(
            [yyyy(year), pl.lit(" Q"), ((month - 1) // 3 + 1).cast(pl.String)]))
        .when(kind == "month").then(start.dt.strftime("%Y-%m"))
        .when(kind == "day").then(start.dt.strftime("%Y-%m-%d"))
        .when(kind == "mid_year").then(pl.concat_str([pl.lit("mid-"), yyyy(year)]))
        .when(kind == "calendar_years").then(
            pl.concat_str([yyyy(year), pl.lit("-"), yyyy(last_year)]))
        .when(kind == "financial_years").then(
            pl.concat_str([fy(year), pl.lit("-"), fy(last_year)]))
        .when(kind == "duration").then(pl.concat_str(
            [start.dt.strftime("%Y-%m-%d"), pl.lit("/"), _iso_duration_expr(start, end)]))
    )


def _with_label(frame: pl.DataFrame) -> pl.DataFrame:
    start, end, kind = pl.col("start"), pl.col("end"), pl.col("kind")
    return frame.with_columns(label=_label_expr(start, end, kind)).with_columns(
        kind=kind.cast(KIND_DTYPE))


def previous_period(frame: pl.DataFrame) -> pl.DataFrame:
    """``start, end, kind, label`` of the period one step before each row's period.

    ``frame`` has ``start``, ``end`` and ``kind`` (as from ``parse_periods``). A quarter
    steps back 3 months, a month 1, a year 12, a span of years its own length; a day, a
    mid-year point and a duration have no previous period (null).
    """
    kind = pl.col("kind").cast(pl.String)
    step = (pl.when(kind.is_in(list(_QUARTERS))).then(3)
            .when(kind == "month").then(1)
            .when(kind.is_in(list(_YEARLY))).then(12)
            .when(kind.is_in(list(_SPANS))).then(_months_expr(pl.col("start"), pl.col("end"))))
    back = pl.format("-{}mo", step)
    return _with_label(frame.select(
        start=pl.col("start").dt.offset_by(back), end=pl.col("end").dt.offset_by(back),
        kind=pl.when(step.is_not_null()).then(kind)))


def label_intervals(frame: pl.DataFrame) -> pl.DataFrame:
    """``start, end, kind, label`` for intervals given only as ``start`` and ``end`` dates.

    Each interval takes the named kind it matches exactly (as ISO 8601 input does), else
    ``duration``.
    """
    start, end = pl.col("start"), pl.col("end")
    return _with_label(frame.select(start=start, end=end, kind=_classify_expr(start, end)))


def next_period(frame: pl.DataFrame) -> pl.DataFrame:
    """``start, end, kind, label`` of the period one step after each row's period.

    The mirror of ``previous_period``; null where the kind has no regular step.
    """
    kind = pl.col("kind").cast(pl.String)
    step = (pl.when(kind.is_in(list(_QUARTERS))).then(3)
            .when(kind == "month").then(1)
            .when(kind.is_in(list(_YEARLY))).then(12)
            .when(kind.is_in(list(_SPANS))).then(_months_expr(pl.col("start"), pl.col("end"))))
    forward = pl.format("{}mo", step)
    return _with_label(frame.select(
        start=pl.col("start").dt.offset_by(forward), end=pl.col("end").dt.offset_by(forward),
        kind=pl.when(step.is_not_null()).then(kind)))


def year_earlier(frame: pl.DataFrame) -> pl.DataFrame:
    """``start, end, kind, label`` of each row's period twelve months earlier.

    Every kind moves back 12 months (a span of years too). A day stays one day long; a
    duration is renamed by what it becomes (see ``Period.year_earlier``).
    """
    kind = pl.col("kind").cast(pl.String)
    start = pl.col("start").dt.offset_by("-12mo")
    moved = frame.select(
        start=start,
        end=pl.when(kind == "day").then(start + pl.duration(days=1))
        .otherwise(pl.col("end").dt.offset_by("-12mo")),
        kind=kind)
    renamed = pl.when(pl.col("kind") == "duration").then(
        _classify_expr(pl.col("start"), pl.col("end"))).otherwise(pl.col("kind"))
    return _with_label(moved.with_columns(kind=renamed))


def order_periods(labels: Iterable[str], prefer: str | None = None) -> list[str]:
    """The labels as given, sorted by ``(start, end)``, read together as one column."""
    labels = list(labels)
    frame = parse_periods(labels, prefer)
    order = frame.with_row_index("i").sort("start", "end", "i", nulls_last=True)["i"]
    return [labels[i] for i in order]

