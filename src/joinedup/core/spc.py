"""Statistical process control: XmR charts as NHS England's "Making Data Count" draws them.

Method: the rules of NHS England (formerly NHS Improvement) "Making Data Count", exactly
as the R package NHSRplotthedots 0.2.2 (NHS-R Community, MIT licence) computes them, with
the XmR constants of Wheeler ("Understanding Variation", 1993): limits at 2.66 mean
moving ranges from the mean, and moving ranges of 3.267 mean moving ranges or more
screened out. Every series, and every rebase segment of a series, is its own chart:

1. Baseline: the first ``baseline_points`` points of the segment (all when None).
2. Centre: the mean of the baseline. Moving ranges ``|y[j] - y[j-1]|`` of the baseline;
   with ``screen_outliers`` those of ``screen_multiplier`` (3.267) times their mean or
   more are dropped and the mean moving range is taken again.
3. Limits: mean ± 2.66 × mean moving range; the 2σ lines: mean ± (2/3) × 2.66 × mean
   moving range. A segment whose moving ranges are all zero has no limits (NaN).
4. Rules, each point getting the first it is part of:
   a. outside the limits (strictly);
   b. trend: ``run_length`` (7) points each strictly above (or below) the one before;
   c. two in three: 2 of 3 consecutive points beyond the same 2σ line (and inside the
      limits), all three on the same side of the mean; the ordinary point of the three
      is not marked;
   d. shift: ``run_length`` points on one side of the mean (a point on it breaks the run).
   Every point of a trend or shift is marked, not only the one that completes it.
5. Side: for a trend, increasing ("high") or decreasing ("low"); otherwise above or below
   the mean. Variation: with the polarity, special-cause "improvement" or "concern", or
   "neutral_high"/"neutral_low" for polarity ``none``; "common_cause" when no rule fires.
6. Assurance (per series, from the last segment's limits): a target beyond the limit on
   the improving side always fails, beyond the worsening side always passes, between
   them is hit and miss; no target, or no polarity, gives none.
7. Trial limits: the segment has fewer than ``trial_points`` (12) points.

Means are taken as R's ``mean`` does (a sum, then one correcting pass over the
residuals; R keeps the sums in long double, here they are double), so that, as in R,
0.2 lies exactly on the mean of 0.1, 0.2, 0.3 (a plain sum / n gives 0.20000000000000004).
A null or NaN value is no point of its series: the series runs on without it.

Kernels work on a ``Panel`` matrix, all series at once. Rebasing cuts series into
segments; ``split_segments`` lays each segment out as its own row, so the same kernel
serves both, and ``merge_segments`` puts the results back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from joinedup.core.panel import Panel, build_panel, shift_right
from joinedup.core.parameters import SPCParameters
from joinedup.core.periods import parse_period

SIGNALS = ("none", "outside_limits", "trend", "two_in_three", "shift")
NO_SIGNAL, OUTSIDE_LIMITS, TREND, TWO_IN_THREE, SHIFT = range(5)
SIDES = ("none", "high", "low")
NO_SIDE, HIGH, LOW = range(3)
VARIATIONS = ("common_cause", "improvement", "concern", "neutral_high", "neutral_low")
COMMON_CAUSE, IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW = range(5)
ASSURANCES = ("none", "pass", "fail", "hit_and_miss")
NO_ASSURANCE, PASS, FAIL, HIT_AND_MISS = range(4)
POLARITIES = {"up": 1, "down": -1, "none": 0}
LIMIT_COLUMNS = ("mean", "lower", "upper", "lower_2sigma", "upper_2sigma")
_EPOCH = date(1970, 1, 1)


# --- segments (rebasing) -------------------------------------------------------------

@dataclass(frozen=True)
class Segments:
    """Where each cell of a panel went when its series were cut into segments.

    The segment matrix has a column to spare, so its last column is padding in every
    row; panel cells that hold no point read their result from there.
    """

    series: np.ndarray   # (n_segments,) the series each segment belongs to
    lengths: np.ndarray  # (n_segments,) points in each segment
    number: np.ndarray   # (n_series, width) segment of each cell within its series: 0, 1, …
    row: np.ndarray      # (n_series, width) segment row of each cell (n_segments: no point)
    read: np.ndarray     # (n_series, width) flat segment-matrix index each cell reads back
    shape: tuple[int, int]


def split_segments(values: np.ndarray, lengths: np.ndarray,
                   segment: np.ndarray) -> tuple[np.ndarray, Segments]:
    """Lay each segment out as a row of its own (left-aligned, NaN-padded).

    ``segment`` labels every cell; a new segment starts wherever the label changes
    along a series. Returns the segment matrix and the map back to the panel.
    """
    n, width = values.shape
    mask = np.arange(width)[None, :] < lengths[:, None]
    starts = np.zeros((n, width), dtype=bool)
    starts[:, 1:] = (segment[:, 1:] != segment[:, :-1]) & mask[:, 1:]
    number = np.cumsum(starts, axis=1, dtype=np.int32)
    count = starts.sum(axis=1) + (lengths > 0)
    total = int(count.sum())
    source = np.flatnonzero(mask)
    # every point's segment row, and its place there: points counted from the segment's
    # first point (whose flat index the running maximum carries forward)
    row = ((np.cumsum(count) - count)[:, None] + number).ravel()[source]
    begins = (starts | (np.arange(width) == 0)[None, :]).ravel()[source]
    first = np.maximum.accumulate(np.where(begins, source, 0))
    position = source - first
    seg_lengths = np.bincount(row, minlength=total).astype(np.int64)
    shape = (total, int(seg_lengths.max(initial=0)) + 1)
    target = row * shape[1] + position
    seg_values = np.full(shape, np.nan)
    seg_values.ravel()[target] = values.ravel()[source]
    read = np.full(n * width, shape[1] - 1, dtype=target.dtype)
    read[source] = target
    cell_row = np.full(n * width, total, dtype=row.dtype)
    cell_row[source] = row
    series = np.repeat(np.arange(n), count)
    return seg_values, Segments(series, seg_lengths, number, cell_row.reshape(n, width),
                                read.reshape(n, width), shape)


def merge_segments(matrix: np.ndarray, segments: Segments) -> np.ndarray:
    """A per-segment result matrix back in the panel's layout.

    Cells without a point take what ``matrix`` holds in its padding. A per-segment
    vector comes back as a matrix too, NaN where there is no point.
    """
    if matrix.ndim == 1:
        return np.append(matrix.astype(float), np.nan)[segments.row]
    if segments.shape[0] == 0:
        return np.full(segments.read.shape, np.nan if matrix.dtype.kind == "f" else 0,
                       dtype=matrix.dtype)
    return np.take(matrix.ravel(), segments.read)


def rebase_segments(period_start_days: np.ndarray, lengths: np.ndarray,
                    rebase_days) -> np.ndarray:
    """Segment label of each cell: a new segment starts at a series' first point whose
    period starts on or after a rebase period's start (``…_days``: days since 1970-01-01).
    """
    rebase = np.sort(np.asarray(list(rebase_days), dtype=float))
    n, width = period_start_days.shape
    mask = np.arange(width)[None, :] < lengths[:, None]
    starts = np.where(mask, period_start_days, np.nan)
    # "first point on or after": every earlier point started before the rebase date
    latest_before = shift_right(np.fmax.accumulate(starts, axis=1), 1, fill=-np.inf)
    on_or_before = np.searchsorted(rebase, np.where(mask, starts, np.inf), side="right")
    before = np.searchsorted(rebase, np.where(mask, latest_before, np.inf), side="right")
    crossed = (on_or_before > before) & mask
    crossed[:, :1] = False
    return np.cumsum(crossed, axis=1)


# --- the XmR kernel ------------------------------------------------------------------
# Kernels shift whole matrices as flat arrays (much faster than 2-D slices), then clear
# the cells that a flat shift filled from the neighbouring row.

def _step_means(steps: np.ndarray) -> np.ndarray:
    """Mean over time of a time-major (width, n_series) matrix, ignoring NaN, as R does.

    R's ``mean`` sums left to right, divides, then adds the mean residual (one refining
    pass). The sums here also go a time step at a time, so each series' mean is the same
    float that a plain loop over it gives.
    """
    present = ~np.isnan(steps)
    count = np.count_nonzero(present, axis=0)
    total = np.zeros(steps.shape[1])
    for step in np.where(present, steps, 0.0):  # adding 0.0 leaves a sum as it was
        total += step
    first = total / count
    residual = np.zeros(steps.shape[1])
    for step in np.where(present, steps - first, 0.0):
        residual += step
    return np.where(np.isfinite(first), first + residual / count, first)


def _all_of_last(flags: np.ndarray, window: int) -> np.ndarray:
    """True where this cell and the ``window - 1`` cells before it are all True."""
    out = flags.copy()
    flat, source = out.ravel(), flags.ravel()
    for offset in range(1, window):
        flat[offset:] &= source[:-offset]
    out[:, :window - 1] = False
    return out


def _steps(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each point is strictly above, or below, the one before it."""
    rising = np.zeros(values.shape, dtype=bool)
    falling = np.zeros(values.shape, dtype=bool)
    flat = values.ravel()
    np.greater(flat[1:], flat[:-1], out=rising.ravel()[1:])
    np.less(flat[1:], flat[:-1], out=falling.ravel()[1:])
    rising[:, :1] = falling[:, :1] = False
    return rising, falling


