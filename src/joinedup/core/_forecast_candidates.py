"""The level-and-drift candidates of ``joinedup.core.forecast``, and their combination.

Every function takes ``(n_series, width)`` matrices laid out as ``joinedup.core.panel``
does (each series left-aligned in time order, NaN after its last point) and returns one
entry per series. Loops run over time steps, grid points, backtest origins or forecast
steps, never over series. Backtest errors are signed, actual − forecast, one row per
origin: origin r fits the first k = n − r points and forecasts point k + 1, over the
steps from point k to it counted with the whole series' median gap (as the damped trend
is backtested).

- ``drift``: the random walk with drift (Hyndman & Athanasopoulos, Forecasting:
  Principles and Practice, 3rd ed. (FPP3), §5.2 "drift method", §5.5 for its interval).
- ``smoothing_grid``: simple exponential smoothing, ETS(A,N,N) (FPP3 §8.1, §8.7).
- ``combination_weights``: weights in inverse proportion to each candidate's mean
  squared backtest error (Bates & Granger 1969, "The combination of forecasts",
  Operational Research Quarterly 20, with the correlations between errors set aside as
  Stock & Watson 2004, "Combination forecasts of output growth in a seven-country data
  set", Journal of Forecasting 23, recommend for short records).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from joinedup.core._forecast_models import pick, start_groups

BLOCK_CELLS = 150_000  # grid points × series per block: the arrays stay in cache


@dataclass(frozen=True)
class DriftFit:
    forecast: np.ndarray  # y_n + h·c at the forecast date
    sd: np.ndarray  # σ̂·√(h(1 + h/(n − 1)))
    backtest: np.ndarray  # (n_origins, n_series) signed errors; NaN where unused


def drift(y: np.ndarray, lengths: np.ndarray, steps: np.ndarray, fit_points: np.ndarray,
          backtest_steps: np.ndarray) -> DriftFit:
    """The random walk with drift, fitted to each whole series and at each origin.

    FPP3 §5.2: the drift c = (y_n − y_1)/(n − 1) is the mean change per step, and the
    forecast h steps on is ŷ = y_n + h·c. The residuals are the changes less the drift,
    e_t = (y_t − y_{t−1}) − c for t = 2 … n, and σ̂² = Σe²/(n − 2) (one parameter, one
    point with no change: FPP3 §5.5's T − K − M). The forecast error adds h new changes
    and h times the drift's own error, so its variance is σ²·h·(1 + h/(n − 1)); FPP3's
    table in §5.5 writes it h(1 + h/T), rounding n − 1 to T. Below 3 points there is no
    σ̂ (NaN).

    ``steps`` is h per series; ``fit_points`` ``(n_origins, n_series)`` is k at each
    origin (0: unused) and ``backtest_steps`` the steps from point k to point k + 1.
    """
    n_series, width = y.shape
    n = lengths.astype(float)
    first, last = y[:, 0] if width else np.full(n_series, np.nan), pick(y, lengths - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (last - first) / (n - 1)
        if width >= 2:
            changes = np.diff(y, axis=1) - c[:, None]
            inside = np.arange(width - 1)[None, :] < (lengths - 1)[:, None]
            squares = np.where(inside, changes * changes, 0.0).sum(axis=1)
        else:
            squares = np.zeros(n_series)
        sigma = np.sqrt(squares / (n - 2))
        forecast = last + steps * c
        sd = np.where(lengths >= 3, sigma * np.sqrt(steps * (1 + steps / (n - 1))), np.nan)
    backtest = np.full(fit_points.shape, np.nan)
    for origin, (k, h) in enumerate(zip(fit_points, backtest_steps)):
        with np.errstate(divide="ignore", invalid="ignore"):
            end = pick(y, k - 1)
            predicted = end + h * (end - first) / (k - 1)
        backtest[origin] = np.where(k >= 2, pick(y, k) - predicted, np.nan)
    return DriftFit(forecast, sd, backtest)


@dataclass(frozen=True)
class SmoothingFit:
    """The best α for each fit: ``(n_fits, n_series)`` arrays."""

    alpha: np.ndarray
    level: np.ndarray  # ℓ after the fit's last point: the forecast at every horizon
    sse: np.ndarray  # sum of squared one-step errors over points 2..k


def smoothing_grid(y: np.ndarray, lengths: np.ndarray, offsets: Sequence[int],
                   wanted: np.ndarray, alphas) -> SmoothingFit:
    """Fit ETS(A,N,N) to every series for every α, leaving off its last r points.

    Fit ``i`` uses the first n − ``offsets[i]`` points of each series where ``wanted[i]``
    is True; 0 is the whole series. Error-correction form (FPP3 §8.1): e = y − ℓ, then
    ℓ ← ℓ + αe. The level starts at the first point, ℓ₁ = y₁ (FPP3's ℓ₀ = y₁ scores a
    first error of 0; starting after it leaves that zero out), and points 2 … k are
    scored. Each fit keeps the α (the first on a tie) with the least sum of squared
    one-step errors. As ``damped_grid`` does, each series is right-aligned, the recursion
    runs once per time step over a (α × series) block, and a fit leaving off r points is
    read in column width − 1 − r.
    """
    n_series, width = y.shape
    n_fits = len(offsets)
    if width < 1:
        y, width = np.full((n_series, 1), np.nan), 1
    shift = width - lengths
    if (shift == 0).all():
        aligned = y
    else:
        columns = np.arange(width)[None, :] - shift[:, None]
        aligned = np.where(columns >= 0,
                           np.take_along_axis(y, np.clip(columns, 0, None), axis=1), np.nan)
    by_time = np.ascontiguousarray(aligned.T)
    fit_at = {width - 1 - int(offset): fit for fit, offset in enumerate(offsets)}
    grid = np.asarray(alphas, dtype=float).reshape(-1, 1)
    best = {name: np.full((n_fits, n_series), np.nan) for name in ("grid", "level", "sse")}
    block = max(1, min(n_series, BLOCK_CELLS // len(grid)))
    arrays = np.empty((4, len(grid), block))
    grid_index = np.arange(len(grid))[:, None]
    for first in range(0, n_series, block):
        rows = slice(first, min(first + block, n_series))
        ys, size = by_time[:, rows], rows.stop - rows.start
        level, sse, error, scratch = arrays[:, :, :size]
        level.fill(np.nan)
        sse.fill(np.nan)
        starts = start_groups(shift[rows], width, first_column=0)
        for column in range(width):
            if column >= 1:
                np.subtract(ys[column], level, out=error)  # e = y − ℓ
                np.multiply(error, grid, out=scratch)
                level += scratch  # ℓ = ℓ + αe
                np.multiply(error, error, out=scratch)
                sse += scratch
            if column in starts:  # these series start here: earlier columns were padding
                where = starts[column]
                if where.dtype == bool:
                    np.copyto(level, ys[column], where=where)
                    np.copyto(sse, 0.0, where=where)
                else:
                    level[:, where] = ys[column][where]
                    sse[:, where] = 0.0
            fit = fit_at.get(column)
            if fit is not None:
                least = sse.min(axis=0)
                chosen = np.where(sse == least, grid_index, len(grid)).min(axis=0)
                chosen = np.minimum(chosen, len(grid) - 1)
                cell = chosen * size + np.arange(size)
                best["grid"][fit, rows] = chosen
                best["level"][fit, rows] = level.ravel()[cell]
                best["sse"][fit, rows] = sse.ravel()[cell]
    unused = ~wanted | (lengths - np.asarray(offsets).reshape(-1, 1) < 1)
    alpha = np.take(grid[:, 0], np.nan_to_num(best["grid"]).astype(np.int64))
    fitted = [alpha, best["level"], best["sse"]]
    for values in fitted:
        values[unused] = np.nan
    return SmoothingFit(*fitted)


def smoothing_variance_factor(alpha: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """1 + (h − 1)α²: the h-step forecast variance of ETS(A,N,N) in units of σ²
    (FPP3 §8.7, Table 8.8; Hyndman, Koehler, Ord & Snyder 2008, §6.3)."""
    return 1 + (np.maximum(steps, 1) - 1) * alpha * alpha


def combination_weights(squared_error: np.ndarray, fitted: np.ndarray,
                        exact: np.ndarray) -> np.ndarray:
    """``(n_candidates, n_series)`` weights summing to 1 over each series' candidates.

    ``squared_error`` is each candidate's mean squared backtest error (NaN: unknown).
    Each weight is in inverse proportion to it (Bates & Granger 1969; Stock & Watson
    2004 with κ = 1). A candidate whose root mean squared error is within ``exact`` takes
    the whole weight (shared equally with any other such), so an exact fit is not blurred
    by inexact ones; a series with no known error weighs its fitted candidates equally. A
    candidate that is not fitted, or whose error is unknown where others' are known, gets
    no weight.
    """
    fitted = np.asarray(fitted, dtype=bool)
    known = fitted & np.isfinite(squared_error)
    safe = np.where(known, squared_error, 1.0)
    perfect = known & (np.sqrt(safe) <= exact)
    with np.errstate(divide="ignore"):
        inverse = np.where(known, 1 / safe, 0.0)
    raw = np.where(perfect.any(axis=0), perfect.astype(float),
                   np.where(known.any(axis=0), inverse, fitted.astype(float)))
    total = raw.sum(axis=0)
    return raw / np.where(total > 0, total, 1.0)
