"""The written forms of a period that JoinedUp reads, kept as one table of data.

Each row of ``FORMS`` names a form, gives its regular expression, the shape a person
types, an example, the kind it yields, and the function that turns a match into a
half-open interval ``[start, end)``. The parser in ``periods.py`` tries the rows in
order, and ``docs/periods.md`` shows the same rows (``forms_markdown()`` renders them),
so the documentation cannot drift from the parser.

Calendar arithmetic: adding months keeps the day of the month and clips it to the end
of a shorter month (31 January + 1 month = 28 or 29 February), as Polars'
``dt.offset_by("1mo")`` and ``dateutil.relativedelta`` do.

Pure: standard library only.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

KINDS: tuple[str, ...] = (
    "calendar_year", "financial_year", "academic_year", "financial_quarter",
    "calendar_quarter", "month", "day", "mid_year", "calendar_years", "financial_years",
    "duration",
)
Span = tuple[date, date, str]
ONE_DAY = timedelta(days=1)


class PeriodError(ValueError):
    """A period label that cannot be read; the message says why and shows good forms."""

    def __init__(self, message: str, text: object = None, reason: str | None = None):
        super().__init__(message)
        self.text = text
        self.reason = reason


class _Unreadable(Exception):
    """Raised by a form's builder with the reason, in words, that the text is wrong."""


# --- calendar arithmetic -------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clipped to the last day of a shorter month."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def split_duration(start: date, end: date) -> tuple[int, int]:
    """The most whole months m, then days d, with add_months(start, m) + d days == end."""
    months = months_between(start, end)
    if add_months(start, months) > end:
        months -= 1
    return months, (end - add_months(start, months)).days


def iso_duration(months: int, days: int) -> str:
    """ISO 8601 duration, normalised: ``P1Y6M``, ``P10D``; whole weeks alone as ``P2W``."""
    years, months = divmod(months, 12)
    text = "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")
    if days and not text[1:] and days % 7 == 0:
        return f"{text}{days // 7}W"
    return text + (f"{days}D" if days else "")


def classify(start: date, end: date) -> str:
    """The named kind that ``[start, end)`` is exactly, or ``duration``.

    A three-month quarter from 1 January, April, July or October is a calendar quarter
    (a financial quarter is the same interval, but only its own label says so).
    """
    if end - start == ONE_DAY:
        return "day"
    if start.day != 1 or end.day != 1:
        return "duration"
    months = months_between(start, end)
    if months == 1:
        return "month"
    if months == 3 and start.month in (1, 4, 7, 10):
        return "calendar_quarter"
    years = {1: "calendar_year", 4: "financial_year", 9: "academic_year"}
    spans = {1: "calendar_years", 4: "financial_years"}
    if months == 12 and start.month in years:
        return years[start.month]
    if months % 12 == 0 and months >= 24 and start.month in spans:
        return spans[start.month]
    return "duration"


def fits(kind: str, start: date, end: date) -> bool:
    """Whether ``[start, end)`` is a period of ``kind`` (so its label can name it)."""
    if kind == "mid_year":
        return (start.month, start.day) == (6, 30) and end - start == ONE_DAY
    if kind == "financial_quarter":
        kind = "calendar_quarter"
    return classify(start, end) == kind


# --- builders: a regex match (and the caller's preference) to an interval ------------

def _year(y: int) -> Span:
    return date(y, 1, 1), date(y + 1, 1, 1), "calendar_year"


def _years(first: int, last: int) -> Span:
    if last < first:
        raise _Unreadable(f"the last year {last} comes before the first year {first}")
    if last == first:
        return _year(first)
    return date(first, 1, 1), date(last + 1, 1, 1), "calendar_years"


def _fy_pair(first: str, second: str, what: str = "financial year") -> int:
    """The start year of ``2008/09`` or ``2008/2009``; the second year must follow."""
    y, y2 = int(first), int(second)
    if (len(second) == 4 and y2 == y + 1) or (len(second) == 2 and y2 == (y + 1) % 100):
        return y
    hint = f" (for a month, write {y}-{y2:02d} or {calendar.month_abbr[y2]} {y})" if (
        len(second) == 2 and 1 <= y2 <= 12) else ""
    raise _Unreadable(f"{first}/{second} is not one {what}: the second year must follow "
                      f"the first, as in {y}/{(y + 1) % 100:02d}{hint}")


