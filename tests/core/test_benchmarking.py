"""Benchmarking against neighbours and England, each against a slow per-point or
per-group reference."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import binom, poisson

from joinedup.core.benchmarking import (
    LIMITS,
    count_limits,
    funnel_plot,
    funnel_points,
    neighbours_trend,
    rank_and_quartile,
    trend_slopes,
)

# --- Funnel limits ------------------------------------------------------------------------


def slow_limit(distribution, probability: float, *shape: float) -> float:
    """Spiegelhalter's interpolated limit for one point, the quantile found by walking the
    cdf from scipy's ppf to the smallest r with F(r) ≥ P."""
    r = float(distribution.ppf(probability, *shape))
    while r > 0 and distribution.cdf(r - 1, *shape) >= probability:
        r -= 1
    while distribution.cdf(r, *shape) < probability:
        r += 1
    at, before = distribution.cdf(r, *shape), distribution.cdf(r - 1, *shape)
    alpha = (at - probability) / (at - before)
    return max(r - alpha, 0.0)


DENOMINATORS = [1, 2, 5, 20, 100, 1_000, 37_511, 1_000_000]
PROPORTIONS = [0.0005, 0.01, 0.1, 0.3, 0.5, 0.77, 0.99, 0.9995]
EXPECTED = [0.001, 0.05, 0.5, 1.0, 3.7, 20.0, 250.0, 10_000.0, 1_000_000.0]


def test_binomial_limits_match_the_exact_quantiles_point_by_point():
    n, p = (a.ravel() for a in np.meshgrid(DENOMINATORS, PROPORTIONS))
    limits = count_limits("proportion", n, p)
    for name, probability in LIMITS.items():
        expected = np.array([slow_limit(binom, probability, ni, pi) for ni, pi in zip(n, p)])
        # As proportions (÷ n) and as counts, the tolerance is 1e-9.
        np.testing.assert_allclose(limits[name] / n, expected / n, rtol=0, atol=1e-9)
        np.testing.assert_allclose(limits[name], expected, rtol=0, atol=1e-9)


def test_poisson_limits_match_the_exact_quantiles_point_by_point():
    # The rate is expected / denominator; the denominator is the population.
    population = np.array([1.0, 7.0, 1_000.0, 250_000.0])
    e, pop = (a.ravel() for a in np.meshgrid(EXPECTED, population))
    limits = count_limits("rate", pop, e / pop)
    for name, probability in LIMITS.items():
        expected = np.array([slow_limit(poisson, probability, ei) for ei in pop * (e / pop)])
        np.testing.assert_allclose(limits[name], expected, rtol=0, atol=1e-9)
        np.testing.assert_allclose(limits[name] / pop, expected / pop, rtol=0, atol=1e-9)


def test_a_single_trial_at_one_half_by_hand():
    # Bin(1, ½): F(0) = ½, F(1) = 1. Upper 95%: r = 1, α = (1 − 0.975) / ½ = 0.05, so
    # 0.95; upper 99.8%: α = 0.001 / ½ = 0.002, so 0.998. Lower: r = 0, below 0, so 0.
    limits = count_limits("proportion", np.array([1.0]), np.array([0.5]))
    assert limits["upper_95"][0] == pytest.approx(0.95, abs=1e-15)
    assert limits["upper_99_8"][0] == pytest.approx(0.998, abs=1e-15)
    assert limits["lower_95"][0] == 0.0
    assert limits["lower_99_8"][0] == 0.0


def test_poisson_with_one_expected_by_hand():
    # Poisson(1): F(r) = e⁻¹ Σ 1/k! for k ≤ r. F(2) = 2.5e⁻¹ < 0.975 ≤ F(3) = (8/3)e⁻¹.
    f2, f3 = 2.5 * math.exp(-1), 8 / 3 * math.exp(-1)
    upper = 3 - (f3 - 0.975) / (f3 - f2)
    # F(0) = e⁻¹ ≥ 0.025, so the lower 95% quantile is 0, interpolated below 0: 0.
    limits = count_limits("rate", np.array([1.0]), np.array([1.0]))
    assert limits["upper_95"][0] == pytest.approx(upper, abs=1e-12)
    assert limits["lower_95"][0] == 0.0


