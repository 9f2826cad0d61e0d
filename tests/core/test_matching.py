"""Resources against performance: the vectorised table against a slow one, cell by cell,
and a small case worked by hand."""

from __future__ import annotations

import random
import statistics

import polars as pl
import pytest

from joinedup.core.matching import QUADRANTS, resources_against_performance


def slow(spend: list[tuple], areas: list[tuple], outcomes: list[tuple]) -> dict:
    """The same rules, one cell at a time, with the statistics module's median."""
    themes = sorted({t for _, t, _ in spend} | {t for _, t, _, _, _ in outcomes})
    result = {}
    for theme in themes:
        cells = {}
        for area, population, need in areas:
            total = sum(s for a, t, s in spend if a == area and t == theme)
            per_head = round(total / population, 2) if population else None
            mine = [o for o in outcomes if o[0] == area and o[1] == theme]
            cells[area] = (need, per_head, mine)
        spend_median = statistics.median([c[1] for c in cells.values() if c[1] is not None])
        needs = [c[0] for c in cells.values() if c[0] is not None]
        need_median = statistics.median(needs) if needs else None
        for area, (need, per_head, mine) in cells.items():
            travelling = [o for o in mine if o[3] in ("improving", "no_change", "worsening")]
            improving = [o for o in mine if o[3] == "improving"]
            high_need = need is not None and need_median is not None and need > need_median
            low = per_head is not None and per_head < spend_median
            high = per_head is not None and per_head > spend_median
            quadrant = (QUADRANTS[0] if high_need and low else
                        QUADRANTS[1] if high and travelling and not improving else None)
            result[(area, theme)] = (per_head, len(mine), len(improving), quadrant)
    return result


def frames(spend, areas, outcomes):
    return (pl.DataFrame(spend, orient="row", schema={
                "area": pl.String, "theme": pl.String, "spend": pl.Float64}),
            pl.DataFrame(areas, orient="row", schema={
                "area": pl.String, "population": pl.Int64, "need": pl.Float64}),
            pl.DataFrame(outcomes, orient="row", schema={
                "area": pl.String, "theme": pl.String, "indicator": pl.String,
                "direction": pl.String, "p_meet_target": pl.Float64}))


@pytest.mark.parametrize("seed", range(20))
def test_the_table_agrees_with_the_slow_one_on_random_partnerships(seed):
    rng = random.Random(seed)
    areas = [(f"W{i:02d}", rng.randint(1000, 12000), rng.choice([None, rng.random()]))
             for i in range(rng.randint(3, 25))]
    themes = [f"t{j}" for j in range(rng.randint(1, 4))]
    spend = [(a, t, float(rng.randint(0, 200_000)))
             for a, _, _ in areas for t in themes for _ in range(rng.randint(0, 2))]
    directions = ["improving", "no_change", "worsening", "none"]
    outcomes = [(a, t, f"I{k}", rng.choice(directions), rng.choice([None, rng.random()]))
                for a, _, _ in areas for t in themes for k in range(rng.randint(0, 2))]
    spend.append((areas[0][0], themes[0], 1.0))  # every theme has spend somewhere
    table = resources_against_performance(*frames(spend, areas, outcomes))
    expected = slow(spend, areas, outcomes)
    got = {(r["area"], r["theme"]): (r["spend_per_head"], r["indicators"], r["improving"],
                                     r["quadrant"]) for r in table.iter_rows(named=True)}
    assert got == {key: value for key, value in expected.items() if key in got}
    assert set(got) == set(expected)


def test_a_small_case_worked_by_hand():
    # three wards of 1,000 people; median spend £20 a head, median need 0.5
    areas = [("A", 1000, 0.9), ("B", 1000, 0.5), ("C", 1000, 0.1)]
    spend = [("A", "t", 10_000.0), ("B", "t", 20_000.0), ("C", "t", 30_000.0)]
    outcomes = [("C", "t", "I1", "worsening", 0.2), ("B", "t", "I1", "improving", 0.8)]
    table = resources_against_performance(*frames(spend, areas, outcomes))
    assert table.select("area", "spend_per_head", "quadrant").rows() == [
        ("A", 10.0, "high need, low spend"),   # needier than the median, spends less
        ("B", 20.0, None),                     # at both medians
        ("C", 30.0, "high spend, not improving"),
    ]
    assert table["mean_p_meet_target"].to_list() == [None, 0.8, 0.2]


def test_spend_equal_to_the_penny_is_at_the_median():
    # spread by population: equal a head but for float noise
    areas = [("A", 3, 0.9), ("B", 7, 0.1), ("C", 11, 0.5)]
    spend = [("A", "t", 3 * 337.61 + 1e-9), ("B", "t", 7 * 337.61 - 1e-9),
             ("C", "t", 11 * 337.61)]
    table = resources_against_performance(*frames(spend, areas, []))
    assert table["spend_per_head"].to_list() == [337.61, 337.61, 337.61]
    assert table["quadrant"].to_list() == [None, None, None]
