"""Slow, per-series reference for joinedup.core.forecast.

Plain Python over one series at a time: hand sums for least squares, the damped-trend
and simple smoothing recursions written out for each grid point, the drift from the
first and last points, a refit at every backtest origin, the combination's weights from
the misses, and scipy.stats for the distributions. It follows the method in the module's docstring and
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


def drift_fit(ys: list[float], steps: int):
    """Random walk with drift on ``ys``: (forecast ``steps`` on, σ or None below 3 points)."""
    n = len(ys)
    c = (ys[-1] - ys[0]) / (n - 1)
    sigma = None
    if n >= 3:
        sigma = math.sqrt(sum((b - a - c) ** 2 for a, b in zip(ys, ys[1:])) / (n - 2))
    return ys[-1] + steps * c, sigma


def smoothing_run(ys: list[float], alpha: float):
    """ETS(A,N,N) from ℓ₁ = y₁: final level and the sum of squared one-step errors."""
    level, sse = ys[0], 0.0
    for y in ys[1:]:
        error = y - level
        sse = sse + error * error
        level = level + alpha * error
    return level, sse


def smoothing_best(ys: list[float], alphas):
    best = None
    for alpha in alphas:
        level, sse = smoothing_run(ys, alpha)
        if best is None or sse < best[2]:
            best = (alpha, level, sse)
    return best


def backtest_misses(method, ts, ys, origins, spacing, parameters) -> list[float]:
    """Signed misses (actual − forecast) at origins r = 1 … ``origins``; NaN: no fit."""
    misses = []
    for r in range(1, origins + 1):
        k = len(ys) - r
        h = steps_to(ts[k] - ts[k - 1], spacing)
        if method == "linear":
            fit = ols(ts[:k], ys[:k])
            if fit is None:
                misses.append(math.nan)
                continue
            t_mean, y_mean, slope, _, _ = fit
            predicted = y_mean + slope * (ts[k] - t_mean)
        elif method == "damped":
            alpha, beta, phi, _, level, trend = damped_best(ys[:k], parameters)
            predicted = level + phi_sum(phi, h) * trend
        elif method == "drift":
            predicted = drift_fit(ys[:k], h)[0]
        else:
            predicted = smoothing_best(ys[:k], parameters.alphas)[1]
        misses.append(ys[k] - predicted)
    return misses


def whole_fit(method, ts, ys, forecast_start, steps, parameters, exact):
    """(forecast, sd) of one model fitted to the whole series; None if it has no fit."""
    n = len(ys)
    if method == "linear":
        fit = ols(ts, ys)
        if fit is None:
            return None
        t_mean, y_mean, slope, sxx, sse = fit
        s = math.sqrt(sse / (n - 2))
        s = 0.0 if s <= exact else s
        return (y_mean + slope * (forecast_start - t_mean),
                s * math.sqrt(1 + 1 / n + (forecast_start - t_mean) ** 2 / sxx))
    if method == "damped":
        alpha, beta, phi, sse, level, trend = damped_best(ys, parameters)
        sigma = math.sqrt(sse / (n - 2))
        sigma = 0.0 if sigma <= exact else sigma
        return (level + phi_sum(phi, steps) * trend,
                sigma * math.sqrt(variance_factor(alpha, beta, phi, steps)))
    if method == "drift":
        forecast, sigma = drift_fit(ys, steps)
        sigma = 0.0 if sigma <= exact else sigma
        return forecast, sigma * math.sqrt(steps * (1 + steps / (n - 1)))
    alpha, level, sse = smoothing_best(ys, parameters.alphas)
    sigma = math.sqrt(sse / (n - 1))
    sigma = 0.0 if sigma <= exact else sigma
    return level, sigma * math.sqrt(1 + (steps - 1) * alpha * alpha)


BASE = ("linear", "damped", "drift", "smoothing")
ORDER = (*BASE, "combined")


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
    exact = EXACT * scale
    spacing = statistics.median(b - a for a, b in zip(ts, ts[1:]))
    origins = max(0, min(parameters.backtest_origins, n - (parameters.min_points - 1)))
    steps = steps_to(forecast_start - ts[-1], spacing)

    wanted = set(parameters.methods) | (set(BASE) if "combined" in parameters.methods else set())
    models = {}  # name: (forecast, sd, misses)
    for name in BASE:
        if name in wanted:
            fit = whole_fit(name, ts, ys, forecast_start, steps, parameters, exact)
            if fit is not None:
                models[name] = (*fit, backtest_misses(name, ts, ys, origins, spacing,
                                                      parameters))
    if "combined" in wanted and models:
        mse = {name: (sum(m * m for m in misses) / origins if origins else 0.0)
               for name, (_, _, misses) in models.items()}
        known = {name: e for name, e in mse.items() if not math.isnan(e)}
        perfect = [name for name, e in known.items() if math.sqrt(e) <= exact]
        if perfect:
            raw = {name: 1.0 for name in perfect}
        elif known:
            raw = {name: 1 / e for name, e in known.items()}
        else:
            raw = {name: 1.0 for name in models}
        weights = {name: w / sum(raw.values()) for name, w in raw.items()}
        models["combined"] = (
            sum(w * models[name][0] for name, w in weights.items()),
            sum(w * models[name][1] for name, w in weights.items()),
            [sum(w * models[name][2][r] for name, w in weights.items())
             for r in range(origins)])
    errors = {}
    for name in ORDER:
        if name in parameters.methods and name in models:
            misses = models[name][2]
            error = sum(abs(m) for m in misses) / origins if origins else 0.0
            errors[name] = math.inf if math.isnan(error) else error
    least = min(errors.values(), default=math.inf)
    if least == math.inf:
        out["forecast_reason"] = "the points all start on the same date"
        return out
    method = next(name for name in ORDER
                  if name in errors and errors[name] <= least + TIE * scale)
    forecast, sd, _ = models[method]

    if getattr(parameters, "calibrate", False):
        if origins > 0:
            # the model's spread and the backtest's, root mean square
            empirical = (errors[method] * math.sqrt(math.pi / 2) * math.sqrt(max(steps, 1)))
            if empirical <= exact:
                empirical = 0.0
            if math.isfinite(empirical):
                sd = math.sqrt((sd * sd + empirical * empirical) / 2)
        degrees = parameters.tail_degrees
        if method == "linear":
            degrees = min(degrees, n - 2)
        law = stats.t(max(degrees, 1), loc=forecast, scale=sd) if sd > 0 else None
    elif method == "linear":
        law = stats.t(n - 2, loc=forecast, scale=sd) if sd > 0 else None
    else:
        law = stats.norm(loc=forecast, scale=sd) if sd > 0 else None

    out["forecast"] = forecast
    out["forecast_method"] = method
    for level in levels:
        half = law.ppf(0.5 + level / 200) - forecast if law else 0.0
        out[f"forecast_lower{level:g}"] = forecast - half
        out[f"forecast_upper{level:g}"] = forecast + half
    if polarity in ("up", "down") and target is not None:
        if law is None:
            margin = forecast - target if polarity == "up" else target - forecast
            meets = margin >= -exact
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