def test_the_interpolated_cdf_crosses_the_probability_at_the_limit():
    n = np.array([20.0, 20.0, 500.0, 500.0])
    p = np.array([0.3, 0.6, 0.02, 0.5])
    limits = count_limits("proportion", n, p)
    for name, probability in LIMITS.items():
        limit = limits[name]
        r = np.ceil(limit)
        below, at = binom.cdf(r - 1, n, p), binom.cdf(r, n, p)
        np.testing.assert_allclose(below + (limit - (r - 1)) * (at - below), probability,
                                   rtol=0, atol=1e-12)


def slow_band(measure: str, numerator: float, denominator: float, ratio: float) -> str:
    distribution, shape = ((binom, (denominator, ratio)) if measure == "proportion"
                           else (poisson, (ratio * denominator,)))
    lim = {name: slow_limit(distribution, p, *shape) for name, p in LIMITS.items()}
    if numerator > lim["upper_99_8"]:
        return "high_99_8"
    if numerator > lim["upper_95"]:
        return "high_95"
    if numerator < lim["lower_99_8"]:
        return "low_99_8"
    if numerator < lim["lower_95"]:
        return "low_95"
    return "within_95"


@st.composite
def funnel_cases(draw):
    size = draw(st.integers(1, 12))
    measure = draw(st.lists(st.sampled_from(["proportion", "rate"]), min_size=size,
                            max_size=size))
    denominator = draw(st.lists(st.sampled_from([1, 3, 5, 20, 64, 1_000, 1_000_000]),
                                min_size=size, max_size=size))
    ratio = draw(st.lists(st.floats(0.001, 0.999), min_size=size, max_size=size))
    share = draw(st.lists(st.floats(0, 1), min_size=size, max_size=size))
    numerator = [float(round(s * d * (1 if m == "proportion" else 2 * r)))
                 for s, d, m, r in zip(share, denominator, measure, ratio)]
    multiplier = draw(st.sampled_from([1.0, 100.0, 100_000.0]))
    return pl.DataFrame({"measure": measure, "numerator": numerator,
                         "denominator": denominator, "benchmark": [r * multiplier
                                                                   for r in ratio],
                         "multiplier": multiplier})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(funnel_cases())
def test_bands_and_limits_match_the_slow_reference(points):
    out = funnel_points(points)
    for row in out.iter_rows(named=True):
        ratio = row["benchmark"] / row["multiplier"]
        assert row["band"] == slow_band(row["measure"], row["numerator"], row["denominator"],
                                        ratio)
        distribution, shape = ((binom, (row["denominator"], ratio))
                               if row["measure"] == "proportion"
                               else (poisson, (ratio * row["denominator"],)))
        for name, p in LIMITS.items():
            expected = (slow_limit(distribution, p, *shape) / row["denominator"]
                        * row["multiplier"])
            assert row[name] == pytest.approx(expected, rel=0, abs=1e-9 * row["multiplier"])
        assert row["funnel_value"] == pytest.approx(
            row["numerator"] / row["denominator"] * row["multiplier"], rel=1e-15)
        assert row["reason"] is None


