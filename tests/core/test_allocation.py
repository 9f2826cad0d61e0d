"""Tests for joinedup.core.allocation: splitting a pot by need within floors and ceilings.

1. The vectorised allocation equals a slow reference in exact rational arithmetic: λ
   bracketed by bisection, then solved exactly on the areas left inside their bounds,
   and each pound handed out one area at a time.
2. Properties: the amounts add up to the pot exactly; bounds hold; equal weights get
   equal amounts to within £1; more need never gets less; infeasible bounds are refused.
3. Worked examples.

Composite need, scenarios, the most deprived fifth and Warwickshire's case are in
``test_allocation_scenarios.py``.
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation_cases import areas, random_case
from joinedup.core.allocation import (
    AllocationError,
    allocate,
)


# ---------------------------------------------------------------------------------------
# 1. The slow reference

def reference_allocate(rows: list[dict], pot: int, floor=None, ceiling=None,
                       damping=None) -> list[dict]:
    """Per area, in Fractions: bounds, λ, the clamped amounts, then pounds one at a time."""
    areas = []
    for row in rows:
        weight = Fraction(row["population"]) * Fraction(row["need"])
        low = Fraction(0) if floor is None else Fraction(floor)
        high = None if ceiling is None else Fraction(ceiling)
        low_damped = high_damped = False
        if damping is not None and row.get("previous") is not None:
            down = Fraction(row["previous"] * (1 - damping))
            up = Fraction(row["previous"] * (1 + damping))
            low_damped, high_damped = down >= low, high is None or up <= high
            low = max(low, down)
            high = up if high is None else min(high, up)
        areas.append({"area": row["area"], "weight": weight, "low": low, "high": high,
                      "low_damped": low_damped, "high_damped": high_damped})
    if not any(a["weight"] > 0 for a in areas):
        for a in areas:
            a["weight"] = Fraction(1)

    def amount(a, multiplier):
        value = max(a["low"], multiplier * a["weight"]) if a["weight"] > 0 else a["low"]
        return value if a["high"] is None else min(a["high"], value)

    def total(multiplier):
        return sum(amount(a, multiplier) for a in areas)

    low, high = Fraction(0), Fraction(1)
    while total(high) < pot:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if total(middle) < pot else (low, middle)
    middle = (low + high) / 2
    free = [a for a in areas if a["weight"] > 0 and a["low"] < middle * a["weight"]
            and (a["high"] is None or middle * a["weight"] < a["high"])]
    fixed = sum(amount(a, middle) for a in areas if a not in free)
    exact_multiplier = (pot - fixed) / sum(a["weight"] for a in free) if free else middle
    for a in areas:
        a["exact"] = amount(a, exact_multiplier) if a not in free else \
            exact_multiplier * a["weight"]
        a["pounds"] = int(a["exact"])  # floor: amounts are never negative
    by_remainder = sorted(areas, key=lambda a: (-(a["exact"] - a["pounds"]), a["area"]))
    for a in by_remainder[:pot - sum(a["pounds"] for a in areas)]:
        a["pounds"] += 1
    results = []
    for a in areas:
        at_high = a["high"] is not None and a["exact"] == a["high"]
        at_low = a["exact"] == a["low"]
        if (at_high and a["high_damped"]) or (at_low and a["low_damped"]):
            bound = "damping"
        else:
            bound = "ceiling" if at_high else "floor" if at_low else "none"
        results.append({"area": a["area"], "allocation": a["pounds"], "bound": bound,
                        "lower": float(a["low"]),
                        "upper": None if a["high"] is None else float(a["high"])})
    return results


def feasible(rows, pot, options) -> bool:
    """Whether the bounds can hold the pot, worked out per area in plain Python."""
    floor, ceiling = options.get("floor") or 0.0, options.get("ceiling")
    damping = options.get("damping")
    weights = [r["population"] * r["need"] for r in rows]
    largest = max(weights, default=0.0)
    # A weight under 10⁻²⁵⁰ of the largest counts as zero (the module docstring says why).
    weighted = [w > 0 and w / largest >= 1e-250 for w in weights]
    if not any(weighted):
        weighted = [True] * len(rows)
    lowest = highest = 0.0
    for row, has_weight in zip(rows, weighted):
        low, high = floor, float("inf") if ceiling is None else ceiling
        if damping is not None and row.get("previous") is not None:
            low = max(low, row["previous"] * (1 - damping))
            high = min(high, row["previous"] * (1 + damping))
        if low > high:
            return False
        lowest += low
        highest += high if has_weight else low
    return lowest <= pot <= highest


def allocated_or_refused(rows, pot, options) -> pl.DataFrame | None:
    """The allocation, or None after checking that the refusal was due."""
    if feasible(rows, pot, options):
        return allocate(pl.DataFrame(rows), pot, **options)
    with pytest.raises(AllocationError):
        allocate(pl.DataFrame(rows), pot, **options)
    return None


@pytest.mark.parametrize("seed", range(150))
def test_allocate_equals_the_exact_per_area_reference(seed):
    rows, pot, options = random_case(seed)
    if allocated_or_refused(rows, pot, options) is None:
        options = {}
    got = allocate(pl.DataFrame(rows), pot, **options)
    want = reference_allocate(rows, pot, **options)
    assert got.select("area", "allocation", "bound", "lower", "upper").with_columns(
        pl.col("bound").cast(pl.String)).to_dicts() == want
    assert got["allocation"].sum() == pot


# ---------------------------------------------------------------------------------------
# 2. Properties

@st.composite
def cases(draw, bounded=True):
    n = draw(st.integers(1, 25))
    populations = draw(st.lists(st.integers(0, 50_000), min_size=n, max_size=n))
    needs = draw(st.lists(st.one_of(st.integers(0, 100).map(float),
                                    st.floats(0, 100, allow_nan=False)),
                          min_size=n, max_size=n))
    rows = [{"area": f"A{i:03d}", "population": p, "need": x}
            for i, (p, x) in enumerate(zip(populations, needs))]
    pot = draw(st.integers(0, 10_000_000))
    options = {}
    if bounded and draw(st.booleans()):
        options["floor"] = draw(st.integers(0, pot // n))
    if bounded and draw(st.booleans()):
        options["ceiling"] = draw(st.integers(-(-pot // n), pot + 1))
    return rows, pot, options


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_amounts_add_up_to_the_pot_and_whole_pound_bounds_hold(case):
    rows, pot, options = case
    result = allocated_or_refused(rows, pot, options)
    if result is None:
        return
    assert result["allocation"].sum() == pot
    assert (result["allocation"] >= result["lower"]).all()
    if "ceiling" in options:
        assert (result["allocation"] <= result["upper"]).all()


@settings(max_examples=200, deadline=None)
@given(cases(), st.lists(st.integers(0, 2_000_000), min_size=25, max_size=25),
       st.sampled_from([0.0, 0.05, 0.1, 0.3]))
def test_damped_amounts_stay_within_a_pound_of_their_bounds(case, previous, damping):
    rows, pot, options = case
    for row, amount in zip(rows, previous):
        row["previous"] = float(amount)
    result = allocated_or_refused(rows, pot, {**options, "damping": damping})
    if result is None:
        return
    assert result["allocation"].sum() == pot
    assert (result["allocation"] > result["lower"] - 1).all()
    assert (result["allocation"] < result["upper"].fill_null(float("inf")) + 1).all()


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(0, 50_000), st.integers(0, 100))
def test_equal_weights_get_equal_amounts_to_within_a_pound(case, population, need):
    rows, pot, options = case
    twins = [{"area": "Z001", "population": population, "need": float(need)},
             {"area": "Z002", "population": population, "need": float(need)}]
    result = allocated_or_refused(rows + twins, pot, options)
    if result is None:
        return
    first, second = result.filter(pl.col("area").str.starts_with("Z"))["allocation"]
    assert abs(first - second) <= 1


@settings(max_examples=200, deadline=None)
@given(cases(bounded=False), st.integers(1, 50_000), st.integers(0, 99), st.integers(1, 50))
def test_more_need_never_gets_less_when_both_are_unbounded(case, population, need, more):
    rows, pot, _ = case
    pair = [{"area": "Z002", "population": population, "need": float(need)},
            {"area": "Z001", "population": population, "need": float(need + more)}]
    result = allocate(pl.DataFrame(rows + pair), pot)
    less, most = result.filter(pl.col("area").str.starts_with("Z"))["allocation"]
    assert most >= less


@settings(max_examples=100, deadline=None)
@given(cases(bounded=False), st.integers(1, 1_000))
def test_floors_above_the_pot_are_refused(case, over):
    rows, _, _ = case
    floor = 1_000
    pot = floor * len(rows) - over
    if pot < 0:
        return
    with pytest.raises(AllocationError) as refused:
        allocate(pl.DataFrame(rows), pot, floor=floor)
    assert str(refused.value) == (f"The floors add up to £{floor * len(rows):,}, more than "
                                  f"the pot of £{pot:,}.")


# ---------------------------------------------------------------------------------------
# 3. Worked examples

def test_the_floor_binds_and_the_rest_share_in_proportion():
    # Weights 1, 3, 6 (population 1 × need). Unbounded: 100, 300, 600 of a pot of 1,000.
    # A floor of 150 lifts A0 to 150; the other 850 is shared 3:6 → 283⅓ and 566⅔,
    # rounded down to 283 and 566 with one pound left: A2's remainder ⅔ beats A1's ⅓.
    result = allocate(areas([1, 1, 1], [1.0, 3.0, 6.0]), 1_000, floor=150)
    assert result["allocation"].to_list() == [150, 283, 567]
    assert result["bound"].cast(pl.String).to_list() == ["floor", "none", "none"]
    assert result["share"].to_list() == [0.15, 0.283, 0.567]


def test_a_ceiling_binds_and_ties_go_to_the_lower_code():
    # Weights 1, 1, 8 of 900; a ceiling of 500 caps C; A and B share 400 → 200 each.
    # Then 1,000 over three equal weights: 333⅓ each, one pound over, to the lowest code.
    capped = allocate(areas([1, 1, 1], [1.0, 1.0, 8.0], ["A", "B", "C"]), 900, ceiling=500)
    assert capped["allocation"].to_list() == [200, 200, 500]
    assert capped["bound"].cast(pl.String).to_list() == ["none", "none", "ceiling"]
    tied = allocate(areas([5, 5, 5], [2.0, 2.0, 2.0], ["C", "A", "B"]), 1_000)
    assert tied["allocation"].to_list() == [333, 334, 333]


def test_damping_keeps_amounts_within_the_band_and_says_so():
    # Last year A, B and C had 100 each; ±25% damping bounds them to 75..125 (exact in
    # binary). D is new (no previous amount), so it is not damped. Weights 1, 1, 4, 4 of
    # 420 would give 42, 42, 168, 168; A and B rise to 75 and C falls to 125, leaving
    # 420 − 275 = 145 for D (λ = 36.25: C's 145 is above its cap, A's 36.25 below its floor).
    frame = areas([1, 1, 1, 1], [1.0, 1.0, 4.0, 4.0], ["A", "B", "C", "D"],
                  previous=[100.0, 100.0, 100.0, None])
    result = allocate(frame, 420, damping=0.25)
    assert result["allocation"].to_list() == [75, 75, 125, 145]
    assert result["bound"].cast(pl.String).to_list() == ["damping", "damping", "damping",
                                                         "none"]
    assert result["lower"].to_list() == [75.0, 75.0, 75.0, 0.0]
    assert result["upper"].to_list() == [125.0, 125.0, 125.0, None]
    damped = frame.head(3)
    with pytest.raises(AllocationError) as refused:
        allocate(damped, 376, damping=0.25)
    assert str(refused.value) == ("Last year's amounts plus 25% add up to £375, less than "
                                  "the pot of £376.")
    with pytest.raises(AllocationError) as refused:
        allocate(damped, 289, floor=97, damping=0.25)
    assert str(refused.value) == ("The lowest amounts allowed (the floors, and last year's "
                                  "amounts less 25%) add up to £291, more than the pot of "
                                  "£289.")


def test_a_damping_bound_equal_to_the_floor_is_reported_as_damping():
    # Previous 100 less 10% = 90 = the floor: damping wins the tie.
    frame = areas([1, 1], [1.0, 100.0], previous=[100.0, 1_000.0])
    result = allocate(frame, 1_000, floor=90, damping=0.1)
    assert result["allocation"].to_list() == [90, 910]
    assert result["bound"].cast(pl.String).to_list() == ["damping", "none"]


def test_zero_weights_get_their_floor_and_all_zero_splits_equally():
    result = allocate(areas([0, 10, 10], [5.0, 0.0, 1.0]), 1_000, floor=100)
    assert result["allocation"].to_list() == [100, 100, 800]
    assert result["bound"].cast(pl.String).to_list() == ["floor", "floor", "none"]
    equal = allocate(areas([0, 0, 0], [1.0, 1.0, 1.0]), 1_000, ceiling=400)
    assert equal["allocation"].to_list() == [334, 333, 333]
    assert equal["weight"].to_list() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("options, pot, message", [
    ({"floor": 100, "ceiling": 50}, 100,
     "Area A0: the lowest amount allowed, £100, is above the highest, £50 (and 1 more area)."),
    ({"ceiling": 300}, 800, "The ceilings add up to £600, less than the pot of £800."),
    ({"floor": 500}, 800, "The floors add up to £1,000, more than the pot of £800."),
])
def test_infeasible_bounds_are_refused_with_the_figures(options, pot, message):
    with pytest.raises(AllocationError) as refused:
        allocate(areas([1, 1], [1.0, 2.0]), pot, **options)
    assert str(refused.value) == message


def test_zero_weight_areas_count_at_their_floor_against_the_pot():
    with pytest.raises(AllocationError) as refused:
        allocate(areas([1, 0], [1.0, 2.0]), 1_000, floor=100, ceiling=500)
    assert str(refused.value) == ("The ceilings add up to £600, counting 1 area of zero "
                                  "weight at its floor, less than the pot of £1,000.")


@pytest.mark.parametrize("pot, message", [
    (100.5, "the pot must be a whole number of pounds, not 100.5"),
    (-1, "the pot must be zero or more, not -1"),
])
def test_the_pot_must_be_whole_pounds(pot, message):
    with pytest.raises(AllocationError) as refused:
        allocate(areas([1], [1.0]), pot)
    assert str(refused.value) == message


def test_bad_areas_are_refused():
    with pytest.raises(AllocationError) as twice:
        allocate(areas([1, 1], [1.0, 1.0], ["A", "A"]), 10)
    assert str(twice.value) == "area A appears more than once"
    with pytest.raises(AllocationError) as negative:
        allocate(areas([1, -2], [1.0, 1.0]), 10)
    assert str(negative.value) == "area A1: population is -2; it must be a number, zero or more"


def test_per_area_floors_and_ceilings_come_from_columns():
    frame = areas([1, 1, 1], [1.0, 1.0, 1.0], minimum=[500.0, None, 0.0],
                  maximum=[None, 100.0, None])
    result = allocate(frame, 900, floor="minimum", ceiling="maximum")
    # A0 is held at 500, A1 capped at 100, A2 takes the 300 left.
    assert result["allocation"].to_list() == [500, 100, 300]
    assert result["bound"].cast(pl.String).to_list() == ["floor", "ceiling", "none"]
    assert result["upper"].to_list() == [None, 100.0, None]
