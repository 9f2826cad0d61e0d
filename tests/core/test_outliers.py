"""Tests for joinedup.core.outliers: data-quality outliers, each value left out of its own
baseline.

1. The vectorised kernel equals a slow per-series, per-point loop over Python's
   ``statistics`` (tests/core/reference/outliers_reference.py), on generated frames and
   on the real demonstration data.
2. Worked examples computed by hand, step by step, and the published facts they rest on:
   the 0.6745 constant is Φ⁻¹(0.75) (Iglewicz & Hoaglin 1993; NIST/SEMATECH e-Handbook
   §1.3.5.17), and a self-including z-score can never exceed (n − 1)/√n (Shiffler 1988,
   "Maximum Z scores and outliers", The American Statistician 42:79–80), which is how a
   value hides itself in a short series under DHIS2's method.
3. Edge cases: empty and short series, zero spread, missing values, negatives, margins.
"""

from __future__ import annotations

import math
import statistics
from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.outliers_reference import reference_outliers, reference_score

from joinedup.core.outliers import (
    MODIFIED_Z_CONSTANT,
    NO_SPREAD,
    NO_VALUE,
    REASONS,
    TESTED,
    TOO_FEW_POINTS,
    assess_outliers,
    outliers_panel,
    score_new_value,
)
from joinedup.core.panel import build_panel
from joinedup.core.parameters import OutlierParameters, ParameterError

METHODS = ("modified_z", "z", "min_max")
KEYS = ("indicator", "area")
ORDER = ("period_start", "period_end")


