"""The demo's two collection rounds: last quarter's overdue, this quarter's open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.core.periods import parse_period
from joinedup.demo.rounds import build_rounds, financial_quarter, round_slug
from joinedup.history.models import Change
from joinedup.places.models import Area
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.returns.rounds import round_progress
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db


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
    assert previous.deadline < today
    assert current.opens <= today < current.deadline <= today + dt.timedelta(days=14)
    assert parse_period(previous.period) == parse_period(current.period).shift(-1)
    assert parse_period(current.period).start <= today < parse_period(current.period).end
    assert not CollectionRound.objects.exclude(pk__in=[current.pk, previous.pk]).exists()


def test_every_return_is_the_next_figure_of_a_series_and_invents_nothing(rounds):
    expected = ExpectedReturn.objects.filter(collection_round__in=rounds.values()).select_related(
        "indicator", "area")
    this_quarter = parse_period(rounds["current"].period)
    for item in expected:
        assert item.owner_id == item.indicator.owner_id
        series = DataValue.objects.filter(indicator=item.indicator, area=item.area)
        assert series.exists(), item
        # later than every figure held (a rolling span overlaps the last one, so compare
        # starts), and not a figure already held
        assert not series.filter(period_start__gte=item.period_start).exists(), item
        latest = parse_period(series.order_by("period_start").last().period)
        assert 0 < (item.period_start - latest.start).days <= 366, item
        assert item.period_end <= this_quarter.start, item
        # Gateshead, unless the series is published only for a wider area
        if item.area.code != "E08000037":
            assert not DataValue.objects.filter(indicator=item.indicator,
                                                area__code="E08000037").exists()
    codes = list(expected.values_list("indicator__code", flat=True))
    assert len(codes) == len(set(codes)), "each figure is asked for in one round only"


def test_the_rounds_are_a_sensible_size_and_the_personas_owe_figures(rounds):
    current = rounds["current"].expected.all()
    total = ExpectedReturn.objects.filter(collection_round__in=rounds.values()).count()
    assert 30 <= total <= 60
    nhs = current.filter(owner__slug="nhs-gateshead")
    assert nhs.filter(indicator__outcome__theme__slug="active-and-healthy-gateshead").count() >= 2
    assert current.filter(owner__slug="northumbria-police").count() >= 2
    assert rounds["previous"].expected.exists()


def test_every_series_with_a_due_figure_is_asked_for(rounds):
    """An indicator with yearly Gateshead figures, whose next year is over, is in a round."""
    asked = set(ExpectedReturn.objects.filter(collection_round__in=rounds.values())
                .values_list("indicator__code", flat=True))
    this_quarter = parse_period(rounds["current"].period)
    for indicator in Indicator.objects.exclude(frequency="rolling"):
        values = DataValue.objects.filter(indicator=indicator, area__code="E08000037")
        latest = values.order_by("period_start").last()
        if latest is None:
            continue
        period = parse_period(latest.period)
        if period.kind not in ("calendar_year", "financial_year", "academic_year"):
            continue
        if period.shift(1).end <= this_quarter.start:
            assert indicator.code in asked, indicator.code


def test_last_quarter_shows_every_return_overdue(rounds, person):
    rows = round_progress(rounds["previous"], person("officer"), timezone.localdate())
    assert rows
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