def test_the_method_is_named_and_points_without_limits_say_why():
    points = pl.DataFrame({
        "measure": ["proportion", "rate", "proportion", "proportion", "rate", "proportion"],
        "numerator": [3.0, 3.0, 6.0, 2.0, None, 2.0],
        "denominator": [10.0, 1_000.0, 5.0, 4.5, 100.0, 10.0],
        "benchmark": [20.0, 150.0, 20.0, 20.0, 150.0, 100.0],
        "multiplier": [100.0, 100_000.0, 100.0, 100.0, 100_000.0, 100.0],
    })
    out = funnel_points(points)
    assert out["method"].to_list() == [
        "exact binomial quantiles, interpolated as Spiegelhalter (2005)",
        "exact Poisson quantiles, interpolated as Spiegelhalter (2005)",
        None, None, None, None]
    assert out["reason"].to_list() == [
        None, None, "the numerator is above the denominator",
        "the denominator of a proportion is not a whole number",
        "no numerator, or one below 0",
        "the benchmark proportion is not strictly between 0 and 1"]
    assert out["band"].to_list() == ["within_95", "within_95", "none", "none", "none", "none"]
    assert out["upper_95"].null_count() == 4
    with pytest.raises(ValueError, match="measure must be one of proportion, rate"):
        funnel_points(points.with_columns(measure=pl.lit("ratio")))


# --- Frames of areas ----------------------------------------------------------------------

PERIODS = [date(2015 + i, 4, 1) for i in range(6)]