def trend_ends(values: np.ndarray, run_length: int) -> np.ndarray:
    """+1 where a point ends ``run_length`` strictly increasing points, -1 decreasing."""
    rising, falling = _steps(values)
    return (_all_of_last(rising, run_length - 1).view(np.int8)
            - _all_of_last(falling, run_length - 1).view(np.int8))


def shift_ends(relative_to_mean: np.ndarray, run_length: int) -> np.ndarray:
    """True where a point ends ``run_length`` points on the same side of the mean."""
    return (_all_of_last(relative_to_mean == 1, run_length)
            | _all_of_last(relative_to_mean == -1, run_length))


def part_of_run(ends: np.ndarray, run_length: int) -> np.ndarray:
    """True for every point of a run: one of it and the next ``run_length - 1`` ends one."""
    n, width = ends.shape
    padded = np.zeros((n, width + run_length - 1), dtype=bool)
    padded[:, :width] = ends != 0
    out = padded.copy()
    flat, source = out.ravel(), padded.ravel()
    for offset in range(1, run_length):
        flat[:-offset] |= source[offset:]
    return out[:, :width]


def two_in_three(close: np.ndarray, relative_to_mean: np.ndarray) -> np.ndarray:
    """True where a point lies in a window of 3 with 2 close to the limits, all on one side.

    Both inputs are padded with two zeros at each end, as R does; cells beyond a series
    must hold 0 too.
    """
    n, width = close.shape

    def window_sums(matrix: np.ndarray) -> np.ndarray:
        padded = np.zeros((n, width + 4), dtype=np.int8)
        padded[:, 2:width + 2] = matrix
        flat = padded.ravel()
        sums = np.zeros_like(padded)
        sums.ravel()[:-2] = flat[:-2] + flat[1:-1] + flat[2:]
        return sums[:, :width + 2]  # [k]: padded cells k..k+2, all in the same row

    window = (window_sums(close) >= 2) & (np.abs(window_sums(relative_to_mean)) == 3)
    return window[:, :width] | window[:, 1:width + 1] | window[:, 2:width + 2]


