"""The two forecast models of ``joinedup.core.forecast``, as kernels over a whole panel.

Every function takes ``(n_series, width)`` matrices laid out as ``joinedup.core.panel``
does (each series left-aligned in time order, NaN after its last point) and returns one
entry per series. Loops run over time steps, grid points, backtest origins, forecast
steps or distinct start columns, never over series.

- ``linear_trend``: ordinary least squares of value on time, and its backtest.
- ``damped_grid``: the damped-trend recursion, ETS(A,Ad,N), for every grid point.
- ``damped_sums`` / ``damped_variance_factor``: its h-step forecast and variance.

The random walk with drift, simple exponential smoothing and the combination are in
``joinedup.core._forecast_candidates``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np


def _mask(lengths: np.ndarray, width: int) -> np.ndarray:
    return np.arange(width)[None, :] < lengths[:, None]


def _at(matrix: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``matrix[i, index[i]]`` for every row (``index`` clipped into the matrix)."""
    n_series, width = matrix.shape
    flat = np.arange(n_series) * width + np.clip(index, 0, max(width - 1, 0))
    return np.ascontiguousarray(matrix).ravel()[flat] if width else np.full(n_series, np.nan)


def pick(matrix: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``matrix[i, index[i]]`` for every row; NaN where the index is outside the row."""
    inside = (index >= 0) & (index < matrix.shape[1])
    return np.where(inside, _at(matrix, index), np.nan)


def median_spacing(t: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The median gap between consecutive times of each series (NaN below 2 points)."""
    n_series = t.shape[0]
    if t.shape[1] < 2:
        return np.full(n_series, np.nan)
    gaps = np.diff(t, axis=1)
    gaps.sort(axis=1)  # NaN gaps past the end sort last
    count = lengths - 1
    low, high = _at(gaps, (count - 1) // 2), _at(gaps, count // 2)
    return np.where(count > 0, (low + high) / 2, np.nan)


def steps_ahead(gap: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """round(gap / spacing), at least 1 (1 where the spacing is unknown or zero)."""
    usable = np.isfinite(spacing) & (spacing > 0) & np.isfinite(gap)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.rint(np.where(usable, gap / np.where(usable, spacing, 1.0), 1.0))
    return np.maximum(steps, 1).astype(np.int64)


@dataclass(frozen=True)
class LinearFit:
    forecast: np.ndarray  # the fitted line at t0
    residual_sd: np.ndarray  # s, on n - 2 degrees of freedom
    spread: np.ndarray  # sqrt(1 + 1/n + (t0 - t̄)² / Sxx): se = s · spread
    valid: np.ndarray  # False where the times do not vary (Sxx = 0)
    backtest: np.ndarray  # (n_origins, n_series) signed errors, actual − forecast; NaN: unused


def linear_trend(t: np.ndarray, y: np.ndarray, lengths: np.ndarray, t0: np.ndarray,
                 fit_points: np.ndarray) -> LinearFit:
    """OLS of ``y`` on ``t``: over each whole series at ``t0``, and at each backtest origin.

    The whole-series fit uses centred two-pass sums (t̄, ȳ, Sxx = Σ(t−t̄)², Sxy =
    Σ(t−t̄)(y−ȳ), then the residuals), so the days-since-epoch time axis costs no
    precision and a perfect line leaves residuals at rounding level.

    ``fit_points`` is ``(n_origins, n_series)``: k = n − r at origin r = 1, 2, …, and 0
    where the origin is not used. The line fitted to the first k points forecasts point
    k + 1. Its expanding-window sums Σt, Σy, Σt², Σty (in the centred coordinates) are
    the whole-series sums with the last r points taken off, one origin at a time, so each
    origin is one vectorised computation and the point taken off is the one it forecasts.
    ``backtest`` (actual − forecast) is NaN where the origin is unused or its k times do
    not vary.
    """
    n = lengths.astype(float)
    full = bool((lengths == t.shape[1]).all())  # no padding: skip the masking
    inside = True if full else _mask(lengths, t.shape[1])
    # Few whole-matrix temporaries: dt and dy are made once and then updated in place.
    dt, dy = (t.copy(), y.copy()) if full else (np.where(inside, t, 0.0), np.where(inside, y, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_sum, y_sum = dt.sum(axis=1), dy.sum(axis=1)
        t_mean, y_mean = t_sum / n, y_sum / n
        dt -= t_mean[:, None]
        dy -= y_mean[:, None]
        if not full:
            dt *= inside
            dy *= inside
        sxx = np.einsum("ij,ij->i", dt, dt)
        sxy = np.einsum("ij,ij->i", dt, dy)
        slope = sxy / sxx
        forecast = y_mean + slope * (t0 - t_mean)
        spread = np.sqrt(1 + 1 / n + (t0 - t_mean) ** 2 / sxx)
    # The points each origin takes off, before dt and dy are turned into residuals.
    trailing = [(_at(dt, lengths - r), _at(dy, lengths - r))
                for r in range(1, fit_points.shape[0] + 1)]
    np.multiply(dt, slope[:, None], out=dt)
    np.subtract(dy, dt, out=dy)  # the residuals (zero past each series' end)
    with np.errstate(divide="ignore", invalid="ignore"):
        residual_sd = np.sqrt(np.einsum("ij,ij->i", dy, dy) / (n - 2))

    backtest = np.full(fit_points.shape, np.nan)
    # Σ(t − t̄) and Σ(y − ȳ) over the whole series: zero but for rounding.
    st, sy, stt, sty = t_sum - n * t_mean, y_sum - n * y_mean, sxx, sxy
    for origin, (k, (t_next, y_next)) in enumerate(zip(fit_points, trailing)):
        st, sy = st - t_next, sy - y_next
        stt, sty = stt - t_next * t_next, sty - t_next * y_next
        with np.errstate(divide="ignore", invalid="ignore"):
            k_mean_t, k_mean_y = st / k, sy / k
            k_sxx = stt - st * k_mean_t
            k_slope = (sty - st * k_mean_y) / k_sxx
            predicted = k_mean_y + k_slope * (t_next - k_mean_t)
        # k times that all coincide leave only rounding in k_sxx: that fit does not exist.
        used = (k >= 2) & (k == lengths - (origin + 1)) & (k_sxx > 1e-12 * stt)
        backtest[origin] = np.where(used, y_next - predicted, np.nan)
    return LinearFit(forecast, residual_sd, spread, sxx > 0, backtest)


@dataclass(frozen=True)
class DampedFit:
    """The best grid point for each fit: ``(n_fits, n_series)`` arrays."""

    alpha: np.ndarray
    beta: np.ndarray
    phi: np.ndarray
    level: np.ndarray  # ℓ after the fit's last point
    trend: np.ndarray  # b after the fit's last point
    sse: np.ndarray  # sum of squared one-step errors over points 3..k


BLOCK_CELLS = 150_000  # grid points × series per block: the arrays stay in cache


def damped_grid(y: np.ndarray, lengths: np.ndarray, offsets: Sequence[int],
                wanted: np.ndarray, alphas, betas, phis) -> DampedFit:
    """Fit ETS(A,Ad,N) to every series at every grid point, leaving off its last r points.

    Fit ``i`` uses the first n − ``offsets[i]`` points of each series where
    ``wanted[i]`` (``(n_fits, n_series)``) is True; 0 is the whole series.
    Error-correction form (Hyndman & Athanasopoulos, FPP3 §8.2, §8.5): with the one-step
    forecast f = ℓ + φb and error e = y − f, ℓ ← f + αe and b ← φb + βe. The states start
    from the first two points, ℓ = y₂ and b = y₂ − y₁, and the recursion runs from y₃, so
    no point both starts the states and is scored. Each fit keeps the grid point (in the
    order alphas × betas × phis; the first on a tie) with the least sum of squared
    one-step errors.

    The recursion runs once per time step on a (grid point × series) array. Each series
    is right-aligned (its last point in the last column), so a fit leaving off r points
    ends in column width − 1 − r for every series, where the best grid point is taken.
    Series go through in blocks of about ``BLOCK_CELLS`` cells, each block vectorised over
    all its series and the whole grid, so that the arrays stay in cache.
    """
    n_series, width = y.shape
    n_fits = len(offsets)
    if width < 2:
        y = np.full((n_series, 2), np.nan)
        width = 2
    shift = width - lengths
    if (shift == 0).all():
        aligned = y
    else:
        columns = np.arange(width)[None, :] - shift[:, None]
        aligned = np.where(columns >= 0,
                           np.take_along_axis(y, np.clip(columns, 0, None), axis=1), np.nan)
    by_time = np.ascontiguousarray(aligned.T)  # (width, n_series): one row per time step
    first_level, first_trend = y[:, 1], y[:, 1] - y[:, 0]
    start_column = shift + 1  # each series' states start at its second point
    fit_at = {width - 1 - int(offset): fit for fit, offset in enumerate(offsets)}

    grid = np.array(list(product(alphas, betas, phis)), dtype=float).reshape(-1, 3)
    alpha, beta, phi = (grid[:, [i]] for i in range(3))  # columns, to broadcast
    best = {name: np.full((n_fits, n_series), np.nan) for name in ("grid", "level", "trend",
                                                                     "sse")}
    block = max(1, min(n_series, BLOCK_CELLS // len(grid)))
    arrays = np.empty((5, len(grid), block))  # made once, reused by every block
    grid_index = np.arange(len(grid))[:, None]
    for first in range(0, n_series, block):
        rows = slice(first, min(first + block, n_series))
        ys, size = by_time[:, rows], rows.stop - rows.start
        level, trend, sse, error, scratch = arrays[:, :, :size]
        for state in (level, trend, sse):
            state.fill(np.nan)
        starts = start_groups(start_column[rows], width)
        starting = ((level, first_level[rows]), (trend, first_trend[rows]), (sse, np.zeros(size)))
        for column in range(1, width):
            if column >= 2:  # in place, to keep the working set small
                trend *= phi  # φb
                level += trend  # f = ℓ + φb
                np.subtract(ys[column], level, out=error)  # e = y − f
                np.multiply(error, alpha, out=scratch)
                level += scratch  # ℓ = f + αe
                np.multiply(error, beta, out=scratch)
                trend += scratch  # b = φb + βe
                np.multiply(error, error, out=scratch)
                sse += scratch
            if column in starts:  # these series start here: earlier columns were padding
                where = starts[column]
                for state, start in starting:
                    if where.dtype == bool:
                        np.copyto(state, start, where=where)
                    else:
                        state[:, where] = start[where]
            fit = fit_at.get(column)
            if fit is not None:
                # The first grid point with the least sse (NumPy's argmin along the grid
                # axis is slow; this is a few passes over the block).
                least = sse.min(axis=0)
                chosen = np.where(sse == least, grid_index, len(grid)).min(axis=0)
                chosen = np.minimum(chosen, len(grid) - 1)  # a series with no sse yet
                cell = chosen * size + np.arange(size)
                best["grid"][fit, rows] = chosen
                for name, state in (("level", level), ("trend", trend), ("sse", sse)):
                    best[name][fit, rows] = state.ravel()[cell]
    unused = ~wanted | (lengths - np.asarray(offsets).reshape(-1, 1) < 2)
    chosen = np.nan_to_num(best["grid"]).astype(np.int64)
    fitted = [np.take(grid[:, i], chosen) for i in range(3)]
    fitted += [best["level"], best["trend"], best["sse"]]
    for values in fitted:
        values[unused] = np.nan
    return DampedFit(*fitted)


def start_groups(start_column: np.ndarray, width: int, first_column: int = 1) -> dict:
    """The series starting in each column from ``first_column`` on: a mask for a large
    group (a whole pass over the block), their positions for a small one (work in
    proportion to the group)."""
    groups = {}
    inside = (start_column >= first_column) & (start_column < width)
    for column in np.unique(start_column[inside]):
        mask = start_column == column
        groups[int(column)] = mask if 8 * mask.sum() >= mask.size else np.flatnonzero(mask)
    return groups


def damped_sums(phi: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """φ_h = φ + φ² + … + φ^h, the damped multiplier of the trend h steps ahead."""
    power, total = np.ones_like(phi), np.zeros_like(phi)
    for step in range(int(steps.max(initial=0))):
        power = power * phi
        total = np.where(step < steps, total + power, total)
    return total


def damped_variance_factor(alpha: np.ndarray, beta: np.ndarray, phi: np.ndarray,
                           steps: np.ndarray) -> np.ndarray:
    """1 + Σ_{j=1}^{h−1} (α + βφ_j)²: the h-step forecast variance in units of σ².

    Hyndman, Koehler, Ord & Snyder (2008), Forecasting with Exponential Smoothing, §6.3
    (class 1 models, c_j = α + βφ_j); FPP3 §8.7.
    """
    power, phi_j, factor = np.ones_like(phi), np.zeros_like(phi), np.ones_like(phi)
    for j in range(1, int(steps.max(initial=0))):
        power = power * phi
        phi_j = phi_j + power
        c = alpha + beta * phi_j
        factor = np.where(j < steps, factor + c * c, factor)
    return factor
