"""Tests for joinedup.core.inequality: the SII and RII and their intervals.

1. ``regression_indices`` equals the per-group reference (numpy ``lstsq`` on the
   √w-scaled design, statsmodels' WLS ``conf_int``, Fieller from statsmodels'
   covariance) to 1e-9, on generated groups and on the demo's real wards and LSOAs.
2. Fieller's ends are where statsmodels' own t-test of Y₁ − ρY₀ = 0 is exactly at the
   critical t.
3. A hand-worked example of four wards, and the PHEindicatormethods example data.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.inequality_reference import reference_indices, relative_ranks
from scipy import stats
from test_gaps import frames, real_inputs  # noqa: F401 - a fixture, shared

from joinedup.core.gaps import area_gaps
from joinedup.core.inequality import INDEX_COLUMNS, regression_indices

TOLERANCE = 1e-9


def close(a, b, conditioning: float = 1.0) -> bool:
    """Equal to within rounding; ``conditioning`` widens the tolerance for a ratio whose
    denominator is small beside the figures it was fitted from, where any two correct
    computations differ by the rounding magnified that many times."""
    if a is None or b is None:
        return a is None and b is None
    tolerance = TOLERANCE * max(1.0, conditioning)
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


RATIOS = {"rii", "rii_lower", "rii_upper"}


def ranked_frame(groups: list[tuple[list[float], list[float], list[float]]]) -> pl.DataFrame:
    rows = [{"group": g, "weight": w, "relative_rank": x, "value": y}
            for g, (xs, ys, ws) in enumerate(groups) for x, y, w in zip(xs, ys, ws, strict=True)]
    return pl.DataFrame(rows, schema={"group": pl.UInt32, "weight": pl.Float64,
                                      "relative_rank": pl.Float64, "value": pl.Float64})


def assert_groups_match(groups, confidence=0.95):
    result = regression_indices(ranked_frame(groups), confidence=confidence).sort("group")
    assert result["group"].to_list() == list(range(len(groups)))
    for row, (xs, ys, ws) in zip(result.iter_rows(named=True), groups, strict=True):
        want = reference_indices(xs, ys, ws, confidence)
        assert row["areas"] == len(xs)
        y0 = row["fitted_most_deprived"]
        conditioning = (max(abs(y) for y in ys) / abs(y0)) if y0 else 1.0
        for name in INDEX_COLUMNS:
            assert close(row[name], want[name], conditioning if name in RATIOS else 1.0), (
                name, row[name], want[name])


@st.composite
def groups(draw):
    result = []
    for _ in range(draw(st.integers(1, 4))):
        n = draw(st.integers(3, 30))
        ranks = draw(st.lists(st.integers(1, draw(st.integers(1, 12))), min_size=n, max_size=n))
        weights = draw(st.lists(st.sampled_from([1.0, 250.0, 1234.0, 5000.0, 17.0]),
                                min_size=n, max_size=n))
        level = draw(st.floats(-1e3, 1e3, allow_nan=False))
        slope = draw(st.floats(-50, 50, allow_nan=False))
        noise = draw(st.lists(st.floats(-20, 20, allow_nan=False), min_size=n, max_size=n))
        xs = relative_ranks(ranks, weights)
        result.append((xs, [level + slope * x + e for x, e in zip(xs, noise, strict=True)],
                       weights))
    return result


@settings(max_examples=200, deadline=None)
@given(groups(), st.sampled_from([0.95, 0.95, 0.998]))
def test_indices_equal_weighted_least_squares(drawn, confidence):
    assert_groups_match(drawn, confidence)


def test_real_wards_and_lsoas_equal_weighted_least_squares(real_inputs):  # noqa: F811
    values, areas = real_inputs
    gaps = area_gaps(*frames(values, areas))
    area_by_code = {a["area"]: a for a in areas}
    checked = 0
    for row in gaps.filter(pl.col("sii").is_not_null()).iter_rows(named=True):
        members = [(area_by_code[v["area"]], v["value"]) for v in values
                   if v["indicator"] == row["indicator"] and v["period"] == row["period"]
                   and v["area"] in area_by_code
                   and area_by_code[v["area"]]["level"] == row["level"]
                   and v["value"] is not None and not math.isnan(v["value"])
                   and area_by_code[v["area"]]["deprivation_rank"] is not None]
        weights = ([float(a["population"]) for a, _ in members]
                   if row["weighting"] == "population" else [1.0] * len(members))
        xs = relative_ranks([a["deprivation_rank"] for a, _ in members], weights)
        want = reference_indices(xs, [v for _, v in members], weights)
        for name in INDEX_COLUMNS:
            assert close(row[name], want[name]), (name, row, want)
        checked += 1
    assert checked == gaps.filter(pl.col("sii").is_not_null()).height >= 7


def test_fieller_ends_are_where_the_ratio_test_is_exactly_critical():
    # At each end ρ of the RII's interval, the t-statistic of Y₁ − ρY₀ = (1 − ρ)β₀ + β₁
    # is ± the 97.5% point of t on n − 2 degrees of freedom.
    xs = relative_ranks(list(range(1, 11)), [900, 1100, 1000, 950, 1200, 800, 1000, 1050,
                                             990, 1010])
    ys = [70.1, 72.3, 71.8, 74.0, 75.5, 74.9, 77.2, 78.0, 77.6, 80.3]
    weights = [900, 1100, 1000, 950, 1200, 800, 1000, 1050, 990, 1010]
    row = regression_indices(ranked_frame([(xs, ys, weights)])).row(0, named=True)
    fit = sm.WLS(ys, sm.add_constant(xs), weights=weights).fit()
    critical = stats.t.ppf(0.975, 8)
    for end in (row["rii_lower"], row["rii_upper"]):
        t_value = fit.t_test(np.array([[1 - end, 1.0]])).tvalue.item()
        assert abs(t_value) == pytest.approx(critical, rel=1e-9)
    assert row["rii_lower"] < row["rii"] < row["rii_upper"]


def test_four_wards_by_hand():
    # The four wards of test_gaps' worked example: shares 0.1, 0.2, 0.3, 0.4 at
    # relative ranks 0.05, 0.2, 0.45, 0.8; values 70, 74, 75, 80.
    # Line: slope 11.8, intercept 70.4 (x̄ = 0.5, ȳ = 76.3, Sxx = 0.075, Sxy = 0.885).
    # Fitted: 70.99, 72.76, 75.71, 79.84; residuals −0.99, 1.24, −0.71, 0.16.
    # Σ a·e² = 0.1·0.9801 + 0.2·1.5376 + 0.3·0.5041 + 0.4·0.0256 = 0.567
    # s² = 0.567 / (4 − 2) = 0.2835;  SE(SII) = √(0.2835 / 0.075) = √3.78
    # t(0.975, 2 df) = 4.302652729749464 (tables: 4.303)
    # SII = 11.8 ± 4.3027·1.9442 = 11.8 ± 8.3653 → 3.4347 to 20.1653
    # RII = Y₁ / Y₀ = 82.2 / 70.4 = 1.16761...
    # Fieller: V₀₀ = V₁₁ = s²(1 + 0.25/0.075) = 1.2285, V₀₁ = s²(1 − 0.25/0.075) = −0.6615
    #   A = 70.4² − t²·1.2285, B = 70.4·82.2 + t²·0.6615, C = 82.2² − t²·1.2285
    #   = 4933.417, 5799.126, 6734.097; B² − AC = 407756, √ = 638.56
    #   ends (B ∓ √(B² − AC)) / A = 5160.57 / 4933.417 = 1.04604 and 1.30491
    t = 4.302652729749464
    xs, ys, shares = [0.05, 0.2, 0.45, 0.8], [70, 74, 75, 80], [100, 200, 300, 400]
    row = regression_indices(ranked_frame([(xs, ys, shares)])).row(0, named=True)
    half = t * math.sqrt(3.78)
    assert (row["fitted_most_deprived"], row["fitted_least_deprived"]) == pytest.approx(
        (70.4, 82.2), abs=1e-12)
    assert row["sii"] == pytest.approx(11.8, abs=1e-12)
    assert (row["sii_lower"], row["sii_upper"]) == pytest.approx(
        (11.8 - half, 11.8 + half), abs=1e-12)
    assert (row["sii_lower"], row["sii_upper"]) == pytest.approx((3.4347, 20.1653), abs=1e-4)
    assert row["rii"] == pytest.approx(82.2 / 70.4, abs=1e-15)
    a = 70.4 ** 2 - t ** 2 * 1.2285
    b = 70.4 * 82.2 + t ** 2 * 0.6615
    c = 82.2 ** 2 - t ** 2 * 1.2285
    ends = ((b - math.sqrt(b * b - a * c)) / a, (b + math.sqrt(b * b - a * c)) / a)
    assert (row["rii_lower"], row["rii_upper"]) == pytest.approx(ends, rel=1e-12)
    assert (row["rii_lower"], row["rii_upper"]) == pytest.approx((1.04604, 1.30491), abs=1e-5)


def test_phe_example_deciles():
    # The example data of PHEindicatormethods' phe_sii documentation: two areas' life
    # expectancy by deprivation decile (1 most deprived), with decile populations.
    area1 = ([7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534],
             [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3])
    area2 = ([21675, 20065, 19750, 24713, 20112, 19618, 22408, 19752, 18939, 19312],
             [70.5, 71.6, 72.5, 73.5, 73.1, 76.2, 78.7, 80.6, 80.9, 80])
    groups = [(relative_ranks(list(range(1, 11)), [float(p) for p in people]), values,
               [float(p) for p in people]) for people, values in (area1, area2)]
    assert_groups_match(groups)
    rows = regression_indices(ranked_frame(groups)).sort("group").to_dicts()
    # Life expectancy rises away from deprivation in both: SII > 0 and RII > 1.
    assert all(r["sii"] > 0 and r["rii"] > 1 for r in rows)
    # (The package's own output for this data is simulated; these are the least-squares
    # figures, which both the reference and the kernel give.)
    assert [round(r["sii"], 2) for r in rows] == [7.0, 12.62]


def test_degenerate_groups_and_bad_confidence():
    one_band = ranked_frame([([0.5, 0.5, 0.5], [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])])
    row = regression_indices(one_band).row(0, named=True)
    assert row["bands"] == 1 and all(row[name] is None for name in INDEX_COLUMNS)
    # A line through zero at the most deprived end has no RII.
    through_zero = ranked_frame([([0.25, 0.5, 0.75], [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])])
    row = regression_indices(through_zero).row(0, named=True)
    assert row["fitted_most_deprived"] == pytest.approx(0, abs=1e-12)
    # (a perfect fit: the interval is the point, and Y₀ is not far enough from zero)
    assert row["sii_lower"] == pytest.approx(4) and row["rii_lower"] is None
    with pytest.raises(ValueError, match="confidence"):
        regression_indices(through_zero, confidence=95)


def test_area_gaps_carry_the_indices_and_null_them_for_too_few_areas():
    values, areas = frames(
        [{"indicator": "LE", "area": f"W{i}", "period": "2019",
          "period_start": date(2019, 1, 1), "value": v, "polarity": "up"}
         for i, v in enumerate([70.0, 74.0])],
        [{"area": f"W{i}", "level": "ward", "deprivation_rank": i + 1, "population": 100}
         for i in range(2)])
    row = area_gaps(values, areas).row(0, named=True)
    assert all(row[name] is None for name in INDEX_COLUMNS)