@st.composite
def partnerships(draw, counts: bool = False):
    """Areas with neighbours (k of them each) and values of two indicators, many tied,
    some missing."""
    n = draw(st.integers(2, 9))
    areas = [f"E{i:02d}" for i in range(n)]
    k = draw(st.integers(1, n - 1))
    neighbour_rows = []
    for area in areas:
        others = draw(st.permutations([a for a in areas if a != area]))[:k]
        neighbour_rows += [(area, other, rank, rank / 10)
                           for rank, other in enumerate(others, 1)]
    neighbours = pl.DataFrame(neighbour_rows, orient="row",
                              schema=["area", "neighbour", "rank", "distance"])
    rows = []
    for indicator in ("i1", "i2"):
        for area in areas:
            for period in PERIODS:
                if draw(st.integers(0, 4)) == 0:
                    continue
                value = float(draw(st.integers(0, 4)))
                numerator = float(draw(st.integers(0, 40))) if counts else None
                rows.append((indicator, area, period, value, numerator,
                             float(draw(st.integers(40, 60))) if counts else None))
    rows.append(("i1", "W99", PERIODS[0], 99.0, 1.0, 50.0))  # not an area of the kind
    values = pl.DataFrame(rows, orient="row", schema={
        "indicator": pl.String, "area": pl.String, "period_start": pl.Date,
        "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64})
    polarity = pl.DataFrame({"indicator": ["i1", "i2"],
                             "polarity": [draw(st.sampled_from(["up", "down", "none"])),
                                          draw(st.sampled_from(["up", "down", "none"]))]})
    return values, neighbours, polarity


def slow_ranks(values, neighbours, polarity):
    kind = set(neighbours["area"]) | set(neighbours["neighbour"])
    table = {}
    for ind, area, period, value, *_ in values.iter_rows():
        if area in kind:
            table.setdefault(ind, {}).setdefault(area, {})[period] = value
    direction = dict(polarity.iter_rows())
    rows = []
    for ind, by_area in table.items():
        pol = direction.get(ind, "none")
        better = (lambda a, b: a < b) if pol == "down" else (lambda a, b: a > b)
        for area, series in by_area.items():
            period = max(series)
            own = series[period]
            groups = {
                "neighbours": [area] + [b for a, b in neighbours.select("area", "neighbour")
                                        .iter_rows() if a == area],
                "england": sorted(kind),
            }
            for name, members in groups.items():
                group = [by_area[m][period] for m in members
                         if m in by_area and period in by_area[m]]
                rank = 1 + sum(better(x, own) for x in group)
                quartile = math.ceil(4 * rank / len(group)) if len(group) >= 4 else None
                rows.append((ind, area, period, own, pol,
                             "lowest first" if pol == "down" else "highest first",
                             name, rank, len(group), quartile))
    return pl.DataFrame(rows, orient="row", schema=[
        "indicator", "area", "period_start", "value", "polarity", "ranked", "comparison",
        "rank", "group_size", "quartile"]).sort("indicator", "area", "comparison")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partnerships())
def test_rank_and_quartile_match_the_slow_reference(case):
    values, neighbours, polarity = case
    got = rank_and_quartile(values, neighbours, polarity)
    expected = slow_ranks(values, neighbours, polarity)
    assert got.to_dicts() == expected.to_dicts()


def test_ranks_share_the_best_place_and_follow_polarity():
    neighbours = pl.DataFrame({"area": ["A"] * 4, "neighbour": ["B", "C", "D", "E"],
                               "rank": [1, 2, 3, 4], "distance": [.1, .2, .3, .4]})
    values = pl.DataFrame({"indicator": "x", "area": list("ABCDE"),
                           "period_start": PERIODS[0], "value": [5.0, 7.0, 7.0, 3.0, 5.0]})
    for pol, ranks in (("up", [3, 1, 1, 5, 3]), ("down", [2, 4, 4, 1, 2]),
                       ("none", [3, 1, 1, 5, 3])):
        out = rank_and_quartile(values, neighbours,
                                pl.DataFrame({"indicator": ["x"], "polarity": [pol]}))
        england = out.filter(pl.col("comparison") == "england").sort("area")
        assert england["rank"].to_list() == ranks
        # ⌈4 × rank / 5⌉
        assert england["quartile"].to_list() == [math.ceil(4 * r / 5) for r in ranks]
        assert set(out["ranked"]) == {"lowest first" if pol == "down" else "highest first"}
    # An indicator with no polarity listed is ranked as "none": highest first.
    unlisted = rank_and_quartile(values, neighbours, pl.DataFrame(
        schema={"indicator": pl.String, "polarity": pl.String}))
    england = unlisted.filter(pl.col("comparison") == "england").sort("area")
    assert england["rank"].to_list() == [3, 1, 1, 5, 3]
    assert set(unlisted["polarity"]) == {"none"}
    # A's neighbours group is all five; B's is B alone, too few for a quartile.
    own = unlisted.filter(pl.col("comparison") == "neighbours").sort("area")
    assert own["group_size"].to_list() == [5, 1, 1, 1, 1]
    assert own["quartile"].to_list() == [3, None, None, None, None]


# --- Neighbours' trend --------------------------------------------------------------------

def slow_trend(values, neighbours, periods, min_points):
    kind = set(neighbours["area"]) | set(neighbours["neighbour"])
    table = {}
    for ind, area, period, value, *_ in values.iter_rows():
        if area in kind:
            table.setdefault(ind, {}).setdefault(area, {})[period] = value
    listed = {}
    for area, other, *_ in neighbours.iter_rows():
        listed.setdefault(area, []).append(other)
    means, slopes = [], []
    for ind, by_area in table.items():
        window = sorted({p for s in by_area.values() for p in s})[-periods:]
        for area in sorted(listed):
            own = by_area.get(area, {})
            mean_by_period = {}
            for period in sorted({p for s in by_area.values() for p in s}):
                present = [by_area[o][period] for o in listed[area]
                           if o in by_area and period in by_area[o]]
                mean = (float(np.mean(present)) if present and 2 * len(present)
                        >= len(listed[area]) else None)
                if own.get(period) is not None or mean is not None:
                    mean_by_period[period] = mean
                    means.append((ind, area, period, own.get(period), mean, len(present),
                                  len(listed[area])))
            fitted = []
            for series in (own, mean_by_period):
                points = [((p - window[0]).days / 365.25, series[p]) for p in window
                          if series.get(p) is not None]
                fitted.append(float(np.polyfit(*zip(*points), 1)[0])
                              if len(points) >= min_points else None)
            if any(p in mean_by_period for p in window):
                slopes.append((ind, area, *fitted))
    return means, slopes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partnerships(), st.integers(2, 6), st.integers(2, 4))
