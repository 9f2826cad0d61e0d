"""Statistical neighbours: the areas most like each area, by standardised, weighted
Euclidean distance.

Method
    The same method CIPFA describe for their Nearest Neighbours Model (CIPFA, "Nearest
    Neighbours Model (England)", cipfastats.net/resources/nearestneighbours): each
    variable is standardised, weighted, and areas are compared by Euclidean distance over
    all the variables at once. CIPFA publish the method but not their variables or
    weights; here both are data the user gives and can read.

    1. Standardise each variable across the areas: z = (x − mean) / sd, so that every
       variable has mean 0 and standard deviation 1 before weighting.
    2. Multiply each standardised value by its variable's weight (1 unless given).
    3. Take the Euclidean distance between every two areas over the weighted values:
       d(a, b) = √Σᵥ (w_v·z_av − w_v·z_bv)².
    4. Rebase: divide every distance by the distance between the two farthest-apart areas,
       so the farthest pair is 1 and every distance lies in [0, 1].
    5. List each area's k nearest other areas (15 by default), rank 1 the nearest.

    The standard deviation is the population one (divisor n, ``ddof=0``): the areas are
    every area of their kind (all the districts of England), not a sample from a larger
    set, so there is nothing to estimate. The choice cannot change a result: the sample
    sd is the population sd × √(n / (n − 1)) for every variable alike, which scales every
    distance by the same factor, and step 4 divides that factor out again.

Rules
    - Ties: neighbours are ordered by distance, then by area code, so the result is the
      same on every run and every machine. Distances are compared as computed (to the
      last bit), each as √ of the sum of squared differences over the variables in order.
    - A missing or non-finite value, a variable with the same value in every area (it has
      no standard deviation to divide by), a negative or non-finite weight, a weight for
      a variable that is not there, a repeated area, fewer than 2 areas, k not between 1
      and the number of areas − 1, and weights that leave every area at the same point
      (nothing to rebase to) each raise ``NeighbourError`` saying which; no NaN is ever
      returned.

Cost
    Memory grows with n × k, never n². The nearest candidates come from a k-d tree
    (``scipy.spatial.cKDTree``, exact search), k + 2 per area. Their distances are then
    recomputed exactly, a block of areas at a time, and ordered by (distance, code); an
    area whose k-th and (k + 1)-th candidates are not clearly apart (a tie at the edge of
    the list) is compared with every area instead, so no tied area is lost to the tree's
    own order. The farthest pair is found exactly without the n × n matrix: a lower bound
    L from repeated farthest-point sweeps, then only the pairs that could beat it, whose
    distances from the centre r satisfy rᵢ + rⱼ > L (the triangle inequality), compared a
    block at a time. That is O(n·p) for most data and O(n²·p) time, still in blocks, when
    every area lies about as far from the centre as the farthest pair's half-length.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

OUTPUT_COLUMNS = ["area", "neighbour", "rank", "distance"]
DEFAULT_K = 15
BLOCK_ROWS = 4096
PAIR_BUDGET = 1 << 21  # differences held at once in the farthest-pair search (× variables)
SEPARATION = 1e-9  # the k-th and (k + 1)-th candidates must be this far apart, relatively


class NeighbourError(ValueError):
    """Input the neighbours cannot be computed from; ``variable`` names the column at
    fault, where there is one."""

    def __init__(self, message: str, variable: str | None = None):
        self.variable = variable
        super().__init__(message)


def nearest_neighbours(variables: pl.DataFrame, weights: Mapping[str, float] | None = None,
                       k: int = DEFAULT_K, *, workers: int = 1) -> pl.DataFrame:
    """The ``k`` nearest neighbours of every area: ``area, neighbour, rank, distance``,
    sorted by area and rank, distances rebased so the farthest pair of areas is 1.

    ``variables`` has the column ``area`` and one numeric column per variable; ``weights``
    maps variable to weight (1 for any not named). ``workers`` is the threads the k-d tree
    search may use."""
    areas, weighted = weighted_values(variables, weights)
    n = len(areas)
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or not 1 <= k <= n - 1:
        raise NeighbourError(f"k must be a whole number from 1 to {n - 1} (one less than "
                             f"the {n} areas); it is {k!r}")
    farthest = farthest_pair_distance(weighted)
    if farthest == 0:
        raise NeighbourError("every area has the same weighted values, so there is no "
                             "distance to rebase to (are all the weights 0?)")
    neighbours, distances = _nearest(weighted, k, farthest, workers)
    codes = pl.Series("area", areas, dtype=pl.String)
    return pl.DataFrame({
        "area": codes.gather(np.repeat(np.arange(n), k)),
        "neighbour": codes.gather(neighbours.ravel()),
        "rank": np.tile(np.arange(1, k + 1, dtype=np.int32), n),
        "distance": distances.ravel(),
    })


def weighted_values(variables: pl.DataFrame, weights: Mapping[str, float] | None = None
                    ) -> tuple[list[str], np.ndarray]:
    """The area codes in code order and, row for row, the standardised values × weights
    (an n × p array, C order)."""
    if "area" not in variables.columns:
        raise NeighbourError("the variables have no area column")
    names = [c for c in variables.columns if c != "area"]
    if not names:
        raise NeighbourError("there are no variables, only the area column")
    weights = dict(weights or {})
    unknown = [v for v in weights if v not in names]
    if unknown:
        raise NeighbourError(f"a weight is given for {', '.join(map(str, unknown))}, which "
                             f"is not a variable (the variables are {', '.join(names)})",
                             variable=unknown[0])
    w = np.array([float(weights.get(v, 1.0)) for v in names])
    for name, weight in zip(names, w, strict=True):
        if not np.isfinite(weight) or weight < 0:
            raise NeighbourError(f"the weight of {name} must be a number, 0 or more; it is "
                                 f"{weight}", variable=name)
    frame = variables.sort("area")
    areas = frame["area"].cast(pl.String).to_list()
    if any(a is None or not a.strip() for a in areas):
        raise NeighbourError("an area has no code", variable="area")
    repeated = frame.filter(pl.col("area").is_duplicated())["area"].unique().sort()
    if repeated.len():
        raise NeighbourError(f"areas repeated: {', '.join(repeated.head(5).to_list())}",
                             variable="area")
    if len(areas) < 2:
        raise NeighbourError(f"neighbours need at least 2 areas; there are {len(areas)}")
    numeric = []
    for name in names:
        if not frame[name].dtype.is_numeric():
            raise NeighbourError(f"{name} is not numeric ({frame[name].dtype})", variable=name)
        numeric.append(frame[name].cast(pl.Float64))
    values = np.ascontiguousarray(np.column_stack([s.to_numpy() for s in numeric]),
                                  dtype=np.float64)
    for j, name in enumerate(names):
        bad = ~np.isfinite(values[:, j])
        if bad.any():
            where = [areas[i] for i in np.flatnonzero(bad)[:5]]
            raise NeighbourError(f"{name} has no value (or a non-finite one) for "
                                 f"{int(bad.sum())} area(s): {', '.join(where)}",
                                 variable=name)
        if (values[:, j] == values[0, j]).all():
            raise NeighbourError(f"{name} has the same value ({values[0, j]:g}) in every "
                                 f"area, so it cannot be standardised", variable=name)
    standardised = (values - values.mean(axis=0)) / values.std(axis=0)
    return areas, np.ascontiguousarray(standardised * w)


def _distances(points: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Exact Euclidean distances, √Σ(a − b)², broadcasting ``points`` against ``others``."""
    difference = points - others
    return np.sqrt((difference * difference).sum(axis=-1))


