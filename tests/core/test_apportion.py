"""Tests for joinedup.core.apportion: spreading totals over areas, to the penny.

1. The vectorised result equals a slow per-total reference in exact rational arithmetic.
2. Properties: every total is kept to the penny, and no amount is a penny or more from its
   exact share.
3. Worked examples, and refusals.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.core.apportion import ApportionError, apportion


def reference_apportion(totals: list[dict], base: list[dict], method: str) -> list[dict]:
    """One total at a time: exact shares as Fractions, floors, then a penny each."""
    rows = []
    for total in totals:
        areas = sorted((b for b in base if b["district"] == total["district"]),
                       key=lambda b: b["area"])
        whole = sum(Fraction(b["base"]) for b in areas)
        size = abs(total["amount"])
        exact = [size * Fraction(b["base"]) / whole for b in areas]
        pence = [int(q) for q in exact]
        order = sorted(range(len(areas)), key=lambda i: (-(exact[i] - pence[i]),
                                                         areas[i]["area"]))
        for i in order[:size - sum(pence)]:
            pence[i] += 1
        sign = -1 if total["amount"] < 0 else 1
        rows += [{"partner": total["partner"], "district": total["district"],
                  "area": b["area"], "amount": sign * p, "method": method}
                 for b, p in zip(areas, pence)]
    return rows


def random_inputs(seed: int) -> tuple[list[dict], list[dict]]:
    rng = np.random.default_rng(seed)
    districts = [f"D{d}" for d in range(int(rng.integers(1, 6)))]
    base = []
    for district in districts:
        for ward in rng.permutation(40)[:int(rng.integers(1, 25))]:
            value = float(rng.choice([rng.uniform(0, 5_000), 0.0, 100.0], p=[0.8, 0.1, 0.1]))
            base.append({"district": district, "area": f"{district}W{ward:02d}", "base": value})
    for district in districts:  # no district's base adds up to zero
        base.append({"district": district, "area": f"{district}W99", "base": 1.5})
    totals = [{"partner": partner, "district": district,
               "amount": int(rng.integers(-10**9, 10**11))}
              for partner in ("PCT", "Police") for district in districts]
    return totals, base


@pytest.mark.parametrize("seed", range(60))
def test_apportion_equals_the_exact_per_total_reference(seed):
    totals, base = random_inputs(seed)
    got = apportion(pl.DataFrame(totals), pl.DataFrame(base), on=["district"],
                    method="population")
    assert got.drop("base").to_dicts() == reference_apportion(totals, base, "population")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=4),
       st.lists(st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False)),
                min_size=1, max_size=30))
def test_every_total_is_kept_to_the_penny(amounts, bases):
    if sum(bases) <= 0:
        bases = [*bases, 1]
    totals = pl.DataFrame({"total": [f"T{i}" for i in range(len(amounts))], "key": "K",
                           "amount": amounts})
    base = pl.DataFrame({"key": "K", "area": [f"A{i:02d}" for i in range(len(bases))],
                         "base": [float(b) for b in bases]})
    result = apportion(totals, base, on=["key"], method="need")
    kept = result.group_by("total", maintain_order=True).agg(pl.col("amount").sum())
    assert kept["amount"].to_list() == amounts
    whole = sum(Fraction(b) for b in bases)
    for row in result.iter_rows(named=True):
        total = amounts[int(row["total"][1:])]
        exact = total * Fraction(row["base"]) / whole
        assert abs(row["amount"] - exact) < 1


def test_worked_examples():
    # 1,000p over three equal bases: 333⅓ each; the spare penny goes to the lowest code.
    # 10p over bases 1 and 2: 3⅓ and 6⅔; the spare penny goes to the larger remainder.
    # −1,000p is spread by its size and keeps its sign.
    totals = pl.DataFrame({"district": ["X", "Y", "Z"], "amount": [1_000, 10, -1_000]})
    base = pl.DataFrame({"district": ["X", "X", "X", "Y", "Y", "Z", "Z", "Z"],
                         "area": ["c", "a", "b", "p", "q", "c", "a", "b"],
                         "base": [1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]})
    result = apportion(totals, base, on=["district"], method="caseload: Children in need")
    assert result.to_dicts() == [
        {"district": "X", "area": "a", "base": 1.0, "amount": 334,
         "method": "caseload: Children in need"},
        {"district": "X", "area": "b", "base": 1.0, "amount": 333,
         "method": "caseload: Children in need"},
        {"district": "X", "area": "c", "base": 1.0, "amount": 333,
         "method": "caseload: Children in need"},
        {"district": "Y", "area": "p", "base": 1.0, "amount": 3,
         "method": "caseload: Children in need"},
        {"district": "Y", "area": "q", "base": 2.0, "amount": 7,
         "method": "caseload: Children in need"},
        {"district": "Z", "area": "a", "base": 1.0, "amount": -334,
         "method": "caseload: Children in need"},
        {"district": "Z", "area": "b", "base": 1.0, "amount": -333,
         "method": "caseload: Children in need"},
        {"district": "Z", "area": "c", "base": 1.0, "amount": -333,
         "method": "caseload: Children in need"},
    ]


def test_several_totals_share_one_base_and_keep_their_own_columns():
    # Two partners' spending in one district, spread by the same ward populations 1 : 3.
    totals = pl.DataFrame({"partner": ["PCT", "Police"], "service": ["Health", "Safety"],
                           "district": ["E08000037", "E08000037"], "amount": [400, 1_001]})
    base = pl.DataFrame({"district": ["E08000037"] * 2, "area": ["W1", "W2"],
                         "base": [1_000.0, 3_000.0]})
    result = apportion(totals, base, on=["district"], method="population")
    assert result.select("partner", "service", "area", "amount").rows() == [
        ("PCT", "Health", "W1", 100), ("PCT", "Health", "W2", 300),
        ("Police", "Safety", "W1", 250), ("Police", "Safety", "W2", 751)]


@pytest.mark.parametrize("totals, base, message", [
    ({"district": ["X"], "amount": [100]},
     {"district": ["X", "X"], "area": ["a", "b"], "base": [0.0, 0.0]},
     "the total for district X: the base (population) adds up to zero over its areas, so "
     "there is nothing to spread it by"),
    ({"district": ["Y"], "amount": [100]},
     {"district": ["X"], "area": ["a"], "base": [1.0]},
     "the total for district Y has no areas in the base to spread it over"),
    ({"district": ["X"], "amount": [100]},
     {"district": ["X", "X"], "area": ["a", "b"], "base": [1.0, -2.0]},
     "the base for area b (district X) must be a number, zero or more, not -2.0"),
    ({"district": ["X"], "amount": [100]},
     {"district": ["X", "X"], "area": ["a", "a"], "base": [1.0, 2.0]},
     "the base has area a twice (district X)"),
    ({"district": ["X"], "amount": [100.5]},
     {"district": ["X"], "area": ["a"], "base": [1.0]},
     "the totals' amounts must be whole pence (an integer column), not Float64"),
])
def test_refusals_name_the_total(totals, base, message):
    with pytest.raises(ApportionError) as refused:
        apportion(pl.DataFrame(totals), pl.DataFrame(base), on=["district"],
                  method="population")
    assert str(refused.value) == message


def test_a_total_too_large_to_keep_exactly_is_refused():
    totals = pl.DataFrame({"district": ["X"], "amount": [2**52]})
    base = pl.DataFrame({"district": ["X", "X"], "area": ["a", "b"], "base": [1.0, 1.0]})
    with pytest.raises(ApportionError) as refused:
        apportion(totals, base, on=["district"], method="population")
    assert str(refused.value) == ("the total for district X (4,503,599,627,370,496 pence "
                                  "over 2 areas) is too large to apportion exactly")
