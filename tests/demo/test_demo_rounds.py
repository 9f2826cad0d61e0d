"""The demo's two collection rounds: last quarter's overdue, this quarter's open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.core.periods import Period, parse_period
from joinedup.demo.rounds import build_rounds, financial_quarter, round_slug
from joinedup.history.models import Change
from joinedup.places.models import Area
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.returns.rounds import round_progress
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db


GATESHEAD = "E08000037"
#: Where a series is looked for: Gateshead, then the wider areas that cover it.
HOME_AND_COVERING = (GATESHEAD, "E22000244", "E23000007")
#: Kinds of period a round asks for: years, quarters and spans of years.
ASKED_KINDS = {"calendar_year", "financial_year", "academic_year", "financial_quarter",
               "calendar_quarter", "calendar_years", "financial_years"}


def following(latest: Period, frequency: str) -> Period:
    """The next figure of a series: a rolling span moves on a year, anything else a step."""
    if frequency == "rolling" and latest.kind in ("calendar_years", "financial_years"):
        return Period(latest.start.replace(year=latest.start.year + 1),
                      latest.end.replace(year=latest.end.year + 1), latest.kind)
    return latest.shift(1)


def figures_due(today: dt.date) -> dict[str, set[tuple[str, str, str]]]:
    """(indicator, area, period) of each figure due, by round, worked out from the rules.

    A figure is due when it is the next of a series of years, quarters or spans, and its
    period ended before this quarter began. Last quarter's round asks for the series whose
    latest figure ended more than eight years before this quarter began; this quarter's
    round asks for the rest.
    """
    this_quarter = financial_quarter(today)
    behind = this_quarter.start.replace(year=this_quarter.start.year - 8)
    due = {"previous": set(), "current": set()}
    for indicator in Indicator.objects.all():
        for area in HOME_AND_COVERING:
            held = [parse_period(p) for p in DataValue.objects.filter(
                indicator=indicator, area__code=area).values_list("period", flat=True)]
            if held:
                break
        else:
            continue
        latest = max(held, key=lambda p: (p.start, p.end))
        if latest.kind not in ASKED_KINDS:
            continue
        wanted = following(latest, indicator.frequency)
        if wanted.end > this_quarter.start or wanted in held:
            continue
        which = "previous" if latest.end < behind else "current"
        due[which].add((indicator.code, area, wanted.label))
    return due


@pytest.fixture
def rounds():
    this_quarter = financial_quarter(timezone.localdate())
    return {
        "current": CollectionRound.objects.get(slug=round_slug(this_quarter)),
        "previous": CollectionRound.objects.get(slug=round_slug(this_quarter.shift(-1))),
    }


def test_quarters_are_financial_quarters():
    assert financial_quarter(dt.date(2026, 11, 22)).label == "2026/27 Q3"
    assert financial_quarter(dt.date(2027, 3, 31)).label == "2026/27 Q4"
    assert financial_quarter(dt.date(2027, 4, 1)).label == "2027/28 Q1"
    assert round_slug(parse_period("2026/27 Q3")) == "2026-27-q3"


def test_last_quarter_is_overdue_and_this_quarter_is_open(rounds):
    today = timezone.localdate()
    current, previous = rounds["current"], rounds["previous"]
    # dates set on the day the demo was built: this quarter's opened a week ago and is due
    # in a fortnight; last quarter's opened eight weeks ago and was due three weeks ago
    assert (current.opens, current.deadline) == (today - dt.timedelta(days=7),
                                                 today + dt.timedelta(days=14))
    assert (previous.opens, previous.deadline) == (today - dt.timedelta(days=56),
                                                   today - dt.timedelta(days=21))
    assert parse_period(previous.period) == parse_period(current.period).shift(-1)
    assert parse_period(current.period).start <= today < parse_period(current.period).end
    assert not CollectionRound.objects.exclude(pk__in=[current.pk, previous.pk]).exists()


def test_every_return_is_the_next_figure_of_a_series_and_invents_nothing(rounds):
    expected = ExpectedReturn.objects.filter(collection_round__in=rounds.values()).select_related(
        "indicator", "area")
    this_quarter = parse_period(rounds["current"].period)
    due = figures_due(timezone.localdate())
    assert expected.count() == len(due["previous"]) + len(due["current"])
    for item in expected:
        assert item.owner_id == item.indicator.owner_id
        series = DataValue.objects.filter(indicator=item.indicator, area=item.area)
        assert series.exists(), item
        # later than every figure held (a rolling span overlaps the last one, so compare
        # starts), and not a figure already held
        assert not series.filter(period_start__gte=item.period_start).exists(), item
        latest = parse_period(series.order_by("period_start", "period_end").last().period)
        wanted = following(latest, item.indicator.frequency)
        assert (item.period_start, item.period_end) == (wanted.start, wanted.end), item
        assert item.period_end <= this_quarter.start, item
        # Gateshead, unless the series is published only for a wider area
        if item.area.code != "E08000037":
            assert not DataValue.objects.filter(indicator=item.indicator,
                                                area__code="E08000037").exists()
    codes = list(expected.values_list("indicator__code", flat=True))
    assert len(codes) == len(set(codes)), "each figure is asked for in one round only"


def test_the_rounds_are_a_sensible_size_and_the_personas_owe_figures(demo_sources):
    """As built on a fixed day (the demo's own rounds move with the date they are built)."""
    indicators = {i.code: i for i in Indicator.objects.all()}
    areas = {a.code: a for a in Area.objects.defer("boundary")}
    counts = build_rounds(demo_sources.values, demo_sources.catalogue, indicators, areas,
                          dt.date(2024, 11, 22))
    assert counts == {"2024-25-q2": 2, "2024-25-q3": 29}
    current = CollectionRound.objects.get(slug="2024-25-q3").expected.all()
    nhs = current.filter(owner__slug="nhs-gateshead")
    assert nhs.filter(indicator__outcome__theme__slug="active-and-healthy-gateshead").count() == 8
    assert list(current.filter(owner__slug="northumbria-police")
                .values_list("indicator__code", "period")) == [("SC 03", "2020")]
    assert sorted(CollectionRound.objects.get(slug="2024-25-q2").expected.values_list(
        "indicator__code", "period")) == [("CY 06", "2015/16"), ("NG 06", "2015/16")]


def test_every_series_with_a_due_figure_is_asked_for(rounds):
    """Every figure due is asked for, in the round the rules give, and nothing else is."""
    asked = {which: set(collection_round.expected.values_list("indicator__code", "area__code",
                                                              "period"))
             for which, collection_round in rounds.items()}
    due = figures_due(timezone.localdate())
    # a Gateshead series that fell behind long ago is last quarter's; the homicides, held
    # only for the police force area, are this quarter's
    assert ("CY 06", GATESHEAD, "2015/16") in due["previous"]
    assert ("SC 02", "E23000007", "2023/24-2025/26") in due["current"]
    assert asked == due


def test_last_quarter_shows_every_return_overdue(rounds, person):
    rows = round_progress(rounds["previous"], person("officer"), timezone.localdate())
    owners = set(rounds["previous"].expected.values_list("owner__slug", flat=True))
    assert {row.organisation.slug for row in rows} == owners
    assert sum(row.expected for row in rows) == rounds["previous"].expected.count()
    for row in rows:
        assert row.overdue == row.expected == row.outstanding


def test_building_again_adds_and_moves_nothing(rounds, demo_sources):
    indicators = {i.code: i for i in Indicator.objects.all()}
    areas = {a.code: a for a in Area.objects.defer("boundary")}
    dates = {slug: (r.opens, r.deadline) for slug, r in
             ((r.slug, r) for r in CollectionRound.objects.all())}
    before = (ExpectedReturn.objects.count(), Change.objects.count())
    today = timezone.localdate()
    this_quarter = financial_quarter(today)
    # again today, and again on the last day of the quarter
    for day in (today, this_quarter.last_day):
        counts = build_rounds(demo_sources.values, demo_sources.catalogue, indicators, areas, day)
        assert sum(counts.values()) == before[0]
    assert (ExpectedReturn.objects.count(), Change.objects.count()) == before
    assert {r.slug: (r.opens, r.deadline) for r in CollectionRound.objects.all()} == dates
