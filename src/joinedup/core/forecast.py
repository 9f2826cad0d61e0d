"""Forecast to the target date: will the target be met?

Method (DESIGN §6). For every indicator × area series, two candidate models are fitted to
the series' own points, the one that forecast the series' recent points better is chosen,
and its predictive distribution at the target date gives a point forecast, 80% and 95%
prediction intervals, and P(meet target).

Calibration (on by default, ``calibrate``): the predictive spread is never narrower than
the series' own backtest misses imply (see ``_calibrated``); on 8,035 held-out real
series this took the Brier score of P(meet target) from worse than a coin toss to
better than both the naive and the linear-trend baselines (bench/RESULTS.md).

Time. A point's time is its ``period_start`` in days since 1970-01-01, so irregular
spacing is respected by the linear model. The forecast is for ``forecast_start``, a date
given per series (the start of the target period, or of the next period when there is no
target). The damped model counts in steps: h = round((forecast_start − last start) /
median gap between the series' starts), and at least 1.

Candidates.

1. ``linear``: ordinary least squares of value on time, evaluated at t₀ = forecast_start.
   Prediction interval for a new observation from Student's t on n − 2 degrees of
   freedom, with se = s·√(1 + 1/n + (t₀ − t̄)² / Sxx) (e.g. Montgomery, Peck & Vining,
   Introduction to Linear Regression Analysis, ch. 2; statsmodels' OLS ``obs_ci``).
2. ``damped``: additive damped-trend exponential smoothing, ETS(A,Ad,N), in error-
   correction form (Gardner & McKenzie 1985, "Forecasting trends in time series",
   Management Science 31; Hyndman & Athanasopoulos, Forecasting: Principles and
   Practice, 3rd ed., §8.2, §8.5, §8.7):
   e_t = y_t − (ℓ_{t−1} + φb_{t−1}), ℓ_t = ℓ_{t−1} + φb_{t−1} + αe_t,
   b_t = φb_{t−1} + βe_t.
   Initialisation: Holt's classic start ℓ₀ = y₁, b₀ = y₂ − y₁, taken as the states
   *after the second point* (ℓ₂ = y₂, b₂ = y₂ − y₁), so the recursion scores y₃ … y_n
   and no point both starts the states and counts as a forecast error (taken literally,
   ℓ₀ = y₁ before y₁ makes the first "error" −φ(y₂ − y₁), even for a perfect line).
   α, β, φ are chosen per series from the grid ``alphas × betas × phis`` by least sum of
   squared one-step errors (the first grid point on a tie). Forecast
   ŷ_{T+h} = ℓ_T + (φ + φ² + … + φ^h) b_T, with variance σ²[1 + Σ_{j=1}^{h−1} (α + βφ_j)²],
   φ_j = φ + … + φ^j (Hyndman, Koehler, Ord & Snyder 2008, Forecasting with Exponential
   Smoothing, ch. 6, class 1), σ² the mean squared one-step error over the n − 2 scored
   points; the interval is normal. (statsmodels' ``ExponentialSmoothing`` calls
   β* = β/α its ``smoothing_trend``; its ``ETSModel`` uses β as here.)

Choice: a rolling-origin backtest on the series itself (Tashman 2000, "Out-of-sample
tests of forecasting accuracy", IJF 16). For each of the last ``backtest_origins`` points
that leave at least ``min_points − 1`` points before them, each candidate is fitted to the
points before it and forecasts it (the damped model over the steps to it, counted with the
whole series' median gap); the smaller mean absolute error wins. Ties — within 1e-9 of
the series' largest absolute value — go to ``linear``. Methods left out of
``parameters.methods`` do not compete.

P(meet target): with polarity ``up``, P(Y ≥ target); ``down``, P(Y ≤ target); from the
chosen model's t or normal predictive distribution. Null with polarity ``none`` or no
target. A fit whose residual (linear) or one-step (damped) standard deviation is below
1e-10 of the series' largest absolute value is taken as exact: its interval is the point
and P is 1 or 0 (1 when the forecast is within that same margin of the target).

No forecast, with a null method and a reason: fewer than ``min_points`` points ("fewer
than 4 points", with the parameter's number); no ``forecast_start`` ("no forecast
date"); only ``linear`` allowed and every point starting on the same date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import special

from joinedup.core._forecast_models import (
    damped_grid,
    damped_sums,
    damped_variance_factor,
    linear_trend,
    median_spacing,
    pick,
    steps_ahead,
)
from joinedup.core.panel import Panel, build_panel
from joinedup.core.parameters import ForecastParameters

TIME = "t"  # panel.extra[TIME]: period_start in days since 1970-01-01
EXACT = 1e-10  # a spread below this share of the series' size counts as none
TIE = 1e-9  # backtest errors this close (relative to the series' size) are a tie
NO_DATE = "no forecast date"
NO_SPREAD_IN_TIME = "the points all start on the same date"


def level_name(level) -> str:
    return f"{level:g}"


def output_columns(parameters: ForecastParameters = ForecastParameters()) -> list[str]:
    bounds = [f"forecast_{side}{level_name(level)}" for level in parameters.levels
              for side in ("lower", "upper")]
    return ["forecast", *bounds, "p_meet_target", "forecast_method", "forecast_reason"]


def _polarity_sign(polarity) -> np.ndarray:
    polarity = np.asarray(polarity)
    if polarity.dtype.kind in "iuf":
        return np.sign(np.nan_to_num(polarity.astype(float))).astype(np.int64)
    return (polarity == "up").astype(np.int64) - (polarity == "down").astype(np.int64)


@dataclass(frozen=True)
class Candidate:
    """One model's result for every series."""

    fitted: np.ndarray  # the model could be fitted to the whole series
    backtest_error: np.ndarray  # mean absolute error over the origins (inf: no backtest)
    forecast: np.ndarray
    sd: np.ndarray  # of the predictive distribution (t for linear, normal for damped)


