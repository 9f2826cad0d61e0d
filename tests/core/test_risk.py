"""The 5×5 matrix, likelihood from a forecast, proposals and the heat map.

Each function is checked against the published NPSA matrix (2008) and against a slow,
row-by-row version written as the module docstring states the method.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.core import risk

NPSA_BANDS = pl.DataFrame({"band": ["Low", "Moderate", "High", "Extreme"],
                           "lowest": [1, 4, 8, 15], "highest": [3, 6, 12, 25]})
BOUNDS = pl.DataFrame({"likelihood": [1, 2, 3, 4, 5],
                       "p_miss_from": [0.0, 0.10, 0.30, 0.50, 0.80]})

# "A risk matrix for risk managers" (NPSA, 2008), table 3: the rating of each
# consequence × likelihood, rows consequence 1–5, columns likelihood 1–5.
NPSA_GRID = [
    ["Low", "Low", "Low", "Moderate", "Moderate"],
    ["Low", "Moderate", "Moderate", "High", "High"],
    ["Low", "Moderate", "High", "High", "Extreme"],
    ["Moderate", "High", "High", "Extreme", "Extreme"],
    ["Moderate", "High", "Extreme", "Extreme", "Extreme"],
]


def test_every_cell_of_the_npsa_matrix_takes_its_published_rating():
    cells = pl.DataFrame({"likelihood": [lv for _ in range(5) for lv in range(1, 6)],
                          "impact": [iv for iv in range(1, 6) for _ in range(5)]})
    scores = cells.select(risk.score(pl.col("likelihood"), pl.col("impact")))["score"]
    assert risk.band_of(scores, NPSA_BANDS).to_list() == [b for row in NPSA_GRID for b in row]


def test_a_missing_score_has_no_band():
    assert risk.band_of(pl.Series([None, 12], dtype=pl.Int64), NPSA_BANDS).to_list() == [
        None, "High"]


@pytest.mark.parametrize("bands, wrong", [
    ({"band": ["a", "b"], "lowest": [1, 4], "highest": [3, 20]}, [25]),
    ({"band": ["a", "b"], "lowest": [1, 3], "highest": [3, 25]}, [3]),
])
def test_bands_that_miss_or_repeat_a_score_are_refused(bands, wrong):
    with pytest.raises(ValueError, match=re.escape(f"not {wrong}")):
        risk.band_of(pl.Series([1]), pl.DataFrame(bands))


def slow_likelihood(p_miss, bounds):
    if p_miss is None or not 0 <= p_miss <= 1:
        return None
    return max(level for level, start in bounds if p_miss >= start)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-0.5, 1.5, allow_nan=False)), max_size=30))
def test_likelihood_from_p_miss_agrees_with_the_slow_reading(values):
    bounds = list(BOUNDS.iter_rows())
    fast = risk.likelihood_from_p_miss(pl.Series(values, dtype=pl.Float64), BOUNDS).to_list()
    assert fast == [slow_likelihood(v, bounds) for v in values]


@pytest.mark.parametrize("p_miss, level", [
    (0.0, 1), (0.0999, 1), (0.10, 2), (0.2999, 2), (0.30, 3), (0.50, 4), (0.7999, 4),
    (0.80, 5), (1.0, 5)])
def test_the_default_bounds_at_their_edges(p_miss, level):
    assert risk.likelihood_from_p_miss(pl.Series([p_miss]), BOUNDS).to_list() == [level]


def test_bounds_must_start_at_zero_and_rise():
    with pytest.raises(ValueError, match="start at 0"):
        risk.likelihood_from_p_miss(pl.Series([0.5]), BOUNDS.with_columns(
            p_miss_from=pl.Series([0.05, 0.1, 0.3, 0.5, 0.8])))


def slow_proposal(row, bounds, rise):
    """The module docstring's rule, one risk at a time."""
    p_miss = None if row["p_meet"] is None else 1 - row["p_meet"]
    proposed = slow_likelihood(p_miss, bounds)
    if proposed is None or proposed == row["recorded"]:
        return None
    if row["last_proposed"] is None:
        return proposed, "first forecast"
    if proposed != row["last_proposed"]:
        return proposed, "the forecast moved to another level"
    if p_miss - row["last_p_miss"] >= rise - 1e-12:
        return proposed, "the chance of missing rose"
    if row["signal"] and not row["last_signal"]:
        return proposed, "a new special-cause signal"
    return None


RISKS = st.fixed_dictionaries({
    "recorded": st.integers(1, 5),
    "p_meet": st.one_of(st.none(), st.floats(0, 1)),
    "signal": st.booleans(),
    "last": st.one_of(st.none(), st.tuples(st.integers(1, 5), st.floats(0, 1), st.booleans())),
})


@settings(max_examples=300, deadline=None)
@given(st.lists(RISKS, max_size=25))
def test_proposals_agree_with_the_slow_rule(items):
    rows = [{"risk": i, "recorded": r["recorded"], "p_meet": r["p_meet"], "signal": r["signal"],
             "last_proposed": r["last"][0] if r["last"] else None,
             "last_p_miss": r["last"][1] if r["last"] else None,
             "last_signal": r["last"][2] if r["last"] else None} for i, r in enumerate(items)]
    frame = pl.DataFrame(rows, schema={
        "risk": pl.Int64, "recorded": pl.Int64, "p_meet": pl.Float64, "signal": pl.Boolean,
        "last_proposed": pl.Int64, "last_p_miss": pl.Float64, "last_signal": pl.Boolean})
    found = risk.proposals(frame, BOUNDS)
    bounds = list(BOUNDS.iter_rows())
    expected = {row["risk"]: slow_proposal(row, bounds, 0.10) for row in rows}
    assert {r: (p, why) for r, p, why in found.select("risk", "proposed", "reason").iter_rows()
            } == {r: v for r, v in expected.items() if v is not None}


def test_a_drop_in_the_chance_of_meeting_proposes_again_only_when_it_matters():
    frame = pl.DataFrame({
        "risk": [1, 2, 3, 4], "recorded": [2, 2, 2, 2], "p_meet": [0.62, 0.55, 0.62, 0.62],
        "signal": [False, False, True, False], "last_proposed": [4, 4, 4, None],
        "last_p_miss": [0.36, 0.30, 0.38, None], "last_signal": [False, False, False, None]})
    found = risk.proposals(frame, BOUNDS)
    # P(miss) 0.38 reads likelihood 3 ("possible"): risks 1–3 last had 4 proposed, so the
    # level moved; risk 4 has never had a proposal.
    assert found.rows() == [(1, pytest.approx(0.38), 3, "the forecast moved to another level"),
                            (2, pytest.approx(0.45), 3, "the forecast moved to another level"),
                            (3, pytest.approx(0.38), 3, "the forecast moved to another level"),
                            (4, pytest.approx(0.38), 3, "first forecast")]


def test_the_heat_map_counts_every_cell_and_the_movements():
    frame = pl.DataFrame({"likelihood": [4, 4, 2, 4], "impact": [3, 3, 5, 3],
                          "previous_score": [9, None, 10, 16]},
                         schema={"likelihood": pl.Int64, "impact": pl.Int64,
                                 "previous_score": pl.Int64})
    grid = risk.heat_map(frame)
    assert grid.height == 25
    assert grid.filter(pl.col("count") > 0).rows() == [
        (4, 3, 3, 1, 1, 1, 12), (2, 5, 1, 0, 0, 0, 10)]
    assert grid["count"].sum() == 4
