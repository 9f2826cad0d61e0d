"""Data-quality outliers: is a value out of line with the other values of its own series?

Every point of every indicator × area series is tested against the *other* points of
that series. **The tested value is left out of its own baseline** (leave-one-out). DHIS2's
outlier detection (its Data Quality documentation, "Outlier detection": z-score,
modified z-score and min–max methods) computes the mean, median and spread from all the
values *including* the one under test, so a wild value inflates the very spread that is
meant to catch it. With the value included, an ordinary z-score can never exceed
(n − 1)/√n (Shiffler 1988), which is below 3 for every series of ten or fewer points:
in a short series a typing error hides itself. Leaving it out removes that ceiling.

Methods, for a point x whose series has the other values o_1 … o_k:

``modified_z`` (the default)
    Iglewicz, B. & Hoaglin, D. C. (1993), *How to Detect and Handle Outliers* (ASQC Basic
    References in Quality Control, vol. 16), and the NIST/SEMATECH e-Handbook of
    Statistical Methods, §1.3.5.17 "Detection of Outliers":
    M = 0.6745 × |x − median(o)| / MAD(o), where MAD(o) = median_j |o_j − median(o)|.
    0.6745 is the 0.75 quantile of the standard normal, so M is on the scale of a z-score
    for normal data. Iglewicz & Hoaglin recommend flagging M > 3.5.
``z``
    DHIS2's z-score, leave-one-out: |x − mean(o)| / sd(o), with the sample standard
    deviation (n − 1 denominator, here k − 1). Flag above 3.
``min_max``
    After DHIS2's min–max method, with the bounds taken from the other values: flag x below
    min(o) − m·range(o) or above max(o) + m·range(o), m being a margin (default 0). The
    score is the distance beyond the nearer bound as a share of range(o); 0 inside.

A point is not tested when it has fewer than ``min_points − 1`` others ("too few
points"), or when the others have no spread (MAD, standard deviation or range zero:
"no spread in the other values"). A row without a value is "no value". An outlier is a
data-quality flag for the data owner to confirm; it says nothing about performance.

Vectorisation. With each series sorted, leaving out the point of rank r turns the j-th
smallest of the others into the (j + [j ≥ r])-th smallest of the series, so the median of
the others is read off by indexing; comparing the point's value with the sorted row
stands in for r, so no ranks are needed. The median of the others takes at most three
values per series (one for the points below the middle, one for the middle point, one
above), so the MAD of the others is found the same way on the sorted absolute
deviations from each of those three candidate medians, leaving out the point's own
deviation. The z-score uses sums over the others built from prefix and suffix sums
(never "total minus self", which cancels catastrophically when the tested value is the
wild one), centred on the series' median so that the variance keeps its precision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from joinedup.core.panel import Panel, build_panel
from joinedup.core.parameters import OUTLIER_METHODS, OutlierParameters, ParameterError

MODIFIED_Z_CONSTANT = 0.6745  # Φ⁻¹(0.75): makes the MAD estimate σ for normal data

TESTED, NO_VALUE, TOO_FEW_POINTS, NO_SPREAD = 0, 1, 2, 3
REASONS: dict[int, str | None] = {
    TESTED: None,
    NO_VALUE: "no value",
    TOO_FEW_POINTS: "too few points",
    NO_SPREAD: "no spread in the other values",
}
# The fewest others each method can measure a spread on, whatever min_points says.
_LEAST_OTHERS = {"modified_z": 1, "z": 2, "min_max": 1}


# --- order statistics of "the others" -------------------------------------------------
# ``ordered`` is a panel matrix with each row sorted (NaN padding last). Removing one copy
# of a value v from a sorted row leaves the same others whichever copy goes, so the
# n-th smallest of the others is ordered[n + 1] when v <= ordered[n] (a copy of v sits
# at or before n) and ordered[n] otherwise. No ranks are needed, only comparisons.

def _column(ordered: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``ordered[i, index[i]]`` as an ``(n_series, 1)`` column (index clipped to the row)."""
    return np.take_along_axis(ordered, np.clip(index, 0, ordered.shape[1] - 1), axis=1)


def _nth_of_others(ordered: np.ndarray, nth: np.ndarray, left_out: np.ndarray) -> np.ndarray:
    """The ``nth`` smallest (from 0) of each row once one copy of ``left_out`` is gone."""
    return np.where(left_out <= _column(ordered, nth), _column(ordered, nth + 1),
                    _column(ordered, nth))