def test_neighbours_trend_and_slopes_match_the_slow_reference(case, periods, min_points):
    values, neighbours, _ = case
    means, slopes = slow_trend(values, neighbours, periods, min_points)
    trend = neighbours_trend(values, neighbours)
    assert trend.rows() == sorted(means)
    got = trend_slopes(trend, periods=periods, min_points=min_points)
    if (periods, min_points) == (5, 3):  # the defaults
        assert trend_slopes(trend).equals(got)
    assert got.select("indicator", "area").rows() == [s[:2] for s in sorted(slopes)]
    for row, (_, _, own, around) in zip(got.iter_rows(named=True), sorted(slopes)):
        for name, expected in (("own_slope", own), ("neighbours_slope", around)):
            if expected is None:
                assert row[name] is None
            else:
                assert row[name] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        if own is None or around is None:
            assert row["slope_difference"] is None
        else:
            assert row["slope_difference"] == pytest.approx(own - around, rel=1e-9, abs=1e-9)


# --- Funnel plots of areas ----------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partnerships(counts=True))
def test_funnel_benchmarks_pool_england_and_the_neighbours(case):
    values, neighbours, _ = case
    measures = pl.DataFrame({"indicator": ["i1", "i2"], "measure": ["proportion", "rate"],
                             "multiplier": [100.0, 1_000.0]})
    out = funnel_plot(values, neighbours, measures)
    multiplier = dict(measures.select("indicator", "multiplier").iter_rows())
    kind = set(neighbours["area"]) | set(neighbours["neighbour"])
    cells = {}
    for ind, area, period, _, num, den in values.iter_rows():
        if area in kind:
            cells[(ind, area, period)] = (num, den)
    listed = {}
    for area, other, *_ in neighbours.iter_rows():
        listed.setdefault(area, []).append(other)
    assert out.height == 2 * len(cells)
    for row in out.iter_rows(named=True):
        ind, area, period = row["indicator"], row["area"], row["period_start"]
        if row["comparator"] == "england":
            group = [c for (i, _, p), c in cells.items() if i == ind and p == period]
        else:
            group = [cells[(ind, o, period)] for o in listed[area]
                     if (ind, o, period) in cells]
            if 2 * len(group) < len(listed[area]):
                assert row["benchmark"] is None and row["reason"] == "no benchmark"
                continue
        denominators = sum(d for _, d in group)
        expected = sum(n for n, _ in group) / denominators * multiplier[ind]
        assert row["benchmark"] == pytest.approx(expected, rel=1e-12)


def test_a_published_england_figure_replaces_the_pooled_one():
    neighbours = pl.DataFrame({"area": ["A", "B"], "neighbour": ["B", "A"], "rank": [1, 1],
                               "distance": [1.0, 1.0]})
    values = pl.DataFrame({"indicator": "x", "area": ["A", "B"], "period_start": PERIODS[0],
                           "value": [10.0, 30.0], "numerator": [10.0, 30.0],
                           "denominator": [100.0, 100.0]})
    measures = pl.DataFrame({"indicator": ["x"], "measure": ["proportion"],
                             "multiplier": [100.0]})
    pooled = funnel_plot(values, neighbours, measures).filter(
        pl.col("comparator") == "england")
    assert pooled["benchmark"].to_list() == [20.0, 20.0]
    published = funnel_plot(values, neighbours, measures, benchmarks=pl.DataFrame(
        {"indicator": ["x"], "period_start": [PERIODS[0]], "benchmark": [12.5]}))
    england = published.filter(pl.col("comparator") == "england")
    assert england["benchmark"].to_list() == [12.5, 12.5]
    # 30 of 100 against 12.5%: Bin(100, 0.125) puts 30 beyond the 99.8% upper limit.
    assert england["band"].to_list() == ["within_95", "high_99_8"]
    assert slow_band("proportion", 30, 100, 0.125) == "high_99_8"
