"""The arithmetic of the facts: each frame function against a slow, obviously correct
version on random data, and against published reference values."""

from __future__ import annotations

import math
import random
import statistics

import polars as pl
import pytest

from joinedup.reviews import facts_figures as figures


def slow_quantile(values: list[float], q: float) -> float:
    """Hyndman and Fan's definition 7, written out: h = (n − 1)q, then interpolate
    between the order statistics either side of h."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def test_quantiles_match_the_published_definition_7_values():
    # R: quantile(c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.9) is 9.1; the median is 5.5.
    frame = pl.DataFrame({"layer": ["a"] * 10, "days": [float(d) for d in range(1, 11)]})
    got = figures.waits(frame, "layer").to_dicts()
    assert got == [{"layer": "a", "decided": 10, "median_days": 5.5, "p90_days": pytest.approx(9.1)},
                   {"layer": "All", "decided": 10, "median_days": 5.5,
                    "p90_days": pytest.approx(9.1)}]


def test_waits_match_a_slow_version_on_random_data():
    rng = random.Random(15)
    rows = [(rng.choice("abcde"), rng.uniform(0, 90)) for _ in range(400)]
    frame = pl.DataFrame(rows, orient="row", schema={"layer": pl.String, "days": pl.Float64})
    got = {r["layer"]: r for r in figures.waits(frame, "layer").to_dicts()}
    groups = {layer: [d for g, d in rows if g == layer] for layer in "abcde"}
    groups[figures.ALL] = [d for _, d in rows]
    assert set(got) == set(groups)
    for layer, days in groups.items():
        assert got[layer]["decided"] == len(days)
        assert got[layer]["median_days"] == pytest.approx(statistics.median(days), abs=1e-12)
        assert got[layer]["p90_days"] == pytest.approx(slow_quantile(days, 0.9), abs=1e-12)


def test_no_decisions_give_missing_figures_not_zeros():
    empty = pl.DataFrame(schema={"layer": pl.String, "days": pl.Float64})
    assert figures.waits(empty, "layer").to_dicts() == [
        {"layer": "All", "decided": 0, "median_days": None, "p90_days": None}]


def test_attendance_rates_match_a_slow_count_on_random_data():
    rng = random.Random(7)
    rows = [(rng.choice(["Public", "Private", "Voluntary"]),
             rng.choice(figures.ATTENDANCE_STATUSES)) for _ in range(300)]
    frame = pl.DataFrame(rows, orient="row", schema={"sector": pl.String, "status": pl.String})
    got = figures.attendance_rates(frame, "sector").to_dicts()
    expected = []
    for sector in ["Private", "Public", "Voluntary", figures.ALL]:
        marks = [s for g, s in rows if sector in (g, figures.ALL)]
        counts = {status: marks.count(status) for status in figures.ATTENDANCE_STATUSES}
        expected.append({"sector": sector, "recorded": len(marks), **counts,
                         "rate": counts["attended"] / len(marks)})
    assert got == expected


def test_planned_meetings_are_pro_rata_rounded_half_up():
    bodies = pl.DataFrame({"body": ["a", "b", "c", "d"], "fewest_a_year": [4, 4, 3, 0],
                           "held": [4, 1, 2, 0]})
    for days, planned in [(365, [4, 4, 3, 0]), (366, [4, 4, 3, 0]), (182, [2, 2, 1, 0]),
                          (183, [2, 2, 2, 0]), (730, [8, 8, 6, 0])]:
        got = figures.meetings_against_plan(bodies, days)
        assert got["planned"].to_list() == planned
        assert got["planned"].to_list() == [math.floor(f * days / 365 + 0.5)
                                            for f in (4, 4, 3, 0)]
    assert figures.meetings_against_plan(bodies, 365)["held_share"].to_list() == [
        1.0, 0.25, 2 / 3, None]


def test_returns_on_time_add_up_each_partners_rounds():
    frame = pl.DataFrame({"partner": ["Police", "Council", "Council"], "due": [3, 2, 0],
                          "on_time": [1, 2, 0], "late": [2, 0, 0]})
    assert figures.on_time(frame, "partner").to_dicts() == [
        {"partner": "Council", "due": 2, "on_time": 2, "late": 0, "on_time_share": 1.0},
        {"partner": "Police", "due": 3, "on_time": 1, "late": 2, "on_time_share": 1 / 3},
        {"partner": "All", "due": 5, "on_time": 3, "late": 2, "on_time_share": 0.6}]


def test_joined_spend_matches_a_slow_sum_on_random_lines():
    rng = random.Random(3)
    rows = [(rng.choice(["NHS", "Police", "Council"]),
             rng.choice(["single", "aligned", "pooled"]), round(rng.uniform(0, 1e6), 2))
            for _ in range(200)]
    frame = pl.DataFrame(rows, orient="row", schema={"partner": pl.String,
                                                     "arrangement": pl.String,
                                                     "budget": pl.Float64})
    got = {r["partner"]: r for r in figures.joined_spend(frame, "partner").to_dicts()}
    for partner in ["Council", "NHS", "Police", figures.ALL]:
        mine = [(a, b) for p, a, b in rows if partner in (p, figures.ALL)]
        total = sum(b for _, b in mine)
        joined = sum(b for a, b in mine if a != "single")
        assert got[partner]["budget"] == pytest.approx(total, abs=0.005)
        assert got[partner]["joined"] == pytest.approx(joined, abs=0.01)
        assert got[partner]["joined_share"] == pytest.approx(joined / total, rel=1e-9)