def forecast_panel(panel: Panel, forecast_start_days: np.ndarray, target: np.ndarray,
                   polarity, parameters: ForecastParameters = ForecastParameters()
                   ) -> dict[str, np.ndarray]:
    """Forecast every series of ``panel`` to its ``forecast_start``; one entry per series.

    ``panel.extra["t"]`` holds each point's time, ``period_start`` in days since
    1970-01-01 (``assess_forecast`` adds it). Per series: ``forecast_start_days`` in the
    same units (NaN: no forecast), ``target`` (NaN: none) and ``polarity`` (``"up"``,
    ``"down"``, ``"none"``, or +1 / −1 / 0 as ``direction_panel`` takes it).

    Returns the columns of ``output_columns(parameters)``: floats (NaN where absent),
    and ``forecast_method`` / ``forecast_reason`` as object arrays (None where absent).
    """
    y, t, lengths = panel.values, panel.extra[TIME], panel.lengths
    n_series = y.shape[0]
    t0 = np.asarray(forecast_start_days, dtype=float).reshape(n_series)
    target = np.asarray(target, dtype=float).reshape(n_series)
    sign = _polarity_sign(polarity).reshape(n_series)
    # The series' largest absolute value (fmax and fmin skip the NaN padding).
    scale = np.maximum(np.fmax.reduce(y, axis=1, initial=-np.inf),
                       -np.fmin.reduce(y, axis=1, initial=np.inf)).clip(0.0)
    enough = lengths >= parameters.min_points
    # Backtest origins: the last ``backtest_origins`` points with min_points − 1 before.
    origins = np.where(enough, np.clip(np.minimum(
        parameters.backtest_origins, lengths - (parameters.min_points - 1)), 0, None), 0)
    offsets = np.arange(1, parameters.backtest_origins + 1)[:, None]
    fit_points = np.where(offsets <= origins[None, :], lengths[None, :] - offsets, 0)

    candidates = {}
    if "linear" in parameters.methods:
        candidates["linear"] = _linear(t, y, lengths, t0, fit_points, origins, scale)
    if "damped" in parameters.methods:
        candidates["damped"] = _damped(panel, t0, enough, fit_points, origins, scale,
                                       parameters)
    linear, damped = candidates.get("linear"), candidates.get("damped")
    if linear is None:
        choose_linear = np.zeros(n_series, dtype=bool)
    elif damped is None:
        choose_linear = linear.fitted
    else:  # the smaller backtest error wins; ties go to linear
        choose_linear = linear.fitted & (
            linear.backtest_error <= damped.backtest_error + TIE * scale)
    choose_damped = (damped.fitted & ~choose_linear if damped is not None
                     else np.zeros(n_series, dtype=bool))
    has_date = np.isfinite(t0)
    forecastable = enough & has_date & (choose_linear | choose_damped)
    choose_linear, choose_damped = choose_linear & forecastable, choose_damped & forecastable

    forecast, sd = np.full(n_series, np.nan), np.full(n_series, np.nan)
    backtest_error = np.full(n_series, np.nan)
    for chosen, candidate in ((choose_linear, linear), (choose_damped, damped)):
        if candidate is not None:
            forecast = np.where(chosen, candidate.forecast, forecast)
            sd = np.where(chosen, candidate.sd, sd)
            backtest_error = np.where(chosen, candidate.backtest_error, backtest_error)
    if parameters.calibrate:
        sd = _calibrated(sd, backtest_error, origins, t, lengths, t0, EXACT * scale)
    out: dict[str, np.ndarray] = {"forecast": forecast}
    degrees = np.where(choose_linear, lengths - 2, 1)
    for level in parameters.levels:
        upper_p = 0.5 + level / 200
        # Student's t quantile is slow: compute it once per degrees of freedom.
        t_quantiles = special.stdtrit(np.arange(1, degrees.max(initial=1) + 1), upper_p)
        quantile = np.where(choose_linear, t_quantiles[degrees - 1], special.ndtri(upper_p))
        out[f"forecast_lower{level_name(level)}"] = forecast - quantile * sd
        out[f"forecast_upper{level_name(level)}"] = forecast + quantile * sd
    out["p_meet_target"] = _p_meet(forecast, sd, degrees, choose_linear, target, sign,
                                   EXACT * scale)

    method = np.full(n_series, None, dtype=object)
    method[choose_linear] = "linear"
    method[choose_damped] = "damped"
    reason = np.full(n_series, None, dtype=object)
    reason[enough & ~has_date] = NO_DATE
    reason[enough & has_date & ~forecastable] = NO_SPREAD_IN_TIME
    reason[~enough] = f"fewer than {parameters.min_points} points"
    out["forecast_method"] = method
    out["forecast_reason"] = reason
    return out


