"""Tests for joinedup.core.allocation beyond the split itself: composite need against a
per-area reference, scenarios and the most deprived fifth against a per-scenario
reference, and Warwickshire's five districts set beside the split its Public Service
Board agreed.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from allocation_cases import areas, random_case
from joinedup.core.allocation import (
    AllocationError,
    allocate,
    composite_need,
    most_deprived_fifth,
    scenarios,
)

WARWICKSHIRE = Path(__file__).parent / "data" / "warwickshire_districts.csv"


def reference_composite(rows, weights, polarity, baseline=1.0):
    z = {}
    for column in weights:
        values = [r[column] for r in rows]
        mean, sd = statistics.fmean(values), statistics.stdev(values)
        sign = -1 if polarity.get(column) == "up" else 1
        z[column] = [sign * (v - mean) / sd if sd > 0 else 0.0 for v in values]
    total = sum(weights.values())
    composite = [sum(weights[c] / total * z[c][i] for c in weights) for i in range(len(rows))]
    return [c - min(composite) + baseline for c in composite]


@pytest.mark.parametrize("seed", range(30))
def test_composite_need_equals_the_per_area_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    rows = [{"area": f"A{i}", "unemployment": float(rng.uniform(0, 20)),
             "employment": float(rng.uniform(40, 90)), "constant": 3.0} for i in range(n)]
    weights = {"unemployment": float(rng.uniform(0, 3)), "employment": float(rng.uniform(0, 3)),
               "constant": 1.0}
    polarity = {"employment": "up"}
    got = composite_need(pl.DataFrame(rows), weights, polarity=polarity)
    assert got["area"].to_list() == [r["area"] for r in rows]
    assert got["need"].to_list() == pytest.approx(
        reference_composite(rows, weights, polarity), rel=1e-12, abs=1e-12)


def test_composite_need_by_hand():
    # x = 1, 2, 3: mean 2, sample sd 1, z = −1, 0, 1; y (higher is better) = 10, 10, 40:
    # mean 20, sd √300, z = −0.577…, −0.577…, 1.155… negated. Weights 1 : 1 → halves.
    # composite = −0.5 + 0.2887, 0 + 0.2887, 0.5 − 0.5774 → shifted so the least is 1.
    frame = pl.DataFrame({"area": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "y": [10.0, 10.0, 40.0]})
    need = composite_need(frame, {"x": 1, "y": 1}, polarity={"y": "up"})["need"].to_list()
    root3 = 3 ** 0.5
    composite = [-0.5 + 0.5 / root3, 0.5 / root3, 0.5 - 1 / root3]
    assert need == pytest.approx([c - min(composite) + 1 for c in composite], rel=1e-12)
    assert need[1] == pytest.approx(1.5, rel=1e-12)  # 0.5/√3 − (−0.5 + 0.5/√3) + 1


def test_most_deprived_fifth_by_hand():
    # Needs 9, 5, 5, 1 with populations 10, 20, 20, 50: total 100, the fifth is 20 people.
    # The first area holds 10; the tied band (needs 5) holds 40, of which 10 are inside:
    # a quarter of each of its areas. Allocations 100, 200, 300, 400 → 100 + ¼ × 500.
    frame = areas([10, 20, 20, 50], [9.0, 5.0, 5.0, 1.0], ["A", "B", "C", "D"])
    allocations = pl.DataFrame({"area": ["A", "B", "C", "D"],
                                "allocation": [100, 200, 300, 400]})
    result = most_deprived_fifth(allocations, frame)
    assert result.to_dicts() == [{"scenario": "allocation", "deprived_amount": 225.0,
                                  "deprived_share": 0.225}]


def reference_fifth(rows, allocation, fifth=0.2):
    line = fifth * sum(r["population"] for r in rows)
    bands = sorted({r["need"] for r in rows}, reverse=True)
    before, amount = 0.0, 0.0
    for need in bands:
        members = [r for r in rows if r["need"] == need]
        people = sum(r["population"] for r in members)
        inside = (min(max((line - before) / people, 0.0), 1.0) if people
                  else float(before < line))
        amount += inside * sum(allocation[r["area"]] for r in members)
        before += people
    return amount


@pytest.mark.parametrize("seed", range(30))
def test_scenarios_and_the_fifth_equal_the_per_scenario_reference(seed):
    rows, pot, options = random_case(seed)
    options.pop("damping", None)
    for row in rows:
        row["need"] = float(round(row["need"]))  # rounded, so there are tied bands
    frame = pl.DataFrame(rows)
    try:
        result = scenarios(frame, pot, **options)
    except AllocationError:
        options = {}
        result = scenarios(frame, pot)
    any_previous = any(r["previous"] is not None for r in rows)
    assert result["scenario"].cast(pl.String).unique(maintain_order=True).to_list() == [
        "equal", "population", "need", *(["previous"] if any_previous else [])]
    fifth = most_deprived_fifth(result, frame)
    for scenario, amount in fifth.select("scenario", "deprived_amount").iter_rows():
        alone = allocate(frame, pot, basis=str(scenario), **options)
        shown = result.filter(pl.col("scenario") == scenario).drop("scenario")
        assert shown.equals(alone)
        by_area = dict(alone.select("area", "allocation").iter_rows())
        assert amount == pytest.approx(reference_fifth(rows, by_area), rel=1e-12, abs=1e-9)


def test_previous_basis_returns_last_years_split_when_nothing_binds():
    frame = areas([1, 1, 1], [1.0, 1.0, 1.0], previous=[120_000.0, 300_000.0, 80_000.0])
    result = allocate(frame, 500_000, basis="previous")
    assert result["allocation"].to_list() == [120_000, 300_000, 80_000]


# ---------------------------------------------------------------------------------------
# 4. Warwickshire

def warwickshire() -> pl.DataFrame:
    return pl.read_csv(WARWICKSHIRE, comment_prefix="#")


AGREED = {"E07000218": 100_000, "E07000219": 400_000, "E07000220": 100_000,
          "E07000221": 100_000, "E07000222": 100_000}


def test_warwickshire_need_based_split_beside_the_agreed_one():
    """£800,000 over Warwickshire's five districts, with a floor of £100,000 each.

    Assumptions: need is the IMD 2019 district average score; population is the ONS
    mid-2019 estimate (tests/core/data/warwickshire_districts.csv names the sources);
    the weight is population × need. By hand: the weights are 1,168,682 (North
    Warwickshire), 3,057,446 (Nuneaton and Bedworth), 1,538,053 (Rugby), 1,525,789
    (Stratford-on-Avon) and 1,725,755 (Warwick), 9,015,726 in all, so λ = 800,000 /
    9,015,726 = 0.0887338 and North Warwickshire, the smallest share, gets £103,702:
    above the floor, so no floor binds, and the split is plain proportion. The scores
    run only from 11.7 to 23.5, so the split follows population nearly as much as need.

    The Public Service Board agreed £400,000 for Nuneaton and Bedworth and £100,000 for
    each of the other four: both give Nuneaton and Bedworth the largest share, but the
    agreed split gives it 50% where the score-weighted formula gives 33.9%.
    """
    result = allocate(warwickshire(), 800_000, floor=100_000)
    split = dict(result.select("area", "allocation").iter_rows())
    assert split == {"E07000218": 103_702, "E07000219": 271_299, "E07000220": 136_477,
                     "E07000221": 135_389, "E07000222": 153_133}
    assert result["bound"].cast(pl.String).to_list() == ["none"] * 5
    assert max(split, key=split.get) == max(AGREED, key=AGREED.get) == "E07000219"
    assert split["E07000219"] < AGREED["E07000219"]


def test_warwickshire_agreed_split_is_the_rule_weighted_by_the_most_deprived_decile():
    """The same rule, with need as the share of each district's LSOAs in England's most
    deprived 10% (IMD 2019: North Warwickshire 2.63%, Nuneaton and Bedworth 6.17%, the
    other three none), reproduces the Board's split exactly. By hand: Rugby, Stratford
    and Warwick weigh 0 and get the floor, £300,000; the other £500,000 is shared by
    weights 1,716 and 8,014, which would give North Warwickshire £88,183, below the
    floor; so it gets £100,000 and Nuneaton and Bedworth the remaining £400,000.
    """
    frame = warwickshire().with_columns(need=pl.col("most_deprived_decile_share"))
    result = allocate(frame, 800_000, floor=100_000)
    assert dict(result.select("area", "allocation").iter_rows()) == AGREED
    assert result["bound"].cast(pl.String).to_list() == [
        "floor", "none", "floor", "floor", "floor"]


def test_warwickshire_scenarios_and_the_most_deprived_fifth():
    # Most deprived first by average score: Nuneaton and Bedworth (129,883 people) alone
    # straddles the fifth (20% of 577,933 = 115,586.6 people): 0.88993 of it is inside.
    frame = warwickshire()
    result = scenarios(frame, 800_000, floor=100_000)
    equal = result.filter(pl.col("scenario") == "equal")["allocation"].to_list()
    assert equal == [160_000] * 5
    fifth = most_deprived_fifth(result, frame)
    inside = 0.2 * 577_933 / 129_883
    need_nb = 271_299
    population_nb = result.filter((pl.col("scenario") == "population")
                                  & (pl.col("area") == "E07000219"))["allocation"].item()
    assert fifth["scenario"].cast(pl.String).to_list() == ["equal", "population", "need"]
    assert fifth["deprived_amount"].to_list() == pytest.approx(
        [inside * 160_000, inside * population_nb, inside * need_nb], rel=1e-12)
