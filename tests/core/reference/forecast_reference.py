"""Slow, per-series reference for joinedup.core.forecast.

Plain Python over one series at a time: hand sums for least squares, the damped-trend
recursion written out for each grid point, a refit at every backtest origin, and
scipy.stats for the distributions. It follows the method in the module's docstring and
shares no code with it.
"""

from __future__ import annotations

import math
import statistics
from itertools import product

import polars as pl
from scipy import stats

EXACT = 1e-10
TIE = 1e-9


def ols(ts: list[float], ys: list[float]):
    """(t̄, ȳ, slope, Sxx, residual sum of squares), or None if the times do not vary."""
    n = len(ts)
    t_mean = sum(ts) / n
    y_mean = sum(ys) / n
    sxx = sum((t - t_mean) ** 2 for t in ts)
    if sxx == 0:
        return None
    slope = sum((t - t_mean) * (y - y_mean) for t, y in zip(ts, ys)) / sxx
    sse = sum(((y - y_mean) - slope * (t - t_mean)) ** 2 for t, y in zip(ts, ys))
    return t_mean, y_mean, slope, sxx, sse


def damped_run(ys: list[float], alpha: float, beta: float, phi: float):
    """ETS(A,Ad,N) from ℓ₂ = y₂, b₂ = y₂ − y₁: final (level, trend, sse) and fitted values.

    ``fitted[i]`` is the one-step forecast of ``ys[i + 2]``.
    """
    level, trend, sse = ys[1], ys[1] - ys[0], 0.0
    fitted = []
    for y in ys[2:]:
        damped = trend * phi
        forecast = level + damped
        fitted.append(forecast)
        error = y - forecast
        level = forecast + error * alpha
        trend = damped + error * beta
        sse = sse + error * error
    return level, trend, sse, fitted


def damped_best(ys: list[float], parameters):
    best = None
    for alpha, beta, phi in product(parameters.alphas, parameters.betas, parameters.phis):
        level, trend, sse, _ = damped_run(ys, alpha, beta, phi)
        if best is None or sse < best[3]:
            best = (alpha, beta, phi, sse, level, trend)
    return best


def phi_sum(phi: float, steps: int) -> float:
    total, power = 0.0, 1.0
    for _ in range(steps):
        power = power * phi
        total = total + power
    return total


def variance_factor(alpha: float, beta: float, phi: float, steps: int) -> float:
    factor, phi_j, power = 1.0, 0.0, 1.0
    for _ in range(1, steps):
        power = power * phi
        phi_j = phi_j + power
        c = alpha + beta * phi_j
        factor = factor + c * c
    return factor


def steps_to(gap: float, spacing: float | None) -> int:
    if spacing is None or not spacing > 0 or not math.isfinite(gap):
        return 1
    return max(1, round(gap / spacing))


