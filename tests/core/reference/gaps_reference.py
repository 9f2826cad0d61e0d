"""A slow reference for joinedup.core.gaps: one group at a time, in plain Python.

Each indicator × period × level is collected into a list, sorted, and measured with the
textbook tools: ``numpy.percentile`` for quartiles, ``numpy.average`` for weighted means
and ``numpy.polyfit`` with weights √population for the weighted least-squares line
(polyfit minimises Σ (wᵢ(yᵢ − ŷᵢ))², so w = √pop minimises Σ popᵢ(yᵢ − ŷᵢ)²).
"""

from __future__ import annotations

import math
from itertools import groupby

import numpy as np

MEASURES = ("range", "iqr_gap", "quintile_gap", "sii")


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def reference_area_gaps(values: list[dict], areas: list[dict], min_areas: int = 3) -> list[dict]:
    """One dict per indicator × level × period, as area_gaps computes it."""
    area_by_code = {a["area"]: a for a in areas}
    groups: dict[tuple, list[dict]] = {}
    for row in values:
        area = area_by_code.get(row["area"])
        if area is None:
            continue
        key = (row["indicator"], area["level"], row["period"], row["period_start"])
        members = groups.setdefault(key, [])
        if _missing(row["value"]) or _missing(area["deprivation_rank"]):
            continue
        members.append({"area": row["area"], "value": float(row["value"]),
                        "rank": float(area["deprivation_rank"]),
                        "population": area["population"]})
    results = []
    for (indicator, level, period, period_start), members in groups.items():
        result = {"indicator": indicator, "level": level, "period": period,
                  "period_start": period_start, "areas": len(members)}
        result.update(group_gaps(members, min_areas))
        results.append(result)
    return results


def group_gaps(members: list[dict], min_areas: int) -> dict:
    empty = dict.fromkeys(["weighting", "min", "max", "range", "q1", "q3", "iqr_gap",
                           "deprived_areas", "deprived_quintile_mean", "rest_mean",
                           "quintile_gap", "sii"])
    if len(members) < min_areas:
        return {**empty, "reason": "too few"}
    result = dict(empty, reason=None)

    values = sorted(m["value"] for m in members)
    result["min"], result["max"] = values[0], values[-1]
    result["range"] = values[-1] - values[0]
    result["q1"] = float(np.percentile(values, 25))
    result["q3"] = float(np.percentile(values, 75))
    result["iqr_gap"] = result["q3"] - result["q1"]

    by_population = all(
        not _missing(m["population"]) and 0 < m["population"] < math.inf for m in members)
    result["weighting"] = "population" if by_population else "equal"
    for m in members:
        m["weight"] = float(m["population"]) if by_population else 1.0

    # Most deprived first; areas tied on rank form one band and share its midpoint.
    members = sorted(members, key=lambda m: m["rank"])
    total = sum(m["weight"] for m in members)
    before = 0.0
    for _rank, band in groupby(members, key=lambda m: m["rank"]):
        band = list(band)
        band_weight = sum(m["weight"] for m in band)
        for m in band:
            m["relative_rank"] = (before + band_weight / 2) / total
        before += band_weight

    deprived = [m for m in members if m["relative_rank"] <= 0.2]
    rest = [m for m in members if m["relative_rank"] > 0.2]
    ranks = {m["rank"] for m in members}
    if len(ranks) < 2:
        result["reason"] = "one rank"
    elif not deprived:
        result["reason"] = "no deprived"
    result["deprived_areas"] = len(deprived)
    if deprived and rest:
        result["deprived_quintile_mean"] = float(np.average(
            [m["value"] for m in deprived], weights=[m["weight"] for m in deprived]))
        result["rest_mean"] = float(np.average(
            [m["value"] for m in rest], weights=[m["weight"] for m in rest]))
        result["quintile_gap"] = result["deprived_quintile_mean"] - result["rest_mean"]
    if len(ranks) >= 2:
        x = [m["relative_rank"] for m in members]
        y = [m["value"] for m in members]
        slope, intercept = np.polyfit(x, y, 1, w=np.sqrt([m["weight"] for m in members]))
        result["sii"] = float((intercept + slope * 1) - (intercept + slope * 0))
    return result


def reference_gap_trends(gaps: list[dict], min_relative_change: float = 0.01) -> list[dict]:
    """One dict per indicator × level × measure, as gap_trends computes it."""
    series: dict[tuple, list[tuple]] = {}
    for row in gaps:
        for measure in MEASURES:
            points = series.setdefault((row["indicator"], row["level"], measure), [])
            if not _missing(row[measure]):
                points.append((row["period_start"], row["period"], row[measure]))
    results = []
    for (indicator, level, measure), points in series.items():
        points.sort()
        result = {"indicator": indicator, "level": level, "measure": measure,
                  "periods": len(points), "narrowing": None, "change": None,
                  "reversed": None}
        if len(points) >= 2:
            baseline, latest = points[0][2], points[-1][2]
            change = abs(latest) - abs(baseline)
            threshold = min_relative_change * abs(baseline)
            if change < -threshold:
                result["narrowing"] = "narrowing"
            elif change > threshold:
                result["narrowing"] = "widening"
            else:
                result["narrowing"] = "no_change"
            result["change"] = change
            result["reversed"] = (baseline > 0 > latest) or (baseline < 0 < latest)
            result["baseline_period"], result["latest_period"] = points[0][1], points[-1][1]
        results.append(result)
    return results