def quarter(j: int) -> tuple[date, date]:
    start = date(2000 + j // 4, 1 + 3 * (j % 4), 1)
    end = date(2000 + (j + 1) // 4, 1 + 3 * ((j + 1) % 4), 1)
    return start, end


def frame_of(series: dict[tuple[str, str], list[float | None]]) -> pl.DataFrame:
    rows = []
    for (indicator, area), values in series.items():
        for j, value in enumerate(values):
            rows.append((indicator, area, *quarter(j), value))
    return pl.DataFrame(rows, orient="row", schema={
        "indicator": pl.String, "area": pl.String, "period_start": pl.Date,
        "period_end": pl.Date, "value": pl.Float64})


def one_series(values, parameters=OutlierParameters()) -> pl.DataFrame:
    return assess_outliers(frame_of({("i", "a"): values}), parameters)


def assert_matches_reference(frame: pl.DataFrame, parameters: OutlierParameters) -> None:
    got = assess_outliers(frame, parameters)
    want = reference_outliers(frame, parameters)
    assert got.columns == [*frame.columns, "outlier", "outlier_score", "outlier_reason"]
    assert got.select(frame.columns).equals(frame)  # same rows, same order
    assert got.schema["outlier"] == pl.Boolean and got.schema["outlier_score"] == pl.Float64
    assert got["outlier_reason"].to_list() == want["outlier_reason"].to_list()
    got_scores, want_scores = got["outlier_score"].to_list(), want["outlier_score"].to_list()
    assert [s is None for s in got_scores] == [s is None for s in want_scores]
    flags = list(zip(got["outlier"].to_list(), want["outlier"].to_list(), want_scores,
                     strict=True))
    if parameters.method == "z":
        # The reference's mean and sd are exact (fractions); ours are floating point, so
        # a score landing exactly on the threshold may round either way.
        for got_score, want_score in zip(got_scores, want_scores, strict=True):
            if want_score is not None:
                assert math.isclose(got_score, want_score, rel_tol=1e-12, abs_tol=1e-12)
        threshold = parameters.z_threshold
        flags = [f for f in flags
                 if f[2] is None or not math.isclose(f[2], threshold, rel_tol=1e-12)]
    else:
        assert got_scores == want_scores  # same floating-point operations: bit for bit
    assert all(got_flag == want_flag for got_flag, want_flag, _ in flags)


# --- 1. reference: generated frames and the real data ---------------------------------

magnitudes = st.one_of(st.just(0.0), st.floats(1e-3, 1e6), st.floats(1e-3, 10.0))
signed = st.tuples(magnitudes, st.booleans()).map(lambda p: -p[0] if p[1] else p[0])
value_kinds = {
    "small integers": st.integers(-4, 4).map(float),  # many ties
    "eighths": st.integers(-800, 800).map(lambda v: v / 8),
    "floats": signed,
}


@st.composite
def series_values(draw) -> list[float | None]:
    n = draw(st.integers(0, 40))
    kind = draw(st.sampled_from([*value_kinds, "constant"]))
    if kind == "constant":
        values = [draw(signed)] * n
    else:
        values = draw(st.lists(value_kinds[kind], min_size=n, max_size=n))
    if n and draw(st.booleans()):
        wild = draw(st.sampled_from([1000.0, -1000.0, 1e5, 12.5]))
        values[draw(st.integers(0, n - 1))] = wild
    if n and draw(st.booleans()):
        for j in draw(st.lists(st.integers(0, n - 1), max_size=4)):
            values[j] = draw(st.sampled_from([None, math.nan]))
    return values


@st.composite
def frames(draw) -> pl.DataFrame:
    count = draw(st.integers(0, 6))
    series = {(draw(st.sampled_from("AB")), f"area{k}"): draw(series_values())
              for k in range(count)}
    frame = frame_of(series)
    order = draw(st.permutations(range(frame.height)))
    return frame[list(order)] if frame.height else frame


parameter_sets = st.builds(
    OutlierParameters,
    method=st.sampled_from(METHODS),
    modified_z_threshold=st.sampled_from([0.5, 1.0, 2.0, 3.5, 5.0]),
    z_threshold=st.sampled_from([1.0, 2.0, 3.0]),
    min_max_margin=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    min_points=st.integers(2, 8),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), parameters=parameter_sets)
def test_vectorised_equals_the_per_series_loop(frame, parameters):
    assert_matches_reference(frame, parameters)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("min_points", [3, 5])
def test_vectorised_equals_the_per_series_loop_on_real_data(demo_sources, method, min_points):
    parameters = OutlierParameters(method=method, min_points=min_points)
    assert_matches_reference(demo_sources.values, parameters)


def test_real_data_has_outliers_and_each_reason(demo_sources):
    result = assess_outliers(demo_sources.values, OutlierParameters(min_points=3))
    assert result["outlier"].sum() == 216
    # every demo row has a value, so "no value" never arises
    assert set(result["outlier_reason"].unique().to_list()) == {
        None, "too few points", "no spread in the other values"}


@settings(max_examples=100, deadline=None)
@given(values=series_values().filter(lambda v: v and v[-1] is not None
                                     and not math.isnan(v[-1])),
       parameters=parameter_sets)
def test_score_new_value_agrees_with_the_last_point(values, parameters):
    history, value = values[:-1], values[-1]
    assessed = one_series(values, parameters).row(-1, named=True)
    outlier, score, reason = score_new_value(history, value, parameters)
    assert (outlier, score, reason) == (
        assessed["outlier"], assessed["outlier_score"], assessed["outlier_reason"])
    others = [h for h in history if h is not None and not math.isnan(h)]
    want = reference_score(others, value, parameters)
    assert reason == want[2]
    if parameters.method != "z":
        assert (outlier, score) == want[:2]
    else:
        # exact reference arithmetic against floating point, as in assert_matches_reference
        assert (score is None) == (want[1] is None)
        if score is not None:
            assert math.isclose(score, want[1], rel_tol=1e-12, abs_tol=1e-12)
            if not math.isclose(want[1], parameters.z_threshold, rel_tol=1e-12):
                assert outlier == want[0]
        else:
            assert (outlier, want[0]) == (False, False)


# --- 2. worked examples and published facts -------------------------------------------

def test_the_constant_is_the_upper_quartile_of_the_standard_normal():
    # Iglewicz & Hoaglin: E(MAD) = 0.6745σ for normal data, so 0.6745·(x − median)/MAD
    # is on the scale of a z-score (NIST/SEMATECH e-Handbook §1.3.5.17).
    assert MODIFIED_Z_CONSTANT == round(statistics.NormalDist().inv_cdf(0.75), 4) == 0.6745


TEN_NEAR_TEN_AND_A_WILD_ONE = [10, 12, 11, 13, 10, 11, 12, 1000, 11, 12, 10]


def test_modified_z_worked_by_hand_flags_the_wild_value():
    result = one_series(TEN_NEAR_TEN_AND_A_WILD_ONE)
    # x = 1000. Others, sorted: 10 10 10 11 11 11 12 12 12 13 (ten values).
    #   median(others) = (5th + 6th) / 2 = (11 + 11) / 2 = 11
    #   |others − 11|, sorted: 0 0 0 1 1 1 1 1 1 2  ->  MAD = (1 + 1) / 2 = 1
    #   M = 0.6745 × |1000 − 11| / 1 = 0.6745 × 989 = 667.0805  > 3.5: outlier
    # x = 10. Others, sorted: 10 10 11 11 11 12 12 12 13 1000.
    #   median = (11 + 12) / 2 = 11.5
    #   |others − 11.5|: 1.5 1.5 0.5 0.5 0.5 0.5 0.5 0.5 1.5 988.5
    #   sorted: 0.5 ×6, 1.5 ×3, 988.5  ->  MAD = (0.5 + 0.5) / 2 = 0.5
    #   M = 0.6745 × |10 − 11.5| / 0.5 = 2.0235  <= 3.5: not an outlier
    # x = 11. Others, sorted: 10 10 10 11 11 12 12 12 13 1000.
    #   median = (11 + 12) / 2 = 11.5
    #   |others − 11.5| sorted: 0.5 ×5, 1.5 ×4, 988.5  ->  MAD = (0.5 + 1.5) / 2 = 1
    #   M = 0.6745 × 0.5 / 1 = 0.33725
    # x = 12. Others, sorted: 10 10 10 11 11 11 12 12 13 1000.
    #   median = (11 + 11) / 2 = 11; |others − 11| sorted: 0 0 0 1 1 1 1 1 2 989
    #   MAD = (1 + 1) / 2 = 1;  M = 0.6745 × 1 / 1 = 0.6745
    # x = 13. Others, sorted: 10 10 10 11 11 11 12 12 12 1000.
    #   median = (11 + 11) / 2 = 11; |others − 11| sorted: 0 0 0 1 1 1 1 1 1 989
    #   MAD = (1 + 1) / 2 = 1;  M = 0.6745 × 2 / 1 = 1.349
    by_value = {10: 2.0235, 11: 0.33725, 12: 0.6745, 13: 1.349, 1000: 667.0805}
    expected = [by_value[v] for v in TEN_NEAR_TEN_AND_A_WILD_ONE]
    assert result["outlier_score"].to_list() == pytest.approx(expected, rel=1e-12)
    assert result["outlier"].to_list() == [v == 1000 for v in TEN_NEAR_TEN_AND_A_WILD_ONE]
    assert result["outlier_reason"].null_count() == result.height


@pytest.mark.parametrize("method", METHODS)
def test_every_method_flags_only_the_wild_value(method):
    result = one_series(TEN_NEAR_TEN_AND_A_WILD_ONE, OutlierParameters(method=method))
    assert result["outlier"].to_list() == [v == 1000 for v in TEN_NEAR_TEN_AND_A_WILD_ONE]


def self_including_z(values, i):
    """DHIS2-style z-score: the tested value is part of its own mean and sd."""
    return abs(values[i] - statistics.mean(values)) / statistics.stdev(values)


def self_including_modified_z(values, i):
    median = statistics.median(values)
    mad = statistics.median([abs(v - median) for v in values])
    return 0.6745 * abs(values[i] - median) / mad


def test_a_self_including_z_score_cannot_exceed_shifflers_bound():
    # Shiffler (1988): with the value included, |z| <= (n − 1)/√n, reached when the other
    # n − 1 values are equal. For n = 10 that is 9/√10 = 2.846 < 3: nothing in a series of
    # ten points can ever be flagged, however wild.
    nine_tens_and_a_wild_one = [10.0] * 9 + [1000.0]
    assert self_including_z(nine_tens_and_a_wild_one, 9) == pytest.approx(9 / math.sqrt(10))
    assert 9 / math.sqrt(10) < 3


def test_leaving_the_value_out_catches_what_inclusion_masks_z_score():
    series = [10, 12, 11, 13, 10, 11, 12, 1000, 11, 12]  # nine values near 10, then 1000
    # Included: mean = 1102 / 10 = 110.2; sum of squares = 1,001,164, so the sum of
    # squared deviations = 1,001,164 − 10 × 110.2² = 879,723.6, sd = √(879,723.6 / 9)
    # = 312.645..., and z = (1000 − 110.2) / 312.645... = 2.846 < 3.
    assert self_including_z(series, 7) == pytest.approx(2.8460369534671512, rel=1e-12)
    assert self_including_z(series, 7) < 3
    # Left out: others 10 12 11 13 10 11 12 11 12 have sum 102 and mean 102/9 = 11.333...;
    # their sum of squares is 1164, so the sum of squared deviations = 1164 − 102²/9 = 8,
    # sd = √(8 / 8) = 1, and z = (1000 − 11.333...) / 1 = 988.666...
    result = one_series(series, OutlierParameters(method="z"))
    expected = 1000 - 102 / 9
    assert result["outlier_score"][7] == pytest.approx(expected, rel=1e-12)
    assert result["outlier"].to_list() == [False] * 7 + [True] + [False] * 2


def test_leaving_the_value_out_catches_what_inclusion_masks_modified_z():
    series = [10, 11, 12, 13, 17]
    # Included (DHIS2-style): median(10 11 12 13 17) = 12
    #   |x − 12|: 2 1 0 1 5, sorted 0 1 1 2 5 -> MAD = 1
    #   M(17) = 0.6745 × 5 / 1 = 3.3725 <= 3.5: the 17 hides itself.
    assert self_including_modified_z(series, 4) == pytest.approx(3.3725, rel=1e-12)
    # Left out: others 10 11 12 13, median = (11 + 12) / 2 = 11.5
    #   |others − 11.5|: 1.5 0.5 0.5 1.5, sorted 0.5 0.5 1.5 1.5 -> MAD = (0.5 + 1.5) / 2 = 1
    #   M(17) = 0.6745 × 5.5 / 1 = 3.70975 > 3.5: flagged.
    result = one_series(series)
    assert result["outlier_score"][4] == pytest.approx(3.70975, rel=1e-12)
    assert result["outlier"].to_list() == [False] * 4 + [True]
    assert score_new_value(series[:4], 17, OutlierParameters()) == (
        True, pytest.approx(3.70975, rel=1e-12), None)


def test_the_tested_value_does_not_move_its_own_baseline():
    history = [3.0, 5.0, 4.0, 6.0, 4.5, 5.5]
    # median of the history = (4.5 + 5) / 2 = 4.75; |h − 4.75|: 1.75 0.25 0.75 1.25 0.25
    # 0.75, sorted 0.25 0.25 0.75 0.75 1.25 1.75 -> MAD = 0.75
    for value in (4.75, 7.0, 12.0, -100.0, 1e9):
        _, score, _ = score_new_value(history, value, OutlierParameters())
        assert score == pytest.approx(0.6745 * abs(value - 4.75) / 0.75, rel=1e-12)


# --- 3. edge cases --------------------------------------------------------------------

def test_empty_frame():
    frame = frame_of({})
    result = assess_outliers(frame)
    assert result.height == 0
    assert result.schema["outlier"] == pl.Boolean
    assert result.schema["outlier_score"] == pl.Float64
    assert result.schema["outlier_reason"] == pl.String


def test_a_series_without_values():
    result = one_series([None, math.nan, None])
    assert result["outlier"].to_list() == [False] * 3
    assert result["outlier_score"].to_list() == [None] * 3
    assert result["outlier_reason"].to_list() == ["no value"] * 3


@pytest.mark.parametrize("method", METHODS)
def test_too_few_points(method):
    parameters = OutlierParameters(method=method, min_points=5)
    short = one_series([1.0, 2.0, 30.0, 4.0], parameters)  # 3 others each: too few
    assert short["outlier_reason"].to_list() == ["too few points"] * 4
    assert short["outlier_score"].null_count() == 4 and not short["outlier"].any()
    enough = one_series([1.0, 2.0, 30.0, 4.0, 3.0], parameters)  # 4 others: tested
    assert enough["outlier_reason"].null_count() == 5


def test_missing_values_are_not_points_of_the_series():
    # Five rows, but the null is no point: the others of each value are three.
    result = one_series([1.0, None, 2.0, 30.0, 4.0])
    assert result["outlier_reason"].to_list() == [
        "too few points", "no value", "too few points", "too few points", "too few points"]
    assert one_series([1.0, None, 2.0, 30.0, 4.0, 3.0])["outlier_reason"].to_list() == [
        None, "no value", None, None, None, None]
    infinite = one_series([1.0, math.inf, 2.0, 30.0, 4.0, 3.0])
    assert infinite["outlier_reason"][1] == "no value"
    assert infinite["outlier_score"].to_list() == one_series(
        [1.0, None, 2.0, 30.0, 4.0, 3.0])["outlier_score"].to_list()


def test_zero_spread_is_skipped_with_a_reason():
    constant = one_series([7.0] * 8)
    assert constant["outlier_reason"].to_list() == ["no spread in the other values"] * 8
    assert constant["outlier_score"].null_count() == 8 and not constant["outlier"].any()
    # More than half the others equal: MAD = 0 for every point under modified z ...
    mostly = [5.0, 5.0, 5.0, 5.0, 5.0, 9.0]
    assert one_series(mostly)["outlier_reason"].to_list() == [
        "no spread in the other values"] * 6
    # ... while the z-score has a spread for the 5s (the 9 is among their others), and
    # none for the 9, whose others are all 5.
    z = one_series(mostly, OutlierParameters(method="z"))
    assert z["outlier_reason"].to_list() == [None] * 5 + ["no spread in the other values"]
    # One different value among the others is enough spread for min-max.
    min_max = one_series(mostly, OutlierParameters(method="min_max"))
    assert min_max["outlier_reason"].to_list() == [None] * 5 + [
        "no spread in the other values"]


@pytest.mark.parametrize("method", METHODS)
def test_negative_values_mirror_positive_ones(method):
    values = [0.5, -1.0, 1.5, 0.0, 40.0, 1.0, -0.5, 0.25]
    parameters = OutlierParameters(method=method)
    up = one_series(values, parameters)
    down = one_series([-v for v in values], parameters)
    assert up["outlier"].to_list() == down["outlier"].to_list()
    assert up["outlier_score"].to_list() == pytest.approx(down["outlier_score"].to_list(),
                                                         rel=1e-12)
    if method == "min_max":  # with no margin, min-max also flags the -1 (below -0.5)
        assert up["outlier"].to_list() == [v in (40.0, -1.0) for v in values]
    else:
        assert up["outlier"].to_list() == [v == 40.0 for v in values]


def test_min_max_margins():
    history = [0.0, 10.0, 5.0, 2.0]  # min 0, max 10, range 10
    plain = OutlierParameters(method="min_max")
    assert score_new_value(history, 10.0, plain) == (False, 0.0, None)  # on the bound
    assert score_new_value(history, 10.5, plain) == (True, pytest.approx(0.05), None)
    assert score_new_value(history, -2.0, plain) == (True, pytest.approx(0.2), None)
    widened = OutlierParameters(method="min_max", min_max_margin=0.1)  # bounds -1 and 11
    assert score_new_value(history, 10.5, widened) == (False, 0.0, None)
    assert score_new_value(history, 11.0, widened) == (False, 0.0, None)
    assert score_new_value(history, 12.0, widened) == (True, pytest.approx(0.1), None)
    assert score_new_value(history, -3.0, widened) == (True, pytest.approx(0.2), None)
    assert score_new_value(history, 5.0, widened) == (False, 0.0, None)


def test_score_new_value_without_a_value_or_history():
    assert score_new_value([1.0, 2.0, 3.0, 4.0], None) == (False, None, "no value")
    assert score_new_value([1.0, 2.0, 3.0, 4.0], math.nan) == (False, None, "no value")
    assert score_new_value([], 5.0) == (False, None, "too few points")
    # the history is 1, 2, 3, 4: median 2.5, MAD 1, so M = 0.6745 × 47.5 = 32.03875
    assert score_new_value([1.0, None, 2.0, math.nan, 3.0, 4.0], 50.0) == (
        True, pytest.approx(32.03875), None)


def test_outliers_panel_returns_matrices_and_reason_codes():
    frame = frame_of({("i", "a"): [1.0, 2.0, 3.0, 2.5, 90.0], ("i", "b"): [4.0, 4.0]})
    panel = build_panel(frame, KEYS, ORDER)
    result = outliers_panel(panel, OutlierParameters())
    assert set(result) == {"outlier", "score", "reason"}
    assert all(matrix.shape == (2, 5) for matrix in result.values())
    assert result["outlier"].dtype == bool and result["score"].dtype == float
    assert result["reason"][1].tolist() == [TOO_FEW_POINTS] * 2 + [NO_VALUE] * 3
    assert result["reason"][0].tolist() == [TESTED] * 5
    assert result["outlier"][0].tolist() == [False] * 4 + [True]
    assert np.isnan(result["score"][1]).all()
    assert REASONS == {TESTED: None, NO_VALUE: "no value", TOO_FEW_POINTS: "too few points",
                       NO_SPREAD: "no spread in the other values"}


def test_an_unknown_method_is_refused():
    with pytest.raises(ParameterError, match="outliers.method"):
        one_series([1.0, 2.0, 3.0, 4.0, 5.0], OutlierParameters(method="grubbs"))


def test_other_keys_and_extra_columns_are_kept():
    frame = frame_of({("i", "a"): [1.0, 2.0, 1.5, 2.5, 1.0, 50.0]}).with_columns(
        note=pl.lit("x"))
    result = assess_outliers(frame.drop("indicator"), keys=("area",))
    assert result.columns == ["area", "period_start", "period_end", "value", "note",
                              "outlier", "outlier_score", "outlier_reason"]
    assert result["outlier"].to_list() == [False] * 5 + [True]
