"""Slow, obviously-correct references for the benchmark tests, computed straight from
the shipped files, with no part of the code under test."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

import joinedup

PACKAGE = Path(joinedup.__file__).resolve().parent
PLACES = PACKAGE / "places/data"
BENCHMARK_VALUES = PACKAGE / "demo/data/benchmark_values.csv"
GATESHEAD = "E08000037"


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def brute_force_neighbours(filename: str, weights: dict[str, float] | None = None,
                           k: int = 15) -> dict[str, list[tuple[str, float]]]:
    """Every area's k nearest: the whole distance matrix, one pair at a time."""
    rows = read_rows(PLACES / filename)
    names = [c for c in rows[0] if c != "area"]
    codes = [r["area"] for r in rows]
    values = np.array([[float(r[n]) for n in names] for r in rows])
    weighted = (values - values.mean(axis=0)) / values.std(axis=0)
    weighted *= np.array([(weights or {}).get(n, 1.0) for n in names])
    n = len(codes)
    distance = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            distance[i, j] = math.sqrt(sum((weighted[i] - weighted[j]) ** 2))
    distance /= distance.max()
    nearest = {}
    for i, code in enumerate(codes):
        others = sorted((distance[i, j], codes[j]) for j in range(n) if j != i)
        nearest[code] = [(c, d) for d, c in others[:k]]
    return nearest


def comparison_figures(indicator: str) -> dict[str, dict[str, float]]:
    """period label → area → value, from benchmark_values.csv."""
    found: dict[str, dict[str, float]] = defaultdict(dict)
    for row in read_rows(BENCHMARK_VALUES):
        if row["indicator"] == indicator:
            found[row["period"]][row["area"]] = float(row["value"])
    return found


def slow_rank(value: float, others: list[float], lower_is_better: bool) -> int:
    """1 + the number of values strictly better."""
    return 1 + sum(1 for o in others if (o < value if lower_is_better else o > value))
