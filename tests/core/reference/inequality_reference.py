"""A slow reference for joinedup.core.inequality: one group at a time, by the textbook.

The line is fitted with ``numpy.linalg.lstsq`` on the √w-scaled design (rows
√wᵢ·[1, xᵢ], targets √wᵢ·yᵢ), as PHE fit it. The SII's interval is statsmodels'
``WLS(...).conf_int``. The RII's Fieller interval is solved from statsmodels' covariance
of the two coefficients, with the quadratic's roots by the school formula.
"""

from __future__ import annotations

from itertools import groupby

import numpy as np
import statsmodels.api as sm
from scipy import stats


def relative_ranks(ranks: list[float], weights: list[float]) -> list[float]:
    """Midpoint of each area's band in the cumulative weight, most deprived (rank 1) first;
    areas tied on rank share one band."""
    order = sorted(range(len(ranks)), key=lambda i: ranks[i])
    total = sum(weights)
    result = [0.0] * len(ranks)
    before = 0.0
    for _rank, band in groupby(order, key=lambda i: ranks[i]):
        band = list(band)
        band_weight = sum(weights[i] for i in band)
        for i in band:
            result[i] = (before + band_weight / 2) / total
        before += band_weight
    return result


def reference_indices(x: list[float], y: list[float], w: list[float],
                      confidence: float = 0.95) -> dict:
    """SII and RII with intervals for one group, or Nones when there is no line."""
    empty = dict.fromkeys(["fitted_most_deprived", "fitted_least_deprived", "sii",
                           "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper"])
    if len(set(x)) < 2:
        return empty
    x, y, w = np.asarray(x, float), np.asarray(y, float), np.asarray(w, float)
    root_w = np.sqrt(w)
    design = np.column_stack([root_w, x * root_w])
    (intercept, slope), *_ = np.linalg.lstsq(design, y * root_w, rcond=None)
    fit = sm.WLS(y, sm.add_constant(x, has_constant="add"), weights=w).fit()
    (_, _), (sii_lower, sii_upper) = fit.conf_int(alpha=1 - confidence)
    y0, y1 = intercept, intercept + slope
    result = dict(empty, fitted_most_deprived=y0, fitted_least_deprived=y1, sii=slope,
                  sii_lower=sii_lower, sii_upper=sii_upper)
    if abs(y0) <= 1e-6 * max(abs(y0), abs(y1)):  # as good as zero: no ratio
        return result
    result["rii"] = y1 / y0
    cov = np.asarray(fit.cov_params())
    ends = np.array([[1.0, 0.0], [1.0, 1.0]])  # Y0 and Y1 as combinations of β
    v = ends @ cov @ ends.T
    t = stats.t.ppf((1 + confidence) / 2, len(x) - 2)
    # (Y1 − ρY0)² − t²(V11 − 2ρV01 + ρ²V00) = 0: aρ² − 2hρ + c = 0 (c = Y1² − t²V11),
    # with roots
    # (h ∓ √(h² − ac)) / a (the school formula with b = −2h)
    a = y0 ** 2 - t ** 2 * v[0, 0]
    h = y0 * y1 - t ** 2 * v[0, 1]
    if a > 0:
        # h² − ac with its Y₀²Y₁² terms cancelled by hand (they would cancel in
        # floating point only to rounding, which the square root magnifies)
        discriminant = t ** 2 * (y0 ** 2 * v[1, 1] - 2 * y0 * y1 * v[0, 1] + y1 ** 2 * v[0, 0]
                                 - t ** 2 * (v[0, 0] * v[1, 1] - v[0, 1] ** 2))
        root = np.sqrt(max(discriminant, 0.0))
        result["rii_lower"], result["rii_upper"] = (h - root) / a, (h + root) / a
    return result
