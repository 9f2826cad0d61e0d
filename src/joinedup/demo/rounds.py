"""Two collection rounds for the demo: last quarter's, now overdue, and this quarter's, open.

Each expected return asks for the figure that would come next in a series the demo
already holds: the period after the latest published value for Gateshead (or, for a
series published only for a wider area covering Gateshead, such as homicides for the
Northumbria police force area, that area), provided that period ended before this quarter
began. The owner of the indicator owes it. No figure is invented, so every return starts
outstanding and last quarter's show as overdue.

Which round asks for which figure: a series whose latest figure is for a period that ended
more than ``BEHIND_YEARS`` years before this quarter began has fallen behind, so last
quarter's round already asked for it; this quarter's round asks for the rest.

Rounds are keyed on their slug and expected returns on their natural key, so building
again adds nothing. A round's dates are set when it is first made, relative to that day,
and are not moved by later builds.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from joinedup.core.periods import Period, financial_quarter, parse_period
from joinedup.returns.models import CollectionRound, ExpectedReturn

#: Series kinds the demo rounds ask for: years, quarters and spans of years.
COLLECTED_KINDS = {"calendar_year", "financial_year", "academic_year", "financial_quarter",
                   "calendar_quarter", "calendar_years", "financial_years"}
#: Wider areas that cover Gateshead, tried in this order when a series has no Gateshead value.
COVERING_AREAS = ("E22000244", "E23000007")
BEHIND_YEARS = 8
OPEN_DAYS = 14          # this quarter's deadline, days after the round is first made
OPENED_DAYS_AGO = 7
LAST_DEADLINE_DAYS_AGO = 21
LAST_OPENED_DAYS_AGO = 56

INSTRUCTIONS = (
    "Send the figures listed for your organisation by the deadline: key them in with "
    "'Enter figures', or download the template, fill it in and upload it. Submit each "
    "figure when it is final; the theme lead then approves it."
)


def next_in_series(latest: Period, frequency: str) -> Period | None:
    """The period after ``latest``: a rolling span moves on a year, anything else a step."""
    if latest.kind not in COLLECTED_KINDS:
        return None
    if frequency == "rolling" and latest.kind in ("calendar_years", "financial_years"):
        return Period(latest.start.replace(year=latest.start.year + 1),
                      latest.end.replace(year=latest.end.year + 1), latest.kind)
    return latest.shift(1)


def round_slug(period: Period) -> str:
    return period.label.lower().replace("/", "-").replace(" ", "-")


def wanted_returns(values: pl.DataFrame, catalogue: dict, over_by: dt.date) -> list[dict]:
    """The next figure of each series: indicator code, area code, period, latest end.

    Only periods that are over by ``over_by`` are asked for: nobody can send a figure for
    a year that has not ended.
    """
    home = catalogue["partnership"]["home_area"]
    frequency = {item["code"]: item["frequency"] for item in catalogue["indicator"]}
    wanted = []
    for code in sorted(frequency):
        series = values.filter(pl.col("indicator") == code)
        for area in (home, *COVERING_AREAS):
            here = series.filter(pl.col("area") == area).sort("period_start", "period_end")
            if here.height:
                break
        else:
            continue
        latest = parse_period(here["period"][-1])
        following = next_in_series(latest, frequency[code])
        if following is None or following.end > over_by:
            continue
        held = here.filter((pl.col("period_start") == following.start)
                           & (pl.col("period_end") == following.end))
        if held.height:
            continue
        wanted.append({"indicator": code, "area": area, "period": following,
                       "latest_end": latest.end})
    return wanted


def _round(period: Period, opens: dt.date, deadline: dt.date) -> CollectionRound:
    collection_round, _ = CollectionRound.objects.get_or_create(
        slug=round_slug(period),
        defaults={
            "name": f"{period.label} returns", "period": period.label,
            "period_start": period.start, "period_end": period.end,
            "opens": opens, "deadline": deadline, "instructions": INSTRUCTIONS,
        },
    )
    return collection_round


def build_rounds(values: pl.DataFrame, catalogue: dict, indicators: dict, areas: dict,
                 today: dt.date) -> dict[str, int]:
    """Make (or find) last quarter's and this quarter's rounds and their expected returns.

    ``indicators`` and ``areas`` map codes to the saved rows. Returns the number of
    expected returns in each round, by slug.
    """
    this_quarter = financial_quarter(today)
    last_quarter = this_quarter.shift(-1)
    current = _round(this_quarter, today - dt.timedelta(days=OPENED_DAYS_AGO),
                     today + dt.timedelta(days=OPEN_DAYS))
    previous = _round(last_quarter, today - dt.timedelta(days=LAST_OPENED_DAYS_AGO),
                      today - dt.timedelta(days=LAST_DEADLINE_DAYS_AGO))
    behind = this_quarter.start.replace(year=this_quarter.start.year - BEHIND_YEARS)
    existing = {
        (item.collection_round_id, item.indicator_id, item.area_id, item.period_start,
         item.period_end)
        for item in ExpectedReturn.objects.filter(collection_round__in=[current, previous])
    }
    for item in wanted_returns(values, catalogue, over_by=this_quarter.start):
        indicator, area, period = indicators[item["indicator"]], areas[item["area"]], item["period"]
        collection_round = previous if item["latest_end"] < behind else current
        key = (collection_round.pk, indicator.pk, area.pk, period.start, period.end)
        if key in existing:
            continue
        ExpectedReturn.objects.create(
            collection_round=collection_round, indicator=indicator, area=area,
            owner=indicator.owner, period=period.label, period_start=period.start,
            period_end=period.end,
        )
        existing.add(key)
    return {
        collection_round.slug: collection_round.expected.count()
        for collection_round in (previous, current)
    }
