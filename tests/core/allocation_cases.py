"""Allocation inputs shared by the allocation tests: a frame of areas, and a random case
(areas, pot and bounds) drawn from a seed."""

from __future__ import annotations

import numpy as np
import polars as pl


def areas(populations, needs, codes=None, **columns) -> pl.DataFrame:
    codes = codes or [f"A{i}" for i in range(len(populations))]
    return pl.DataFrame({"area": codes, "population": populations, "need": needs, **columns})


def random_case(seed: int) -> tuple[list[dict], int, dict]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    rows = [{"area": f"E{code:08d}", "population": int(rng.integers(0, 20_000)),
             "need": float(rng.choice([rng.uniform(0, 80), 0.0, 10.0], p=[0.8, 0.1, 0.1])),
             "previous": (None if rng.random() < 0.1
                          else float(rng.integers(0, 50_000)))}
            for code in rng.permutation(10 * n)[:n]]
    pot = int(rng.integers(0, 60_000 * n))
    options: dict = {}
    if rng.random() < 0.6:
        options["floor"] = float(rng.integers(0, 2 * pot // n + 1))
    if rng.random() < 0.5:
        options["ceiling"] = float(rng.integers(pot // n, 3 * pot // n + 2))
    if rng.random() < 0.5:
        options["damping"] = float(rng.choice([0.0, 0.05, 0.1, 0.25, 0.5]))
    return rows, pot, options