def _median_of_others(ordered: np.ndarray, left_out: np.ndarray,
                      count: np.ndarray) -> np.ndarray:
    """Median of the ``count`` values left in each row once one copy of ``left_out`` is gone.

    Computed as ``statistics.median`` does: the middle value, or the mean of the two
    (for an odd count both halves are the middle value, and (v + v) / 2 is exactly v).
    """
    low, high = (count - 1) // 2, count // 2
    return (_nth_of_others(ordered, low, left_out) + _nth_of_others(ordered, high, left_out)) / 2


def _sum_of_others(matrix: np.ndarray) -> np.ndarray:
    """Row sum of every cell but this one, as (sum before) + (sum after).

    ``matrix`` must hold 0 in its padding. Adding the two sides, rather than subtracting
    the cell from the total, keeps full precision when the cell dwarfs the rest.
    """
    before = np.zeros_like(matrix)
    before[:, 1:] = np.cumsum(matrix, axis=1)[:, :-1]
    after = np.zeros_like(matrix)
    after[:, :-1] = np.cumsum(matrix[:, ::-1], axis=1)[:, ::-1][:, 1:]
    return before + after


# --- the three methods ----------------------------------------------------------------
# Each returns (score, spread of the others, beyond the threshold), one cell per point.

def _modified_z(values, ordered, lengths, parameters):
    count = (lengths - 1)[:, None]
    median = _median_of_others(ordered, values, count)
    # The median of the others takes at most three values per series: leaving out the
    # smallest, the middle or the largest value stands for leaving out any value below,
    # at or above the middle. For each candidate, sort the absolute deviations from it
    # and take the median of the others' deviations (the point's own one left out).
    mad = np.full(values.shape, np.nan)
    for stand_in in (0, (lengths - 1) // 2, lengths - 1):
        stand_in = _column(ordered, np.broadcast_to(stand_in, lengths.shape)[:, None])
        centre = _median_of_others(ordered, stand_in, count)
        deviations = np.abs(values - centre)
        spread = _median_of_others(np.sort(deviations, axis=1), deviations, count)
        mad = np.where(median == centre, spread, mad)
    score = MODIFIED_Z_CONSTANT * np.abs(values - median) / mad
    return score, mad, score > parameters.modified_z_threshold


def _range_of_others(values, ordered, lengths):
    last = (lengths - 1)[:, None]
    lowest = _nth_of_others(ordered, np.zeros_like(last), values)
    highest = _nth_of_others(ordered, last - 1, values)
    return lowest, highest


def _z(values, ordered, lengths, mask, parameters):
    count = (lengths - 1)[:, None].astype(float)
    # Centre on the series' lower median: for three or more points it lies within the
    # range of any point's others, which bounds the cancellation in the variance below.
    centre = np.take_along_axis(ordered, ((lengths - 1) // 2)[:, None], axis=1)
    shifted = np.where(mask, values - centre, 0.0)
    total = _sum_of_others(shifted)
    squares = _sum_of_others(shifted * shifted)
    mean_shift = total / count
    mean = centre + mean_shift
    sum_of_squares = np.maximum(squares - total * mean_shift, 0.0)
    sd = np.sqrt(sum_of_squares / (count - 1))
    score = np.abs(values - mean) / sd
    # sd(o) is zero exactly when the others are all equal; decide that exactly.
    lowest, highest = _range_of_others(values, ordered, lengths)
    return score, highest - lowest, score > parameters.z_threshold


def _min_max(values, ordered, lengths, parameters):
    lowest, highest = _range_of_others(values, ordered, lengths)
    spread = highest - lowest
    margin = parameters.min_max_margin * spread
    lower, upper = lowest - margin, highest + margin
    below, above = values < lower, values > upper
    score = np.where(below, (lower - values) / spread,
                     np.where(above, (values - upper) / spread, 0.0))
    return score, spread, below | above


# --- public API -----------------------------------------------------------------------

def outlier_matrices(values: np.ndarray, lengths: np.ndarray,
                     parameters: OutlierParameters = OutlierParameters()) -> dict[str, np.ndarray]:
    """The outlier test on a raw panel matrix (rows left-aligned, NaN after ``lengths``).

    Returns ``outlier`` (bool), ``score`` (float, NaN where not tested) and ``reason``
    (int8 codes, see ``REASONS``; padding cells are ``NO_VALUE``).
    """
    if parameters.method not in OUTLIER_METHODS:
        raise ParameterError(f"outliers.method must be one of {', '.join(OUTLIER_METHODS)}")
    values = np.asarray(values, dtype=float)
    lengths = np.asarray(lengths, dtype=np.int64)
    shape = values.shape
    mask = np.arange(shape[1])[None, :] < lengths[:, None]
    reason = np.full(shape, NO_VALUE, dtype=np.int8)
    if values.size == 0:
        return {"outlier": np.zeros(shape, dtype=bool), "score": np.full(shape, np.nan),
                "reason": reason}
    ordered = np.sort(values, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if parameters.method == "modified_z":
            score, spread, beyond = _modified_z(values, ordered, lengths, parameters)
        elif parameters.method == "z":
            score, spread, beyond = _z(values, ordered, lengths, mask, parameters)
        else:
            score, spread, beyond = _min_max(values, ordered, lengths, parameters)
    least = max(parameters.min_points - 1, _LEAST_OTHERS[parameters.method])
    enough = mask & ((lengths - 1) >= least)[:, None]
    tested = enough & (spread > 0)
    reason[mask] = TOO_FEW_POINTS
    reason[enough] = NO_SPREAD
    reason[tested] = TESTED
    return {"outlier": tested & beyond, "score": np.where(tested, score, np.nan),
            "reason": reason}


def outliers_panel(panel: Panel,
                   parameters: OutlierParameters = OutlierParameters()) -> dict[str, np.ndarray]:
    """Test every point of every series of ``panel`` against the other points of its series.

    Returns ``(n_series, width)`` matrices ``outlier`` (bool), ``score`` (NaN when not
    tested) and ``reason`` (codes of ``REASONS``: 0 tested, 1 no value, 2 too few points,
    3 no spread in the other values).
    """
    return outlier_matrices(panel.values, panel.lengths, parameters)


def reason_text(codes: np.ndarray) -> pl.Series:
    """Reason codes as words (null for a tested point)."""
    codes = pl.Series(np.asarray(codes, dtype=np.int8))
    return codes.replace_strict(list(REASONS), list(REASONS.values()), return_dtype=pl.String)


def assess_outliers(frame: pl.DataFrame, parameters: OutlierParameters = OutlierParameters(),
                    *, keys: Sequence[str] = ("indicator", "area"),
                    order: Sequence[str] = ("period_start", "period_end")) -> pl.DataFrame:
    """``frame`` with ``outlier``, ``outlier_score`` and ``outlier_reason`` added.

    ``frame`` holds one row per point: ``keys`` name the series, ``order`` orders it and
    ``value`` is the value. Rows keep their order. A null, NaN or infinite value is
    "no value" and takes no part in its series' baseline.
    """
    value = pl.col("value").cast(pl.Float64)
    usable = frame.select(*keys, *order, pl.when(value.is_finite()).then(value).alias("value"))
    panel = build_panel(usable, keys, order)
    if panel.n_series == 0:
        outlier = np.zeros(frame.height, dtype=bool)
        score = np.full(frame.height, np.nan)
        reason = np.full(frame.height, NO_VALUE)
    else:
        result = outliers_panel(panel, parameters)
        outlier = panel.column(result["outlier"], fill=False)
        score = panel.column(result["score"])
        reason = panel.column(result["reason"], fill=NO_VALUE)
    return frame.with_columns(
        pl.Series("outlier", outlier, dtype=pl.Boolean),
        pl.Series("outlier_score", score, dtype=pl.Float64, nan_to_null=True),
        reason_text(reason).alias("outlier_reason"),
    )


def score_new_value(history: Sequence[float], value: float,
                    parameters: OutlierParameters = OutlierParameters()
                    ) -> tuple[bool, float | None, str | None]:
    """Test one incoming ``value`` against its series' ``history``.

    Returns ``(is_outlier, score, reason)``, exactly what ``assess_outliers`` would give
    the value as the last point of ``history + [value]``. Missing history is skipped.
    """
    if value is None or not math.isfinite(value):
        return False, None, REASONS[NO_VALUE]
    points = [float(h) for h in history if h is not None and math.isfinite(h)]
    row = np.array([[*points, float(value)]])
    result = outlier_matrices(row, np.array([row.shape[1]]), parameters)
    last = row.shape[1] - 1
    score = float(result["score"][0, last])
    return (bool(result["outlier"][0, last]), None if math.isnan(score) else score,
            REASONS[int(result["reason"][0, last])])