def _limits(values: np.ndarray, parameters: SPCParameters) -> tuple[np.ndarray, ...]:
    """Mean, limits and 2σ lines of each row, from its first ``baseline_points``."""
    steps = np.array(values.T, order="C")  # a copy: the baseline cut must not touch values
    if parameters.baseline_points is not None:
        steps[parameters.baseline_points:] = np.nan
    mean = _step_means(steps)
    moving_range = np.abs(steps[1:] - steps[:-1])
    average_range = _step_means(moving_range)
    if parameters.screen_outliers:
        kept = moving_range < parameters.screen_multiplier * average_range
        np.copyto(moving_range, np.nan, where=~kept)
        average_range = _step_means(moving_range)
    limit = parameters.limit_multiplier
    close_limit = 2 * (limit / 3)
    return (mean, mean - limit * average_range, mean + limit * average_range,
            mean - close_limit * average_range, mean + close_limit * average_range)


def _chart(values: np.ndarray, lengths: np.ndarray, polarity: np.ndarray,
           parameters: SPCParameters) -> dict[str, np.ndarray]:
    """Limits (one per row), and signal, side and variation (per cell), for rows that
    are each one chart.

    ``values`` must be NaN beyond each row's length: comparisons with NaN are False,
    which keeps the padding out of every rule.
    """
    n, width = values.shape
    limits = _limits(values, parameters)
    mean, lower, upper, lower_2sigma, upper_2sigma = (v[:, None] for v in limits)

    y = values
    outside = (y > upper) | (y < lower)
    above = y > mean
    relative = above.view(np.int8) - (y < mean).view(np.int8)
    close = ~outside & ((y < lower_2sigma) | (y > upper_2sigma))

    run = parameters.run_length
    in_trend = part_of_run(trend_ends(y, run), run)
    in_shift = part_of_run(shift_ends(relative, run), run)
    in_two_in_three = two_in_three(close, relative) & close

    # Each point takes the first rule it is part of. (Flags combine by arithmetic: masked
    # assignment is many times slower on scattered masks.)
    free = ~outside
    trend = in_trend & free
    free &= ~in_trend
    pair = in_two_in_three & free
    free &= ~in_two_in_three
    shift = in_shift & free
    signal = (OUTSIDE_LIMITS * outside.view(np.int8) + TREND * trend.view(np.int8)
              + TWO_IN_THREE * pair.view(np.int8) + SHIFT * shift.view(np.int8))
    special = outside | in_trend | in_two_in_three | in_shift

    # A trend point takes the direction of the step after it while the trend goes on,
    # else the step before it (the first point's step is 0, which R reads as "low").
    rising, _ = _steps(y)
    continues = np.zeros((n, width), dtype=bool)
    continues.ravel()[:-1] = in_trend.ravel()[:-1] & in_trend.ravel()[1:]
    continues[:, -1:] = False
    rising_next = np.zeros((n, width), dtype=bool)
    rising_next.ravel()[:-1] = rising.ravel()[1:]
    trend_high = (continues & rising_next) | (~continues & rising)
    high = (trend & trend_high) | (~trend & above)
    side = (LOW - high.view(np.int8)) * special.view(np.int8)  # HIGH = LOW - 1

    # improvement when the side agrees with the polarity (high and up, low and down)
    agrees = high ^ (polarity < 0)[:, None]
    judged = CONCERN - agrees.view(np.int8)  # IMPROVEMENT = CONCERN - 1
    neutral = (polarity == 0)[:, None].view(np.int8)
    unjudged = NEUTRAL_LOW - high.view(np.int8)  # NEUTRAL_HIGH = NEUTRAL_LOW - 1
    variation = (neutral * unjudged + (1 - neutral) * judged) * special.view(np.int8)

    mask = np.arange(width)[None, :] < lengths[:, None]
    return {**dict(zip(LIMIT_COLUMNS, limits)), "signal": signal, "side": side,
            "variation": variation, "trial": (lengths < parameters.trial_points)[:, None] & mask}


