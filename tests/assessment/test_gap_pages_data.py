"""Tests for joinedup.assessment.gaps: the figures behind the gap pages.

Two indicators get twelve years of approved ward figures built on the demo's real
wards (their IMD-based ranks and populations): in one the gradient steepens year by
year, in the other it flattens. The adapter's figures must be exactly what the core
gives for the same frames, and the ranking must put the steepening one first.
"""

from __future__ import annotations

import polars as pl
import pytest

from joinedup.assessment.gaps import level_gaps, levels_with_values, widening_ranking
from joinedup.assessment.services import deprivation_frame
from joinedup.core.gaps import area_gaps, gap_spc, gap_spc_trends
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

YEARS = range(2010, 2022)
STEEPENING, FLATTENING = "HW 02", "SC 02"  # public, and restricted to police and council


def gradient(steepening: bool, year: int, rank: float, wobble: int) -> float:
    """A figure falling with deprivation rank, its slope changing over the years."""
    step = year - YEARS[0]
    slope = 0.02 + (0.004 * step if steepening else -0.0015 * step)
    return round(40 + slope * (200 - rank / 100) + (wobble % 5) * 0.3 + (step % 3) * 0.2, 3)


def build_ward_series() -> dict[str, dict]:
    ranks = dict(deprivation_frame().filter(pl.col("level") == "ward")
                 .select("area", "deprivation_rank").iter_rows())
    wards = list(Area.objects.filter(level="ward").order_by("code"))
    made = {}
    for code, steepening in ((STEEPENING, True), (FLATTENING, False)):
        indicator = Indicator.objects.get(code=code)
        DataValue.objects.bulk_create([
            _with_period(DataValue(indicator=indicator, area=ward, period=str(year),
                                   value=gradient(steepening, year, ranks[ward.code], i),
                                   state=DataValue.State.APPROVED))
            for year in YEARS for i, ward in enumerate(wards)])
        made[code] = indicator
    return made


def _with_period(value: DataValue) -> DataValue:
    value.set_period(value.period)
    return value


@pytest.fixture
def ward_series(db):
    return build_ward_series()


def core_figures(code: str):
    values = pl.DataFrame(
        list(DataValue.objects.filter(indicator__code=code, state="approved",
                                      area__level="ward")
             .values_list("indicator__code", "area__code", "period", "period_start", "value")),
        orient="row", schema={"indicator": pl.String, "area": pl.String, "period": pl.String,
                              "period_start": pl.Date, "value": pl.Float64})
    areas = deprivation_frame().filter(pl.col("level") == "ward")
    gaps = area_gaps(values, areas)
    return gaps, gap_spc_trends(gap_spc(gaps))


def test_the_adapter_gives_exactly_the_core_figures(ward_series):
    figures = level_gaps(ward_series[STEEPENING], "ward")
    gaps, trends = core_figures(STEEPENING)
    assert [row["period"] for row in figures.periods] == [str(y) for y in YEARS]
    for row, want in zip(figures.periods, gaps.sort("period_start").iter_rows(named=True),
                         strict=True):
        for name in ("areas", "deprived_areas", "quintile_gap", "sii", "sii_lower",
                     "sii_upper", "rii", "rii_lower", "rii_upper"):
            assert row[name] == want[name], name
    assert figures.latest["areas"] == 22 and figures.latest["weighting"] == "population"
    sii = trends.filter(pl.col("measure") == "sii").row(0, named=True)
    assert figures.trends["sii"]["narrowing"] == str(sii["narrowing"]) == "widening"
    assert figures.trends["sii"]["widening_per_year"] == sii["widening_per_year"]
    assert len(figures.points["sii"]) == 12


def test_a_flattening_gradient_is_narrowing(ward_series):
    figures = level_gaps(ward_series[FLATTENING], "ward")
    assert figures.trends["sii"]["narrowing"] == "narrowing"
    assert figures.trends["sii"]["widening_per_year"] < 0


def test_levels_with_values_follow_the_approved_figures(ward_series):
    assert levels_with_values(ward_series[STEEPENING]) == ["ward"]
    assert levels_with_values(Indicator.objects.get(code="NG 07")) == ["ward", "lsoa"]
    assert levels_with_values(Indicator.objects.get(code="HW 15")) == []


def test_the_ranking_is_by_speed_and_follows_what_the_reader_may_see(ward_series, person):
    everyone = widening_ranking(Indicator.objects.all())
    speeds = [row["widening_per_year"] for row in everyone]
    assert speeds == sorted(speeds, reverse=True)
    codes = [(row["indicator"].code, row["level"]) for row in everyone]
    # The demo's population by LSOA, mid-2015 to mid-2020, spreads out fastest (+14.7%
    # of its size a year), then the steepening series (+9.8%), the population by ward
    # (+7.2%), anti-social behaviour by LSOA over 17 months to February 2019 (−5.3%),
    # and last the flattening one (−14.2%).
    assert codes == [("NG 07", "lsoa"), (STEEPENING, "ward"), ("NG 07", "ward"),
                     ("SC 04", "lsoa"), (FLATTENING, "ward")]
    assert [round(speed, 3) for speed in speeds] == [0.147, 0.098, 0.072, -0.053, -0.142]
    _, trends = core_figures(STEEPENING)
    steepening = trends.filter(pl.col("measure") == "sii").row(0, named=True)
    assert everyone[1]["widening_per_year"] == steepening["widening_per_year"]
    assert everyone[1]["widening_percent"] == 100 * steepening["widening_per_year"]
    board = widening_ranking(Indicator.objects.visible_to(person("board")))
    assert [(row["indicator"].code, row["level"]) for row in board] == [
        c for c in codes if c[0] != FLATTENING]
