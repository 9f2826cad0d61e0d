"""Statistical neighbours against a brute force that builds the whole distance matrix."""

from __future__ import annotations

import tracemalloc

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from joinedup.core.neighbours import (
    OUTPUT_COLUMNS,
    NeighbourError,
    farthest_pair_distance,
    nearest_neighbours,
)


def brute_force(values: np.ndarray, codes: list[str], weights: np.ndarray, k: int,
                ddof: int = 0) -> pl.DataFrame:
    """Every distance at once: standardise, weight, the n × n matrix, rebase to its
    largest entry, then sort each area's row by (distance, code)."""
    order = np.argsort(codes)
    codes = [codes[i] for i in order]
    x = np.ascontiguousarray(values[order], dtype=np.float64)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=ddof) * weights
    difference = z[:, None, :] - z[None, :, :]
    matrix = np.sqrt((difference * difference).sum(axis=-1))
    matrix = matrix / matrix.max()
    rows = []
    for i, code in enumerate(codes):
        others = [(matrix[i, j], codes[j]) for j in range(len(codes)) if j != i]
        for rank, (distance, neighbour) in enumerate(sorted(others)[:k], start=1):
            rows.append((code, neighbour, rank, distance))
    return pl.DataFrame(rows, orient="row", schema=OUTPUT_COLUMNS)


def frame_of(values: np.ndarray, codes: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"area": codes, **{f"v{j}": values[:, j]
                                           for j in range(values.shape[1])}})


@st.composite
def areas(draw):
    n = draw(st.integers(2, 30))
    p = draw(st.integers(1, 4))
    # Small whole numbers give many exact ties and repeated points; floats give none.
    cell = draw(st.sampled_from([st.integers(0, 3).map(float),
                                 st.floats(-1e3, 1e3, allow_nan=False, width=64)]))
    values = np.array(draw(st.lists(st.lists(cell, min_size=p, max_size=p),
                                    min_size=n, max_size=n)))
    assume(all(np.unique(values[:, j]).size > 1 for j in range(p)))
    weights = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.5]), min_size=p,
                                     max_size=p)))
    assume(weights.any())
    codes = draw(st.permutations([f"E{i:08d}" for i in range(n)]))
    k = draw(st.integers(1, n - 1))
    return values, list(codes), weights, k


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(areas())
def test_matches_the_brute_force_on_random_areas(case):
    values, codes, weights, k = case
    z = (values - values.mean(axis=0)) / values.std(axis=0) * weights
    assume(np.ptp(z, axis=0).max() > 1e-9 * max(1.0, np.abs(z).max()))
    expected = brute_force(values, codes, weights, k)
    found = nearest_neighbours(frame_of(values, codes),
                               {f"v{j}": w for j, w in enumerate(weights)}, k)
    assert found.columns == OUTPUT_COLUMNS
    assert found["area"].to_list() == expected["area"].to_list()
    assert found["neighbour"].to_list() == expected["neighbour"].to_list()
    assert found["rank"].to_list() == expected["rank"].to_list()
    np.testing.assert_allclose(found["distance"].to_numpy(), expected["distance"].to_numpy(),
                               rtol=0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 300), st.integers(1, 6), st.integers(0, 2**32 - 1),
       st.sampled_from(["normal", "sphere", "outlier"]))
def test_the_farthest_pair_is_the_largest_entry_of_the_matrix(n, p, seed, shape):
    rng = np.random.default_rng(seed)
    points = rng.standard_normal((n, p))
    if shape == "sphere":  # every point a contender: the pruning cannot help
        points /= np.linalg.norm(points, axis=1, keepdims=True)
    elif shape == "outlier":
        points[0] *= 50
    difference = points[:, None, :] - points[None, :, :]
    assert farthest_pair_distance(points) == np.sqrt((difference * difference).sum(-1)).max()


def test_the_sample_standard_deviation_gives_the_same_neighbours_and_distances():
    rng = np.random.default_rng(7)
    values = rng.gamma(2.0, 3.0, (60, 5))
    codes = [f"E{i:08d}" for i in range(60)]
    found = nearest_neighbours(frame_of(values, codes), k=10)
    sample = brute_force(values, codes, np.ones(5), 10, ddof=1)
    assert found["neighbour"].to_list() == sample["neighbour"].to_list()
    np.testing.assert_allclose(found["distance"].to_numpy(), sample["distance"].to_numpy(),
                               rtol=0, atol=1e-12)


