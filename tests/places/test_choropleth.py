"""Choropleth classes, shades and ward figures made from LSOAs, each against a slow,
obviously-correct computation."""

from __future__ import annotations

import itertools
import math
import random

import mapclassify
import numpy as np
import polars as pl
import pytest

from joinedup.core.choropleth import (
    BLUES,
    aggregation_for,
    class_colours,
    classify,
    lsoas_to_wards,
)


def slow_percentile(ordered: list[float], share: float) -> float:
    """The percentile with linear interpolation between the two nearest ranks."""
    position = (len(ordered) - 1) * share
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def slow_quantiles(values: list[float], k: int) -> tuple[list[float], list[int]]:
    ordered = sorted(values)
    breaks = sorted({slow_percentile(ordered, i / k) for i in range(1, k + 1)})
    return breaks, [next(i for i, b in enumerate(breaks) if v <= b + 1e-12) for v in values]


def slow_natural_breaks(values: list[float], k: int) -> list[float]:
    """Jenks's breaks by trying every way to cut the sorted figures into k runs."""
    ordered = sorted(values)
    best, best_cost = None, math.inf
    for cuts in itertools.combinations(range(1, len(ordered)), k - 1):
        runs = [ordered[a:b] for a, b in zip((0, *cuts), (*cuts, len(ordered)))]
        cost = sum(sum((v - sum(run) / len(run)) ** 2 for v in run) for run in runs)
        if cost < best_cost - 1e-12:
            best, best_cost = [run[-1] for run in runs], cost
    return best


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_quantile_classes_are_mapclassifys_and_the_slow_computations(seed, k):
    rng = random.Random(seed)
    values = [round(rng.uniform(0, 100), 1) for _ in range(rng.randint(20, 130))]
    classes = classify(values, "quantiles", k)
    theirs = mapclassify.Quantiles(np.array(values), k=k)
    assert list(classes.breaks) == pytest.approx(list(theirs.bins), rel=1e-12)
    # mapclassify's own classes, except where a figure is a break but for the last bit of
    # floating point (its percentile interpolated between equal figures): that figure
    # belongs to the class the break closes.
    on_a_break = [any(abs(v - b) <= 1e-9 * max(1, abs(b)) for b in theirs.bins)
                  for v in values]
    assert [c for c, edge in zip(classes.of, on_a_break) if not edge] == [
        c for c, edge in zip(theirs.yb, on_a_break) if not edge]
    breaks, of = slow_quantiles(values, k)
    assert list(classes.breaks) == pytest.approx(breaks)
    assert list(classes.of) == of
    assert classes.lowest == min(values)


@pytest.mark.filterwarnings("ignore:Numba not installed")
@pytest.mark.parametrize("seed", range(6))
def test_natural_breaks_are_fishers_exact_jenks_breaks(seed):
    rng = random.Random(seed)
    values = [round(rng.gauss(50, 20), 1) for _ in range(11)]
    classes = classify(values, "natural_breaks", 3)
    assert list(classes.breaks) == pytest.approx(slow_natural_breaks(values, 3))
    assert list(classes.breaks) == pytest.approx(
        list(mapclassify.FisherJenks(np.array(values), k=3).bins))
    assert list(classes.of) == [next(i for i, b in enumerate(classes.breaks) if v <= b)
                                for v in values]


def test_a_known_case_by_hand():
    classes = classify(list(range(1, 13)), "quantiles", 5)
    assert classes.breaks == (3.2, 5.4, 7.6, 9.8, 12.0)
    assert classes.of == (0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4)
    assert classes.bounds()[0] == (1.0, 3.2)


def test_fewer_classes_than_asked_when_there_are_few_distinct_figures():
    classes = classify([1, 1, 1, 2, 2], "quantiles", 5)
    assert classes.breaks == (1.0, 2.0)
    assert classes.of == (0, 0, 0, 1, 1)
    single = classify([4.5, 4.5, 4.5], "natural_breaks", 5)
    assert single.breaks == (4.5,) and single.of == (0, 0, 0)


def test_a_class_ties_leave_empty_is_merged_into_the_next():
    # The 1/3 and 2/3 quantiles are 1 and 1.33…: nothing lies between them.
    classes = classify([1, 1, 1, 1, 2, 3], "quantiles", 3)
    assert classes.breaks == (1.0, 3.0)
    assert classes.of == (0, 0, 0, 0, 1, 1)


def test_unknown_method_and_no_figures_are_refused():
    with pytest.raises(ValueError, match="unknown classing method"):
        classify([1, 2, 3], "equal_interval")
    with pytest.raises(ValueError, match="no figures"):
        classify([])


def test_darker_is_worse_whichever_way_better_lies():
    blues = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
    assert BLUES[5] == blues
    # Higher is better: the lowest class is the darkest.
    assert class_colours(5, "up") == ["#08519c", "#3182bd", "#6baed6", "#bdd7e7", "#eff3ff"]
    # Lower is better: the highest class is the darkest.
    assert class_colours(5, "down") == blues
    # No judgement: darker is higher.
    assert class_colours(5, "none") == blues
    assert class_colours(2, "up") == ["#3182bd", "#deebf7"]


@pytest.mark.parametrize("unit, how", [
    ("people", "sum"), ("number of crimes", "sum"), ("households", "sum"),
    ("%", "mean"), ("% of residents", "mean"), ("per 100,000", "mean"),
    ("£ a week", "mean"), ("years", "mean"), ("score", "mean"), ("ratio", "mean"),
    ("tonnes CO2e per person", "mean"),
])
def test_counts_are_summed_and_rates_averaged(unit, how):
    assert aggregation_for(unit) == how


def slow_ward_figures(rows: list[dict], how: str) -> dict:
    wards: dict = {}
    for row in rows:
        wards.setdefault(row["ward"], []).append(row)
    result = {}
    for ward, lsoas in wards.items():
        if any(r["value"] is None for r in lsoas):
            result[ward] = None
        elif how == "sum":
            result[ward] = sum(r["value"] for r in lsoas)
        elif any(r["population"] is None for r in lsoas) or not sum(
                r["population"] for r in lsoas):
            result[ward] = None
        else:
            result[ward] = (sum(r["value"] * r["population"] for r in lsoas)
                            / sum(r["population"] for r in lsoas))
    return result


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("how", ["sum", "mean"])
def test_wards_from_lsoas_equal_a_slow_per_ward_computation(seed, how):
    rng = random.Random(seed)
    rows = [{"ward": rng.randint(1, 12),
             "value": None if rng.random() < 0.05 else rng.uniform(0, 50),
             "population": None if rng.random() < 0.03 else rng.randint(900, 3000)}
            for _ in range(126)]
    frame = pl.DataFrame(rows, schema={"ward": pl.Int64, "value": pl.Float64,
                                       "population": pl.Int64})
    got = {r["ward"]: r["value"] for r in lsoas_to_wards(frame, how).iter_rows(named=True)}
    expected = slow_ward_figures(rows, how)
    assert got.keys() == expected.keys()
    for ward, value in expected.items():
        assert got[ward] == (None if value is None else pytest.approx(value, rel=1e-12))
