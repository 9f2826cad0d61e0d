"""Funnel plot control limits: exact binomial limits for proportions, exact Poisson limits
for counts and rates, at 95% and 99.8%.

Method
    Spiegelhalter D J (2005), "Funnel plots for comparing institutional performance",
    Statistics in Medicine 24(8): 1185–1202, doi:10.1002/sim.1970, the appendix on exact
    limits for discrete data. For a point with denominator n, the count it would show if
    it were exactly on the benchmark follows

    - proportions: R ~ Binomial(n, θ), θ the benchmark proportion (n a whole number);
    - counts and rates: R ~ Poisson(E), E = θ × n the expected count, θ the benchmark
      rate per unit of denominator (population, person-years).

    For each probability P of a limit (0.025 and 0.975 for the 95% limits, 0.001 and 0.999
    for the 99.8% limits), r_P is the smallest whole number with F(r_P) = Pr(R ≤ r_P) ≥ P.
    Because R is discrete, the limit is interpolated between r_P − 1 and r_P:

        α = (F(r_P) − P) / (F(r_P) − F(r_P − 1)),     limit = (r_P − α) / n,

    so that, with F read as rising in a straight line from F(r_P − 1) at r_P − 1 to
    F(r_P) at r_P, the limit is where it crosses P. A limit the interpolation puts below
    0 (possible only when r_P = 0) is reported as 0: no count is below 0, so this moves
    the line drawn and never the band of a point. Limits are shown on the scale of the
    indicator's values: the ratio times the indicator's multiplier (100 for a percentage,
    100,000 for a rate per 100,000).

    This is not the Wilson-score and Byar approximations of the public health funnel
    tools (PHE Fingertips; PHEindicatormethods' ``calculate_funnel_limits``), which give
    smooth limits; the exact quantiles are what the limits here are tested against.

Band of a point
    Its count (numerator) against the count limits r_P − α: "within_95" inside or on the
    95% limits; "high_95" / "low_95" beyond a 95% limit but inside or on the 99.8% one;
    "high_99_8" / "low_99_8" beyond a 99.8% limit. "none" when there are no limits, with
    the reason.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import binom, poisson

MEASURES = ("proportion", "rate")
METHODS = {
    "proportion": "exact binomial quantiles, interpolated as Spiegelhalter (2005)",
    "rate": "exact Poisson quantiles, interpolated as Spiegelhalter (2005)",
}
LIMITS = {  # column: probability of the limit
    "lower_99_8": 0.001, "lower_95": 0.025, "upper_95": 0.975, "upper_99_8": 0.999,
}
BANDS = ("within_95", "high_95", "high_99_8", "low_95", "low_99_8", "none")


def interpolated_quantile(distribution, probability: float, *shape: np.ndarray) -> np.ndarray:
    """r_P − α of the method, for each point of ``shape`` (the distribution's parameters,
    broadcast), floored at 0."""
    r = distribution.ppf(probability, *shape)
    # The library's quantile is computed in floating point; one step either way makes it
    # the smallest r with F(r) ≥ P as the cdf itself reads.
    r = np.where(distribution.cdf(r - 1, *shape) >= probability, r - 1, r)
    at = distribution.cdf(r, *shape)
    short = at < probability
    r = np.where(short, r + 1, r)
    at = np.where(short, distribution.cdf(r, *shape), at)
    before = distribution.cdf(r - 1, *shape)
    alpha = (at - probability) / (at - before)
    return np.maximum(r - alpha, 0.0)


def count_limits(measure: str, denominator: np.ndarray, benchmark: np.ndarray
                 ) -> dict[str, np.ndarray]:
    """The four limits on the count scale (r_P − α) for every point at once; the inputs
    must already be valid (see ``funnel_points``)."""
    denominator = np.asarray(denominator, dtype=np.float64)
    benchmark = np.asarray(benchmark, dtype=np.float64)
    if measure == "proportion":
        return {name: interpolated_quantile(binom, p, denominator, benchmark)
                for name, p in LIMITS.items()}
    if measure == "rate":
        expected = benchmark * denominator
        return {name: interpolated_quantile(poisson, p, expected)
                for name, p in LIMITS.items()}
    raise ValueError(f"the measure must be one of {', '.join(MEASURES)}; it is {measure!r}")


def funnel_points(points: pl.DataFrame) -> pl.DataFrame:
    """Add the control limits and the band to each point.

    ``points`` has ``measure`` ("proportion" or "rate"), ``numerator``, ``denominator``,
    ``benchmark`` (on the value scale) and ``multiplier`` (value = numerator /
    denominator × multiplier). Adds ``funnel_value``, ``lower_99_8``, ``lower_95``,
    ``upper_95``, ``upper_99_8`` (value scale), ``band``, ``method`` and ``reason`` (why a
    point has no limits; null when it has them)."""
    unknown = points.filter(~pl.col("measure").is_in(MEASURES))["measure"].unique()
    if unknown.len():
        raise ValueError(f"the measure must be one of {', '.join(MEASURES)}; found "
                         f"{', '.join(map(repr, unknown.to_list()))}")
    frame = points.with_columns(
        pl.col("numerator", "denominator", "benchmark", "multiplier").cast(pl.Float64))
    numerator = frame["numerator"].fill_null(np.nan).to_numpy()
    denominator = frame["denominator"].fill_null(np.nan).to_numpy()
    multiplier = frame["multiplier"].fill_null(np.nan).to_numpy()
    ratio = frame["benchmark"].fill_null(np.nan).to_numpy() / multiplier
    proportion = (frame["measure"] == "proportion").to_numpy()
    reason = _reasons(proportion, numerator, denominator, ratio, multiplier)
    valid = reason == ""

    limits = {name: np.full(len(frame), np.nan) for name in LIMITS}
    for measure, chosen in (("proportion", proportion), ("rate", ~proportion)):
        rows = np.flatnonzero(valid & chosen)
        if rows.size:
            for name, count in count_limits(measure, denominator[rows], ratio[rows]).items():
                limits[name][rows] = count

    band = np.full(len(frame), "none", dtype=object)
    band[valid] = "within_95"
    for side, beyond in (("high", lambda o, lim: o > lim), ("low", lambda o, lim: o < lim)):
        edge = "upper" if side == "high" else "lower"
        with np.errstate(invalid="ignore"):
            band[valid & beyond(numerator, limits[f"{edge}_95"])] = f"{side}_95"
            band[valid & beyond(numerator, limits[f"{edge}_99_8"])] = f"{side}_99_8"

    scale = multiplier / denominator
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(valid, numerator * scale, np.nan)
    return frame.with_columns(
        pl.Series("funnel_value", value).fill_nan(None),
        *[pl.Series(name, limits[name] * scale).fill_nan(None) for name in LIMITS],
        band=pl.Series(band.tolist(), dtype=pl.String),
        method=pl.when(pl.Series(valid)).then(
            pl.col("measure").replace_strict(METHODS, return_dtype=pl.String)),
        reason=pl.Series(np.where(valid, None, reason).tolist(), dtype=pl.String),
    )


def _reasons(proportion: np.ndarray, numerator: np.ndarray, denominator: np.ndarray,
             ratio: np.ndarray, multiplier: np.ndarray) -> np.ndarray:
    """Why each point can have no limits ("" when it can); the first reason that applies."""
    reason = np.full(len(numerator), "", dtype=object)
    checks = [
        (~np.isfinite(ratio), "no benchmark"),
        (~(multiplier > 0), "the multiplier is not above 0"),
        (proportion & ~((ratio > 0) & (ratio < 1)),
         "the benchmark proportion is not strictly between 0 and 1"),
        (~proportion & ~(ratio > 0), "the benchmark rate is not above 0"),
        (~(numerator >= 0), "no numerator, or one below 0"),
        (~(denominator > 0) | ~np.isfinite(denominator), "no denominator, or one not above 0"),
        (proportion & (denominator != np.round(denominator)),
         "the denominator of a proportion is not a whole number"),
        (proportion & (numerator > denominator), "the numerator is above the denominator"),
    ]
    with np.errstate(invalid="ignore"):
        for failed, text in reversed(checks):
            reason[failed] = text
    return reason