def _after(first: int, two_digits: int) -> int:
    """The first year, moved forward to the next year ending in ``two_digits``."""
    return first + (two_digits - first % 100) % 100


def _year_range(y: int, nn: int) -> Span:
    """``YYYY-NN`` read as years: NN one year on is a financial year, 2 to 9 a span."""
    k = (nn - y % 100) % 100
    if k == 1:
        return date(y, 4, 1), date(y + 1, 4, 1), "financial_year"
    if 2 <= k <= 9:
        return _years(y, y + k)
    raise _Unreadable(f"as a range of years, {nn:02d} must be 1 to 9 years after {y} "
                      f"(e.g. {y}-{(y + 1) % 100:02d} for a financial year, "
                      f"{y}-{(y + 2) % 100:02d} for three calendar years)")


def _quarter(q: str) -> int:
    if q not in "1234":
        raise _Unreadable(f"Q{q} is not a quarter: quarters are numbered Q1 to Q4")
    return int(q)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Unreadable(f"{text} is not a date in the calendar") from None


def _with_kind(start: date, end: date) -> Span:
    if end <= start:
        raise _Unreadable("the end comes before the start")
    return start, end, classify(start, end)


def _b_year(m: re.Match, prefer: str | None) -> Span:
    return _year(int(m["y"]))


def _b_fy(m: re.Match, prefer: str | None) -> Span:
    y = _fy_pair(m["y"], m["y2"])
    return date(y, 4, 1), date(y + 1, 4, 1), "financial_year"


def _b_year_and_two_digits(m: re.Match, prefer: str | None) -> Span:
    y, nn = int(m["y"]), int(m["nn"])
    k = (nn - y % 100) % 100
    if 1 <= nn <= 12 and not (prefer == "year_range" and 1 <= k <= 9):
        return date(y, nn, 1), add_months(date(y, nn, 1), 1), "month"
    if 1 <= k <= 9:
        return _year_range(y, nn)
    raise _Unreadable(f"{nn:02d} is not a month (01 to 12), and as a range of years it "
                      f"would have to be 1 to 9 years after {y} (e.g. {y}-"
                      f"{(y + 1) % 100:02d} for the financial year {y}/{(y + 1) % 100:02d})")


def _b_spaced_range(m: re.Match, prefer: str | None) -> Span:
    return _year_range(int(m["y"]), int(m["nn"]))


def _b_years(m: re.Match, prefer: str | None) -> Span:
    return _years(int(m["y"]), int(m["y2"]))


def _b_fys(m: re.Match, prefer: str | None) -> Span:
    first = _fy_pair(m["y"], m["y2"])
    z = m["z"] if len(m["z"]) == 4 else f"{_after(first, int(m['z'])):04d}"
    last = _fy_pair(z, m["z2"])
    if last < first:
        raise _Unreadable("the last financial year comes before the first")
    kind = "financial_years" if last > first else "financial_year"
    return date(first, 4, 1), date(last + 1, 4, 1), kind


def _b_ay(m: re.Match, prefer: str | None) -> Span:
    y = _fy_pair(m["y"], m["y2"], "academic year")
    return date(y, 9, 1), date(y + 1, 9, 1), "academic_year"


def _b_fq(m: re.Match, prefer: str | None) -> Span:
    y, q = _fy_pair(m["y"], m["y2"]), _quarter(m["q"])
    start = add_months(date(y, 4, 1), 3 * (q - 1))
    return start, add_months(start, 3), "financial_quarter"


def _b_cq(m: re.Match, prefer: str | None) -> Span:
    start = date(int(m["y"]), 3 * _quarter(m["q"]) - 2, 1)
    return start, add_months(start, 3), "calendar_quarter"


def _b_month_name(m: re.Match, prefer: str | None) -> Span:
    start = date(int(m["y"]), MONTH_NUMBERS[m["mon"][:3].lower()], 1)
    return start, add_months(start, 1), "month"


def _b_day(m: re.Match, prefer: str | None) -> Span:
    day = _iso_date(m["d"])
    return day, day + ONE_DAY, "day"


def _b_mid(m: re.Match, prefer: str | None) -> Span:
    y = int(m["y"])
    return date(y, 6, 30), date(y, 7, 1), "mid_year"