def _mean_error(misses: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """Mean of each series' absolute errors over its origins, added origin by origin."""
    total = np.zeros(misses.shape[1])
    for origin, miss in enumerate(misses):
        total = total + np.where(origin < origins, miss, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(origins > 0, total / origins, 0.0)


def _linear(t, y, lengths, t0, fit_points, origins, scale) -> Candidate:
    fit = linear_trend(t, y, lengths, t0, fit_points)
    error = _mean_error(fit.backtest, origins)
    s = np.where(fit.residual_sd <= EXACT * scale, 0.0, fit.residual_sd)
    # An origin whose points all share one time has no line: linear cannot win there.
    return Candidate(fit.valid, np.where(np.isnan(error), np.inf, error), fit.forecast,
                     s * fit.spread)


def _damped(panel, t0, enough, fit_points, origins, scale, parameters) -> Candidate:
    y, t, lengths = panel.values, panel.extra[TIME], panel.lengths
    fits = damped_grid(y, lengths, range(parameters.backtest_origins + 1),
                       np.vstack([enough[None, :], fit_points > 0]),
                       parameters.alphas, parameters.betas, parameters.phis)
    spacing = median_spacing(t, lengths)
    misses = np.zeros(fit_points.shape)
    for origin in range(fit_points.shape[0]):
        k = lengths - (origin + 1)  # fit on k points, forecast point k + 1
        used = origin < origins
        steps = np.where(used, steps_ahead(pick(t, k) - pick(t, k - 1), spacing), 0)
        fit = origin + 1  # fit 0 is the whole series
        multiplier = damped_sums(np.nan_to_num(fits.phi[fit]), steps)
        predicted = fits.level[fit] + multiplier * fits.trend[fit]
        misses[origin] = np.where(used, np.abs(pick(y, k) - predicted), 0.0)

    gap = t0 - pick(t, lengths - 1)
    steps = np.where(enough & np.isfinite(t0), steps_ahead(gap, spacing), 0)
    alpha, beta, phi = (np.nan_to_num(fits.alpha[0]), np.nan_to_num(fits.beta[0]),
                        np.nan_to_num(fits.phi[0]))
    forecast = fits.level[0] + damped_sums(phi, steps) * fits.trend[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(fits.sse[0] / (lengths - 2))  # mean squared one-step error
    sigma = np.where(sigma <= EXACT * scale, 0.0, sigma)
    sd = sigma * np.sqrt(damped_variance_factor(alpha, beta, phi, steps))
    return Candidate(enough, _mean_error(misses, origins), forecast, sd)


def _calibrated(sd, backtest_error, origins, t, lengths, t0, exact) -> np.ndarray:
    """Never claim more certainty than the series' own backtest shows.

    The model's spread comes from how well it fits the points it was fitted to; the
    backtest shows how far it missed points it had not seen. Read as a normal error, a
    mean absolute miss m one step ahead means a standard deviation of m·√(π/2); grown as
    √h over h steps to the forecast date, it is the least spread the predictive law may
    have (the larger of the two is used). A model that fitted well but forecast badly
    thus gets honest intervals, and its P(meet target) is pulled towards 1/2.
    """
    spacing = median_spacing(t, lengths)
    steps = steps_ahead(np.where(np.isfinite(t0), t0 - pick(t, lengths - 1), 0.0), spacing)
    with np.errstate(invalid="ignore"):
        empirical = backtest_error * np.sqrt(np.pi / 2) * np.sqrt(np.maximum(steps, 1))
    empirical = np.where(empirical <= exact, 0.0, empirical)  # an exact fit stays exact
    usable = (origins > 0) & np.isfinite(empirical) & np.isfinite(sd)
    return np.where(usable, np.maximum(sd, empirical), sd)


def _p_meet(forecast, sd, degrees, linear, target, sign, exact) -> np.ndarray:
    """P(Y ≥ target) for ``up``, P(Y ≤ target) for ``down``, under the predictive law.

    An exact fit (sd = 0) meets the target if its forecast is no more than ``exact`` on
    the wrong side, so that rounding cannot turn a flat series at its target into a miss.
    """
    margin = sign * (forecast - target)  # how far the forecast is on the good side
    judged = (sign != 0) & np.isfinite(target) & np.isfinite(forecast)
    p = np.where(judged & (sd == 0), (margin >= -exact).astype(float), np.nan)
    spread = judged & (sd > 0)
    for law, rows in (("t", spread & linear), ("normal", spread & ~linear)):
        z = margin[rows] / sd[rows]
        p[rows] = special.stdtr(degrees[rows], z) if law == "t" else special.ndtr(z)
    return p


def assess_forecast(frame: pl.DataFrame, parameters: ForecastParameters = ForecastParameters(),
                    *, keys: Sequence[str] = ("indicator", "area"),
                    order: Sequence[str] = ("period_start", "period_end")) -> pl.DataFrame:
    """One row per series: ``keys`` and the forecast columns (``output_columns``).

    ``frame``: keys, ``period_start`` / ``period_end`` (dates), ``value`` (null values
    take no part), ``polarity`` (``up``/``down``/``none``), and per series (repeated on its
    rows, constant within it) ``forecast_start`` (date) and optionally ``target`` (float
    or null). The result is sorted by ``keys``; a series whose values are all missing is
    in it, with the short-series reason.
    """
    keys, order = list(keys), list(order)
    needed = [*keys, *order, "value", "polarity", "forecast_start"]
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise ValueError(f"assess_forecast needs the column(s) {', '.join(missing)}")
    target = pl.col("target").cast(pl.Float64) if "target" in frame.columns else pl.lit(None)
    per_series = {"_target": target,
                  "_start": pl.col("forecast_start").cast(pl.Date).cast(pl.Int32),
                  "_sign": pl.col("polarity").cast(pl.String).replace_strict(
                      {"up": 1, "down": -1}, default=0, return_dtype=pl.Int8)}
    timed = frame.with_columns(
        pl.col("period_start").cast(pl.Date).cast(pl.Int32).alias(TIME), **per_series)
    panel = build_panel(timed, keys, order, value="value", extra=(TIME, *per_series))
    # Constant within a series: any of its points will do (fmax skips the NaN padding).
    series = {name: np.fmax.reduce(panel.extra[name], axis=1) if panel.width
              else np.full(panel.n_series, np.nan) for name in per_series}
    results = forecast_panel(panel, series["_start"], series["_target"],
                             np.nan_to_num(series["_sign"]), parameters)
    columns = output_columns(parameters)
    assessed = panel.keys.with_columns(
        *[pl.Series(name, results[name], dtype=pl.Float64, nan_to_null=True)
          for name in columns[:-2]],
        pl.Series("forecast_method", results["forecast_method"].tolist(), dtype=pl.String),
        pl.Series("forecast_reason", results["forecast_reason"].tolist(), dtype=pl.String),
    )
    # Series whose values are all missing are not in the panel; they are still series.
    absent = pl.col("value").is_null() | pl.col("value").cast(pl.Float64).is_nan()
    if frame.select(absent.any()).item():
        empty = (frame.select(keys).unique(maintain_order=True)
                 .join(panel.keys, on=keys, how="anti", nulls_equal=True))
        empty = empty.with_columns(
            *[pl.lit(None, pl.Float64).alias(name) for name in columns[:-2]],
            forecast_method=pl.lit(None, pl.String),
            forecast_reason=pl.lit(f"fewer than {parameters.min_points} points"),
        )
        assessed = pl.concat([assessed, empty.select(assessed.columns)]).sort(keys)
    return assessed