def _check(parameters: SPCParameters) -> None:
    if parameters.run_length < 2:
        raise ValueError("SPC run_length must be at least 2")
    if parameters.baseline_points is not None and parameters.baseline_points < 1:
        raise ValueError("SPC baseline_points must be at least 1 (or None)")


def spc_panel(panel: Panel, polarity: np.ndarray, target: np.ndarray,
              parameters: SPCParameters = SPCParameters(),
              segment: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The XmR chart of every series of ``panel`` (see the module docstring).

    ``polarity`` per series: +1 up is better, -1 down is better, 0 no judgement;
    ``target`` per series, NaN for none. ``segment`` labels each cell with its rebase
    segment (e.g. from ``rebase_segments``); None means one segment per series.

    Returns (n_series, width) matrices ``mean``, ``lower``, ``upper``, ``lower_2sigma``,
    ``upper_2sigma`` (NaN beyond each series), codes ``signal`` (``SIGNALS``), ``side``
    (``SIDES``), ``variation`` (``VARIATIONS``), ``segment`` (0, 1, … within each
    series), the bool matrix ``trial``, and the per-series ``assurance`` (``ASSURANCES``).
    """
    _check(parameters)
    polarity = np.asarray(polarity, dtype=np.int8)
    target = np.asarray(target, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if segment is None:
            result = _chart(panel.values, panel.lengths, polarity, parameters)
            padding = np.where(panel.mask, 0.0, np.nan)
            for name in LIMIT_COLUMNS:
                result[name] = result[name][:, None] + padding
            result["segment"] = np.zeros(panel.values.shape, dtype=np.int32)
        else:
            values, segments = split_segments(panel.values, panel.lengths, segment)
            charts = _chart(values, segments.lengths, polarity[segments.series], parameters)
            result = {name: merge_segments(matrix, segments) for name, matrix in charts.items()}
            result["segment"] = segments.number
        result["assurance"] = _assurance(panel, result, polarity, target)
    return result


def _assurance(panel: Panel, result: dict, polarity: np.ndarray,
               target: np.ndarray) -> np.ndarray:
    lower, upper = panel.last(result["lower"]), panel.last(result["upper"])
    up = polarity > 0
    return np.select(
        [(panel.lengths == 0) | np.isnan(target) | (polarity == 0),
         target > upper, target < lower],
        [NO_ASSURANCE, np.where(up, FAIL, PASS), np.where(up, PASS, FAIL)],
        HIT_AND_MISS).astype(np.int8)


# --- frames --------------------------------------------------------------------------

def assess_spc(frame: pl.DataFrame, parameters: SPCParameters = SPCParameters(), *,
               keys=("indicator", "area"), order=("period_start", "period_end")) -> pl.DataFrame:
    """``frame`` with the XmR chart of each series added (see the module docstring).

    ``frame``: the ``keys``, ``period_start`` / ``period_end`` (dates), ``value``,
    ``polarity`` ("up", "down" or "none", the same on every row of a series) and,
    optionally, ``target`` (the same on every row of a series; null for none).

    Adds ``spc_mean``, ``spc_lower``, ``spc_upper``, ``spc_lower_2sigma``,
    ``spc_upper_2sigma`` (null where there are no limits), ``spc_signal``, ``spc_side``,
    ``variation``, ``assurance`` (per series, on each of its rows) and
    ``spc_trial_limits``. A row with a null value is no point of its series: it gets
    null figures, ``"none"`` signal, side and assurance, and null variation and trial.
    """
    keys, order = list(keys), list(order)
    polarity_text = frame["polarity"].cast(pl.String)
    unknown = polarity_text.filter(~polarity_text.is_in(list(POLARITIES))
                                   | polarity_text.is_null()).unique()
    if unknown.len():
        raise ValueError(f"polarity must be one of up, down, none; found {unknown.to_list()[:5]}")
    target = frame["target"].cast(pl.Float64) if "target" in frame.columns \
        else pl.Series([None] * frame.height, dtype=pl.Float64)
    columns = list(dict.fromkeys([*keys, *order, "value", "period_start"]))
    prepared = frame.select(columns).with_columns(
        _polarity=polarity_text.replace_strict(POLARITIES, return_dtype=pl.Int8),
        _target=target,
        _start_day=pl.col("period_start").cast(pl.Date).cast(pl.Int32),
    )
    panel = build_panel(prepared, keys, order, extra=["_polarity", "_target", "_start_day"])
    series_polarity = _per_series(panel, "_polarity", "polarity").astype(np.int8)
    series_target = _per_series(panel, "_target", "target")
    segment = None
    if parameters.rebase_periods:
        days = [(parse_period(label).start - _EPOCH).days for label in parameters.rebase_periods]
        segment = rebase_segments(panel.extra["_start_day"], panel.lengths, days)
    result = spc_panel(panel, series_polarity, series_target, parameters, segment)

    included = panel.row_series >= 0

    def column(matrix: np.ndarray, fill) -> np.ndarray:
        if panel.n_series == 0:  # every value null: nothing to look up
            return np.full(frame.height, fill)
        return panel.column(matrix, fill=fill)

    def figure(name: str) -> pl.Series:
        return pl.Series(column(result[name], np.nan).astype(float), nan_to_null=True)

    def named(names: tuple[str, ...], codes: np.ndarray, missing: str | None) -> pl.Series:
        table = pl.Series([*names, missing], dtype=pl.String)
        return table.gather(column(codes, len(names)).astype(np.int64))

    trial = pl.Series(column(result["trial"], False).astype(bool))
    return frame.with_columns(
        spc_mean=figure("mean"), spc_lower=figure("lower"), spc_upper=figure("upper"),
        spc_lower_2sigma=figure("lower_2sigma"), spc_upper_2sigma=figure("upper_2sigma"),
        spc_signal=named(SIGNALS, result["signal"], "none"),
        spc_side=named(SIDES, result["side"], "none"),
        variation=named(VARIATIONS, result["variation"], None),
        assurance=named(ASSURANCES, result["assurance"], "none"),
        spc_trial_limits=pl.when(pl.Series(included)).then(trial).otherwise(None),
    )


def _per_series(panel: Panel, column: str, label: str) -> np.ndarray:
    """A column that must be constant within each series, as one value per series."""
    matrix = panel.extra[column]
    first = matrix[:, :1]
    same = (matrix == first) | (np.isnan(matrix) & np.isnan(first))
    differs = ~same & panel.mask
    if differs.any():
        series = int(np.flatnonzero(differs.any(axis=1))[0])
        raise ValueError(f"{label} changes within the series {panel.keys.row(series, named=True)}")
    return first[:, 0] if matrix.shape[1] else np.empty(0)