def _b_iso_duration(m: re.Match, prefer: str | None) -> Span:
    start = _iso_date(m["d"])
    months = 12 * int(m["Y"] or 0) + int(m["M"] or 0)
    days = 7 * int(m["W"] or 0) + int(m["D"] or 0)
    if not months and not days:
        raise _Unreadable("the duration after P is empty or zero; write it like P1Y, P3M or P7D")
    return _with_kind(start, add_months(start, months) + timedelta(days=days))


def _b_iso_start_end(m: re.Match, prefer: str | None) -> Span:
    return _with_kind(_iso_date(m["d"]), _iso_date(m["e"]) + ONE_DAY)


MONTH_NUMBERS = {calendar.month_abbr[i].lower(): i for i in range(1, 13)}
_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_Y, _Y2, _YY = r"(?P<y>\d{4})", r"(?P<y2>\d{2}|\d{4})", r"(?P<nn>\d{2})"
_DATE = r"(?P<d>\d{4}-\d{2}-\d{2})"


@dataclass(frozen=True)
class PeriodForm:
    """One accepted way of writing a period. ``kind`` is in words for the documentation."""

    name: str
    shape: str
    pattern: re.Pattern[str]
    example: str
    kind: str
    build: Callable[[re.Match, str | None], Span]
    also: tuple[str, ...] = ()


def _form(name, shape, regex, example, kind, build, also=()) -> PeriodForm:
    return PeriodForm(name, shape, re.compile(regex, re.IGNORECASE | re.ASCII), example,
                      kind, build, also)


FORMS: tuple[PeriodForm, ...] = (
    _form("calendar year", "YYYY", _Y, "2019", "calendar_year", _b_year),
    _form("financial year", "YYYY/YY", rf"{_Y}\s*/\s*{_Y2}", "2008/09", "financial_year",
          _b_fy, ("2008/2009", "1999/00")),
    _form("year and two digits (see the rule)", "YYYY-NN", rf"{_Y}-{_YY}", "2019-04",
          "month, financial_year or calendar_years", _b_year_and_two_digits,
          ("2016-17", "2001-03", "2010-12")),
    _form("range of years, spaced", "YYYY - NN", rf"{_Y}(?:\s+-\s*|\s*-\s+|\s+to\s+){_YY}",
          "2015 - 17", "financial_year or calendar_years", _b_spaced_range, ("2016 - 17",)),
    _form("calendar years", "YYYY-YYYY", rf"{_Y}\s*(?:-|to)\s*(?P<y2>\d{{4}})", "2015-2017",
          "calendar_years", _b_years, ("2015 to 2017", "2015 - 2017")),
    _form("financial years", "YYYY/YY-YYYY/YY",
          rf"{_Y}\s*/\s*{_Y2}\s*(?:-|to)\s*(?P<z>\d{{2}}|\d{{4}})\s*/\s*(?P<z2>\d{{2}}|\d{{4}})",
          "2014/15-2016/17", "financial_years", _b_fys,
          ("2014/15 - 16/17", "2014/15 to 2016/17")),
    _form("academic year", "AY YYYY/YY", rf"AY\s*{_Y}\s*[/-]\s*{_Y2}", "AY 2016/17",
          "academic_year", _b_ay, ("AY2016/17", "AY 2016-17")),
    _form("academic year, AY after", "YYYY/YY AY", rf"{_Y}\s*[/-]\s*{_Y2}\s*AY",
          "2016/17 AY", "academic_year", _b_ay),
    _form("financial quarter", "YYYY/YY Qn", rf"{_Y}\s*[/-]\s*{_Y2}\s*Q\s*(?P<q>\d)",
          "2009/10 Q2", "financial_quarter", _b_fq, ("2009/10Q2", "2009-10 Q2")),
    _form("financial quarter, Q first", "Qn YYYY/YY",
          rf"Q\s*(?P<q>\d)\s*{_Y}\s*[/-]\s*{_Y2}", "Q2 2009/10", "financial_quarter", _b_fq),
    _form("calendar quarter", "YYYY Qn", rf"{_Y}\s*-?\s*Q\s*(?P<q>\d)", "2009 Q3",
          "calendar_quarter", _b_cq, ("2009Q3", "2009-Q3")),
    _form("calendar quarter, Q first", "Qn YYYY", rf"Q\s*(?P<q>\d)\s*{_Y}", "Q3 2009",
          "calendar_quarter", _b_cq),
    _form("month by name", "Mon YYYY", rf"{_MONTH}\.?,?\s*{_Y}", "Apr 2019", "month",
          _b_month_name, ("April 2019", "Sept 2019")),
    _form("date (a single day, e.g. a snapshot)", "YYYY-MM-DD", _DATE, "2008-04-16", "day",
          _b_day),
    _form("mid-year (ONS mid-year estimate, 30 June)", "mid-YYYY", rf"mid\s*-?\s*{_Y}",
          "mid-2019", "mid_year", _b_mid, ("mid 2019",)),
    _form("ISO 8601 start and duration", "YYYY-MM-DD/PnYnMnWnD",
          rf"{_DATE}\s*/\s*P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?",
          "2016-04-01/P1Y", "the named kind it matches exactly, otherwise duration",
          _b_iso_duration, ("2015-11-16/P1Y", "2011-01-01/P3Y", "2016-07-01/P3M",
                            "2016-01-31/P1M", "2016-04-01/P18M", "2019-01-07/P1W",
                            "2019-01-07/P7D")),
    _form("ISO 8601 start and end (end day included)", "YYYY-MM-DD/YYYY-MM-DD",
          rf"{_DATE}\s*(?:/|--|\s+to\s+)\s*(?P<e>\d{{4}}-\d{{2}}-\d{{2}})",
          "2016-09-01/2017-08-31", "the named kind it matches exactly, otherwise duration",
          _b_iso_start_end, ("2016-09-01 to 2017-08-31",)),
)