def test_ties_go_by_area_code():
    # The corners of a square and its centre: the centre's four corners are equally near.
    frame = pl.DataFrame({"area": ["E4", "E2", "E0", "E3", "E1"],
                          "x": [1.0, -1.0, 0.0, 1.0, -1.0], "y": [1.0, 1.0, 0.0, -1.0, -1.0]})
    centre = nearest_neighbours(frame, k=4).filter(pl.col("area") == "E0")
    assert centre["neighbour"].to_list() == ["E1", "E2", "E3", "E4"]
    assert centre["rank"].to_list() == [1, 2, 3, 4]
    # Half the diagonal, over the whole diagonal (the farthest pair).
    assert centre["distance"].to_list() == [0.5] * 4


def test_more_areas_at_one_point_than_the_list_holds():
    # 20 areas at one point, k = 3: the tree need not return an area itself among them.
    values = np.vstack([np.zeros((20, 2)), [[1.0, 1.0], [2.0, 0.5]]])
    codes = [f"E{i:08d}" for i in range(22)]
    found = nearest_neighbours(frame_of(values, codes), k=3)
    assert found.equals(brute_force(values, codes, np.ones(2), 3)
                        .with_columns(pl.col("rank").cast(pl.Int32)))
    assert found.filter(pl.col("area") == "E00000005")["neighbour"].to_list() == [
        "E00000000", "E00000001", "E00000002"]


def test_memory_grows_with_n_times_k_not_n_squared():
    rng = np.random.default_rng(3)
    n = 20_000
    frame = frame_of(rng.standard_normal((n, 3)), [f"E{i:08d}" for i in range(n)])
    tracemalloc.start()
    try:
        found = nearest_neighbours(frame, k=15)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found.height == n * 15
    # The distance matrix alone would be n² × 8 bytes = 3.2 GB.
    assert peak < 100 * 2**20, peak


@pytest.mark.parametrize("frame, weights, k, message", [
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, None, 3.0]}), None, 1,
     "x has no value (or a non-finite one) for 1 area(s): B"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, float("nan"), 3.0]}), None, 1,
     "x has no value (or a non-finite one) for 1 area(s): B"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, 2.0, 3.0], "y": [4.0, 4.0, 4.0]}),
     None, 1, "y has the same value (4) in every area, so it cannot be standardised"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, 2.0, 3.0]}), {"z": 2.0}, 1,
     "a weight is given for z, which is not a variable (the variables are x)"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, 2.0, 3.0]}), {"x": -1.0}, 1,
     "the weight of x must be a number, 0 or more; it is -1.0"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, 2.0, 3.0]}), {"x": 0.0}, 1,
     "every area has the same weighted values, so there is no distance to rebase to "
     "(are all the weights 0?)"),
    (pl.DataFrame({"area": ["A", "B", "A"], "x": [1.0, 2.0, 3.0]}), None, 1,
     "areas repeated: A"),
    (pl.DataFrame({"area": ["A"], "x": [1.0]}), None, 1,
     "neighbours need at least 2 areas; there are 1"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, 2.0, 3.0]}), None, 3,
     "k must be a whole number from 1 to 2 (one less than the 3 areas); it is 3"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": [1.0, 2.0, 3.0]}), None, 0,
     "k must be a whole number from 1 to 2 (one less than the 3 areas); it is 0"),
    (pl.DataFrame({"area": ["A", "B", "C"], "x": ["1", "2", "3"]}), None, 1,
     "x is not numeric (String)"),
])
def test_bad_input_is_named(frame, weights, k, message):
    with pytest.raises(NeighbourError) as raised:
        nearest_neighbours(frame, weights, k)
    assert str(raised.value) == message


def test_small_blocks_give_the_same_answer(monkeypatch):
    from joinedup.core import neighbours

    monkeypatch.setattr(neighbours, "BLOCK_ROWS", 7)
    monkeypatch.setattr(neighbours, "PAIR_BUDGET", 50)
    rng = np.random.default_rng(11)
    values = rng.standard_normal((90, 3))
    values /= np.linalg.norm(values, axis=1, keepdims=True)  # all contenders
    codes = [f"E{i:08d}" for i in rng.permutation(90)]
    found = nearest_neighbours(frame_of(values, codes), k=6)
    expected = brute_force(values, codes, np.ones(3), 6)
    assert found["neighbour"].to_list() == expected["neighbour"].to_list()
    np.testing.assert_allclose(found["distance"].to_numpy(), expected["distance"].to_numpy(),
                               rtol=0, atol=1e-12)