def reference_series(ts, ys, forecast_start, target, polarity, parameters) -> dict:
    """The forecast columns for one series (times in days, ``forecast_start`` or None)."""
    levels = parameters.levels
    out = {"forecast": None, "p_meet_target": None, "forecast_method": None,
           "forecast_reason": None}
    for level in levels:
        out[f"forecast_lower{level:g}"] = out[f"forecast_upper{level:g}"] = None
    n = len(ys)
    if n < parameters.min_points:
        out["forecast_reason"] = f"fewer than {parameters.min_points} points"
        return out
    if forecast_start is None:
        out["forecast_reason"] = "no forecast date"
        return out
    scale = max(abs(y) for y in ys)
    spacing = statistics.median(b - a for a, b in zip(ts, ts[1:]))
    origins = max(0, min(parameters.backtest_origins, n - (parameters.min_points - 1)))

    errors = {}
    if "linear" in parameters.methods:
        misses = []
        for r in range(1, origins + 1):
            k = n - r
            fit = ols(ts[:k], ys[:k])
            if fit is None:
                misses.append(math.inf)
                continue
            t_mean, y_mean, slope, _, _ = fit
            misses.append(abs(ys[k] - (y_mean + slope * (ts[k] - t_mean))))
        errors["linear"] = sum(misses) / origins if origins else 0.0
        if ols(ts, ys) is None:
            errors.pop("linear")
    if "damped" in parameters.methods:
        misses = []
        for r in range(1, origins + 1):
            k = n - r
            alpha, beta, phi, _, level, trend = damped_best(ys[:k], parameters)
            h = steps_to(ts[k] - ts[k - 1], spacing)
            misses.append(abs(ys[k] - (level + phi_sum(phi, h) * trend)))
        errors["damped"] = sum(misses) / origins if origins else 0.0
    if not errors:
        out["forecast_reason"] = "the points all start on the same date"
        return out
    if "linear" in errors and ("damped" not in errors
                               or errors["linear"] <= errors["damped"] + TIE * scale):
        method = "linear"
    else:
        method = "damped"

    if method == "linear":
        t_mean, y_mean, slope, sxx, sse = ols(ts, ys)
        s = math.sqrt(sse / (n - 2))
        s = 0.0 if s <= EXACT * scale else s
        forecast = y_mean + slope * (forecast_start - t_mean)
        sd = s * math.sqrt(1 + 1 / n + (forecast_start - t_mean) ** 2 / sxx)
        law = stats.t(n - 2, loc=forecast, scale=sd) if sd > 0 else None
    else:
        alpha, beta, phi, sse, level, trend = damped_best(ys, parameters)
        h = steps_to(forecast_start - ts[-1], spacing)
        forecast = level + phi_sum(phi, h) * trend
        sigma = math.sqrt(sse / (n - 2))
        sigma = 0.0 if sigma <= EXACT * scale else sigma
        sd = sigma * math.sqrt(variance_factor(alpha, beta, phi, h))
        law = stats.norm(loc=forecast, scale=sd) if sd > 0 else None

    if getattr(parameters, "calibrate", False) and origins > 0 and math.isfinite(errors[method]):
        # never narrower than the series' own backtest misses, grown as sqrt(steps)
        h = steps_to(forecast_start - ts[-1], spacing)
        empirical = errors[method] * math.sqrt(math.pi / 2) * math.sqrt(max(h, 1))
        if empirical <= EXACT * scale:
            empirical = 0.0
        if empirical > sd:
            sd = empirical
            law = (stats.t(n - 2, loc=forecast, scale=sd) if method == "linear"
                   else stats.norm(loc=forecast, scale=sd))

    out["forecast"] = forecast
    out["forecast_method"] = method
    for level in levels:
        half = law.ppf(0.5 + level / 200) - forecast if law else 0.0
        out[f"forecast_lower{level:g}"] = forecast - half
        out[f"forecast_upper{level:g}"] = forecast + half
    if polarity in ("up", "down") and target is not None:
        if law is None:
            margin = forecast - target if polarity == "up" else target - forecast
            meets = margin >= -EXACT * scale
            out["p_meet_target"] = 1.0 if meets else 0.0
        elif polarity == "up":
            out["p_meet_target"] = float(law.sf(target))
        else:
            out["p_meet_target"] = float(law.cdf(target))
    return out


def reference_assess(frame: pl.DataFrame, parameters, keys=("indicator", "area"),
                     order=("period_start", "period_end")) -> dict[tuple, dict]:
    """``reference_series`` for every series of ``frame``, keyed by the series' keys."""
    epoch = pl.date(1970, 1, 1)
    frame = frame.with_columns(
        _t=(pl.col("period_start") - epoch).dt.total_days().cast(pl.Float64),
        _start=(pl.col("forecast_start") - epoch).dt.total_days().cast(pl.Float64),
    ).sort([*keys, *order])
    results = {}
    for key, group in frame.group_by(list(keys), maintain_order=True):
        points = group.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
        targets = [x for x in group["target"].to_list() if x is not None and x == x] \
            if "target" in group.columns else []
        starts = [x for x in group["_start"].to_list() if x is not None]
        polarities = [x for x in group["polarity"].to_list() if x is not None]
        results[tuple(key)] = reference_series(
            points["_t"].to_list(), points["value"].to_list(),
            starts[-1] if starts else None, targets[-1] if targets else None,
            polarities[-1] if polarities else "none", parameters)
    return results