_STRICT_YEAR_AND_TWO_DIGITS = FORMS[2].pattern
_EXAMPLES = (("2019", "calendar year"), ("2008/09 or 2016-17", "financial year"),
             ("AY 2016/17", "academic year"), ("2009/10 Q2", "financial quarter"),
             ("2009 Q3", "calendar quarter"), ("2019-04 or Apr 2019", "month"),
             ("2008-04-16", "day"), ("mid-2019", "mid-year"),
             ("2015-2017", "calendar years"), ("2014/15-2016/17", "financial years"),
             ("2016-04-01/P1Y", "ISO start and duration"))
ACCEPTED = ("Accepted forms include " + ", ".join(f"{ex} ({what})" for ex, what in _EXAMPLES)
            + "; docs/periods.md lists them all")


def normalise(text: str) -> str:
    """Dashes that word processors type become ``-``; runs of spaces become one."""
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        text = text.replace(dash, "-")
    return " ".join(text.split())


def year_and_two_digits(text: str) -> tuple[bool, bool] | None:
    """For ``YYYY-NN`` text: (can be a month, can be a year range); else None."""
    m = _STRICT_YEAR_AND_TWO_DIGITS.fullmatch(normalise(text))
    if m is None:
        return None
    y, nn = int(m["y"]), int(m["nn"])
    return 1 <= nn <= 12, 1 <= (nn - y % 100) % 100 <= 9


def _hint(text: str) -> str:
    if not text:
        return "it is blank"
    if re.search(r"Q\s*[05-9]", text, re.IGNORECASE):
        return "quarters are numbered Q1 to Q4"
    if not re.search(r"\d{4}", text):
        return "a period is written with its year in four digits, such as 2019 or 2019/20"
    return "it is not written in any form JoinedUp reads"


def period_error(text: object, reason: str) -> PeriodError:
    return PeriodError(f"Cannot read {text!r} as a period: {reason}. {ACCEPTED}.",
                       text=text, reason=reason)


def read(text: str, prefer: str | None) -> Span:
    """The interval and kind of ``text``; raises PeriodError saying what is wrong."""
    clean = normalise(text)
    for form in FORMS:
        match = form.pattern.fullmatch(clean)
        if match is None:
            continue
        try:
            return form.build(match, prefer)
        except _Unreadable as exc:
            raise period_error(text, str(exc)) from None
        except (ValueError, OverflowError):
            raise period_error(text, "its dates fall outside the calendar") from None
    raise period_error(text, _hint(clean))


def forms_markdown() -> str:
    """The table of forms, as it appears in docs/periods.md."""
    lines = ["| Form | Written as | Example | Also accepted | Kind |", "|---|---|---|---|---|"]
    for f in FORMS:
        also = ", ".join(f"`{a}`" for a in f.also)
        lines.append(f"| {f.name} | `{f.shape}` | `{f.example}` | {also} | {f.kind} |")
    return "\n".join(lines) + "\n"
