"""The outlier test written the slow, obvious way: one series, one point, one list of others.

For each row: gather the other values of its series, then compute the median, MAD, mean,
standard deviation or range of that list with Python's ``statistics`` module (whose mean
and stdev are exact, via fractions) and apply the rule. This is what
``joinedup.core.outliers`` must reproduce.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict

import polars as pl

NO_VALUE = "no value"
TOO_FEW = "too few points"
NO_SPREAD = "no spread in the other values"


def reference_score(others: list[float], x: float, parameters) -> tuple[bool, float | None,
                                                                        str | None]:
    """Is ``x`` an outlier against ``others`` (which do not include it)?"""
    method = parameters.method
    if len(others) < parameters.min_points - 1 or len(others) < 1:
        return False, None, TOO_FEW
    if method == "modified_z":
        median = statistics.median(others)
        mad = statistics.median([abs(o - median) for o in others])
        if mad == 0:
            return False, None, NO_SPREAD
        score = 0.6745 * abs(x - median) / mad
        return score > parameters.modified_z_threshold, score, None
    if method == "z":
        if len(others) < 2:  # a sample standard deviation needs two values
            return False, None, TOO_FEW
        mean = statistics.mean(others)
        sd = statistics.stdev(others)
        if sd == 0:
            return False, None, NO_SPREAD
        score = abs(x - mean) / sd
        return score > parameters.z_threshold, score, None
    if method == "min_max":
        lowest, highest = min(others), max(others)
        spread = highest - lowest
        if spread == 0:
            return False, None, NO_SPREAD
        lower = lowest - parameters.min_max_margin * spread
        upper = highest + parameters.min_max_margin * spread
        if x < lower:
            return True, (lower - x) / spread, None
        if x > upper:
            return True, (x - upper) / spread, None
        return False, 0.0, None
    raise ValueError(method)


def usable(value) -> bool:
    return value is not None and math.isfinite(value)


def reference_outliers(frame: pl.DataFrame, parameters,
                       keys=("indicator", "area")) -> pl.DataFrame:
    """``outlier``, ``outlier_score`` and ``outlier_reason`` for each row of ``frame``."""
    rows = frame.select(*keys, "value").rows()
    series = defaultdict(list)  # key -> row numbers
    for number, row in enumerate(rows):
        series[row[:-1]].append(number)
    results = [None] * len(rows)
    for members in series.values():
        for number in members:
            x = rows[number][-1]
            if not usable(x):
                results[number] = (False, None, NO_VALUE)
                continue
            others = [rows[other][-1] for other in members
                      if other != number and usable(rows[other][-1])]
            results[number] = reference_score(others, x, parameters)
    return pl.DataFrame(
        results, schema={"outlier": pl.Boolean, "outlier_score": pl.Float64,
                         "outlier_reason": pl.String}, orient="row",
    )