def _nearest(weighted: np.ndarray, k: int, farthest: float, workers: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (n × k) and rebased distances of each area's k nearest others, ordered by
    (rebased distance, index); the rows are in code order, so index order is code order.
    The order is taken on the rebased distances, the figures reported, because dividing
    by the farthest distance can round two different distances to one."""
    n = len(weighted)
    asked = min(k + 2, n)
    _, candidates = cKDTree(weighted).query(weighted, k=asked, workers=workers)
    candidates = np.asarray(candidates, dtype=np.int64).reshape(n, asked)
    neighbours = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k))
    for start in range(0, n, BLOCK_ROWS):
        rows = np.arange(start, min(start + BLOCK_ROWS, n))
        found = candidates[rows]
        # Drop the area itself; if the tree did not return it (more than k + 1 areas at
        # the very same point), drop the farthest candidate instead.
        drop = found == rows[:, None]
        drop[~drop.any(axis=1), -1] = True
        found = found[~drop].reshape(len(rows), asked - 1)
        near = _distances(weighted[rows][:, None, :], weighted[found]) / farthest
        order = np.lexsort((found, near), axis=-1)
        found = np.take_along_axis(found, order, axis=1)
        near = np.take_along_axis(near, order, axis=1)
        if asked - 1 > k:
            tied = near[:, k] <= near[:, k - 1] * (1 + SEPARATION)
            for row in np.flatnonzero(tied):
                found[row, :k], near[row, :k] = _nearest_by_brute_force(
                    weighted, rows[row], k, farthest)
        neighbours[rows], distances[rows] = found[:, :k], near[:, :k]
    return neighbours, distances


def _nearest_by_brute_force(weighted: np.ndarray, row: int, k: int, farthest: float
                            ) -> tuple[np.ndarray, np.ndarray]:
    """One area against every area: its k nearest by (rebased distance, index)."""
    near = _distances(weighted[row], weighted) / farthest
    near[row] = np.inf
    order = np.lexsort((np.arange(len(near)), near))[:k]
    return order, near[order]


def farthest_pair_distance(weighted: np.ndarray) -> float:
    """The greatest distance between any two rows, exactly as ``_distances`` computes it,
    without the n × n matrix (see the module's docstring)."""
    n = len(weighted)
    radius = _distances(weighted, weighted.mean(axis=0))
    # A lower bound: from the point farthest from the centre, hop to the farthest point
    # until the distance stops growing.
    best, here = 0.0, int(np.argmax(radius))
    for _ in range(n):
        reach = _distances(weighted, weighted[here])
        there = int(np.argmax(reach))
        if reach[there] <= best:
            break
        best, here = float(reach[there]), there
    # Only pairs with rᵢ + rⱼ > best can be farther apart; the margin covers the rounding
    # of the radii.
    order = np.argsort(-radius, kind="stable")
    sorted_radius = radius[order]
    margin = 1 - 1e-9
    contenders = int(np.searchsorted(-sorted_radius, -(best * margin - sorted_radius[0]),
                                     side="left"))
    start = 0
    while start < contenders:
        # Partners of this block: the areas from its first row whose radius could reach.
        partners_end = int(np.searchsorted(-sorted_radius,
                                           -(best * margin - sorted_radius[start]),
                                           side="left"))
        if partners_end <= start:
            break
        partners = weighted[order[start:partners_end]]
        size = max(1, PAIR_BUDGET // max(1, len(partners) * weighted.shape[1]))
        stop = min(start + size, contenders, partners_end)
        block = weighted[order[start:stop]]
        reach = _distances(block[:, None, :], partners[None, :, :])
        best = max(best, float(reach.max()))
        start = stop
    return best
