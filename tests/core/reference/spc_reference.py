"""A slow, literal reference for joinedup.core.spc: one series at a time, plain lists.

It follows NHSRplotthedots 0.2.2 step by step (``ptd_spc_standard``,
``ptd_calculate_point_type``, ``ptd_calculate_assurance_type``), checking each window
point by point as the R ``vapply`` code does. No NumPy.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from joinedup.core.parameters import SPCParameters
from joinedup.core.periods import parse_period

NAN = math.nan
POLARITY = {"up": 1, "down": -1, "none": 0}


def r_mean(values: list[float]) -> float:
    """R's mean(x, na.rm = TRUE): sum, divide, then add the mean residual."""
    kept = [v for v in values if not math.isnan(v)]
    if not kept:
        return NAN
    total = 0.0
    for v in kept:
        total += v
    mean = total / len(kept)
    if math.isfinite(mean):
        residual = 0.0
        for v in kept:
            residual += v - mean
        mean += residual / len(kept)
    return mean


def sign(x: float) -> int:
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


def segment_starts(starts: list[date], rebase: list[date]) -> list[int]:
    """Indices where a new segment begins: the first point on or after each rebase date."""
    begins = {0} if starts else set()
    for when in rebase:
        for i, start in enumerate(starts):
            if start >= when:
                begins.add(i)
                break
    return sorted(begins)


def chart(y: list[float], polarity: int, parameters: SPCParameters) -> list[dict]:
    """Steps 1-11 for one segment (treated as its own series)."""
    n = len(y)
    run = parameters.run_length
    limit = parameters.limit_multiplier
    close_limit = 2 * (limit / 3)

    # 1-4: baseline, mean, moving ranges, screening, limits
    baseline = n if parameters.baseline_points is None else parameters.baseline_points
    fix_y = [y[j] if j < baseline else NAN for j in range(n)]
    mean = r_mean(fix_y)
    mr = [NAN] + [abs(fix_y[j] - fix_y[j - 1]) for j in range(1, n)]
    amr = r_mean(mr)
    if parameters.screen_outliers:
        mr = [m if m < parameters.screen_multiplier * amr else NAN for m in mr]
        amr = r_mean(mr)
    lpl, upl = mean - limit * amr, mean + limit * amr
    nlpl, nupl = mean - close_limit * amr, mean + close_limit * amr

    # 5: per-point position against the limits and the mean
    outside = [y[j] > upl or y[j] < lpl for j in range(n)]
    relative = [sign(y[j] - mean) for j in range(n)]
    close = [(not outside[j]) and (y[j] < nlpl or y[j] > nupl) for j in range(n)]

    # 6: trend ends
    trend = [0] * n
    for i in range(run - 1, n):
        steps = [sign(y[k] - y[k - 1]) for k in range(i - run + 2, i + 1)]
        if all(s == 1 for s in steps):
            trend[i] = 1
        elif all(s == -1 for s in steps):
            trend[i] = -1

    # 7: shift ends
    shift = [0] * n
    for i in range(run - 1, n):
        window = relative[i - run + 1:i + 1]
        if window[-1] != 0 and all(r == window[-1] for r in window):
            shift[i] = 1

    def part_of(ends: list[int]) -> list[bool]:
        padded = ends + [0] * (run - 1)
        return [any(abs(padded[k]) == 1 for k in range(i, i + run)) for i in range(n)]

    part_trend, part_shift = part_of(trend), part_of(shift)

    # 8: two in three, with two zeros of padding at each end
    cp = [0, 0] + [1 if c else 0 for c in close] + [0, 0]
    rp = [0, 0] + relative + [0, 0]
    part_two = []
    for i in range(n):
        flagged = False
        for offset in (0, 1, 2):
            window = range(i + offset, i + offset + 3)
            if sum(cp[k] for k in window) >= 2 and abs(sum(rp[k] for k in window)) == 3:
                flagged = True
        part_two.append(flagged and close[i])

    # 9-11: signal, side, variation
    points = []
    for i in range(n):
        if outside[i]:
            signal, side = "outside_limits", "high" if relative[i] == 1 else "low"
        elif part_trend[i]:
            if i + 1 < n and part_trend[i + 1]:
                step = sign(y[i + 1] - y[i])
            else:
                step = sign(y[i] - y[i - 1]) if i > 0 else 0
            signal, side = "trend", "high" if step == 1 else "low"
        elif part_two[i]:
            signal, side = "two_in_three", "high" if relative[i] > 0 else "low"
        elif part_shift[i]:
            signal, side = "shift", "high" if relative[i] > 0 else "low"
        else:
            signal, side = "none", "none"
        if signal == "none":
            variation = "common_cause"
        elif polarity == 0:
            variation = "neutral_" + side
        elif (side == "high") == (polarity == 1):
            variation = "improvement"
        else:
            variation = "concern"
        points.append({
            "spc_mean": mean, "spc_lower": lpl, "spc_upper": upl,
            "spc_lower_2sigma": nlpl, "spc_upper_2sigma": nupl,
            "spc_signal": signal, "spc_side": side, "variation": variation,
            "spc_trial_limits": n < parameters.trial_points,
        })
    return points


def assurance(polarity: int, target: float, lpl: float, upl: float) -> str:
    """Step 12, from the last segment's limits."""
    if math.isnan(target) or polarity == 0:
        return "none"
    if target > upl:
        return "fail" if polarity == 1 else "pass"
    if target < lpl:
        return "pass" if polarity == 1 else "fail"
    return "hit_and_miss"


def reference_series(y: list[float], starts: list[date], polarity: int, target: float,
                     parameters: SPCParameters) -> tuple[list[dict], str]:
    """Every point of one series (in time order), and its assurance."""
    rebase = [parse_period(label).start for label in parameters.rebase_periods]
    begins = segment_starts(starts, rebase) + [len(y)]
    points = []
    for a, b in zip(begins[:-1], begins[1:]):
        points += chart(y[a:b], polarity, parameters)
    if not points:
        return [], "none"
    return points, assurance(polarity, target, points[-1]["spc_lower"], points[-1]["spc_upper"])


def reference_assess(frame: pl.DataFrame, parameters: SPCParameters = SPCParameters(), *,
                     keys=("indicator", "area"),
                     order=("period_start", "period_end")) -> list[dict]:
    """One dict of results per row of ``frame``, in the frame's order (a loop per series)."""
    keys, order = list(keys), list(order)
    rows = frame.with_row_index("_row").to_dicts()
    results: list[dict | None] = [None] * len(rows)
    series: dict[tuple, list[dict]] = {}
    for row in rows:
        series.setdefault(tuple(row[k] for k in keys), []).append(row)
    for members in series.values():
        present = [r for r in members if r["value"] is not None and not math.isnan(r["value"])]
        present.sort(key=lambda r: tuple(r[k] for k in order))
        y = [r["value"] for r in present]
        starts = [r["period_start"] for r in present]
        polarity = POLARITY[members[0]["polarity"]]
        target = members[0].get("target")
        target = NAN if target is None else float(target)
        points, assured = reference_series(y, starts, polarity, target, parameters)
        for row, point in zip(present, points):
            results[row["_row"]] = {**point, "assurance": assured}
    missing = {
        "spc_mean": None, "spc_lower": None, "spc_upper": None, "spc_lower_2sigma": None,
        "spc_upper_2sigma": None, "spc_signal": "none", "spc_side": "none", "variation": None,
        "assurance": "none", "spc_trial_limits": None,
    }
    return [missing if r is None else r for r in results]
