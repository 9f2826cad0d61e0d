"""The panel: every series of a frame laid out as the rows of one matrix.

Every statistic in the core is computed on all indicator × area series at once. A
``Panel`` holds them as an ``(n_series, width)`` float matrix: row ``i`` is one series in
time order, left-aligned, and padded with NaN after its last point (``lengths[i]``).
Kernels work on the matrix with NumPy array operations (loops run over time steps or
window offsets, never over series), then ``Panel.column`` puts a result matrix back in
the order of the frame's rows.

Rows whose value is missing take no part in a series; ``Panel.column`` gives them NaN
(or the fill value asked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Panel:
    values: np.ndarray
    lengths: np.ndarray
    keys: pl.DataFrame
    row_series: np.ndarray
    row_position: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_series(self) -> int:
        return self.values.shape[0]

    @property
    def width(self) -> int:
        return self.values.shape[1]

    @property
    def mask(self) -> np.ndarray:
        """True where a cell holds a point of its series."""
        return np.arange(self.width)[None, :] < self.lengths[:, None]

    def last(self, matrix: np.ndarray) -> np.ndarray:
        """Each series' value of ``matrix`` at its last point (NaN for empty series)."""
        index = np.clip(self.lengths - 1, 0, None)
        picked = np.take_along_axis(matrix, index[:, None], axis=1)[:, 0]
        if picked.dtype.kind == "f":
            return np.where(self.lengths > 0, picked, np.nan)
        return picked

    def column(self, matrix: np.ndarray, fill=np.nan) -> np.ndarray:
        """A matrix (or per-series vector) as one entry per row of the original frame."""
        included = self.row_series >= 0
        if not included.any():
            dtype = np.result_type(matrix.dtype, np.asarray(fill).dtype)
            return np.full(self.row_series.shape, fill, dtype=dtype)
        if matrix.ndim == 1:
            taken = matrix[np.where(included, self.row_series, 0)]
        elif self.dense_in_order:
            return matrix.reshape(-1)
        else:
            taken = matrix.reshape(-1)[np.where(included, self.row_series * self.width
                                                + self.row_position, 0)]
        if included.all():
            return taken
        out = taken.astype(np.result_type(taken.dtype, np.asarray(fill).dtype), copy=True)
        out[~included] = fill
        return out

    @property
    def dense_in_order(self) -> bool:
        """True when the frame's rows are exactly the matrix cells in reading order."""
        cached = self.__dict__.get("_dense_in_order")
        if cached is None:
            n = self.row_series.size
            cached = (n == self.values.size and bool(np.all(self.lengths == self.width))
                      and bool(np.array_equal(self.row_series * self.width + self.row_position,
                                              np.arange(n))))
            object.__setattr__(self, "_dense_in_order", cached)
        return cached

    def last_row_flags(self) -> np.ndarray:
        """True for the frame rows that are the last point of their series."""
        included = self.row_series >= 0
        last = self.lengths[np.where(included, self.row_series, 0)] - 1
        return included & (self.row_position == last)


def build_panel(frame: pl.DataFrame, keys: Sequence[str], order: Sequence[str],
                value: str = "value", extra: Sequence[str] = ()) -> Panel:
    """Lay out ``frame``'s series (one per distinct ``keys``) in ``order``.

    ``frame`` keeps its own row order; the panel remembers where each row went. Rows
    with a null ``value`` are left out of the series.
    """
    keys, order = list(keys), list(order)
    height = frame.height
    indexed = frame.select([*keys, *order, value, *extra]).with_row_index("_row")
    present = indexed.filter(pl.col(value).is_not_null() & pl.col(value).is_not_nan())
    if present.height == 0:
        empty_keys = frame.select(keys).head(0)
        return Panel(np.empty((0, 0)), np.empty(0, dtype=np.int64), empty_keys,
                     np.full(height, -1, dtype=np.int64), np.zeros(height, dtype=np.int64),
                     {name: np.empty((0, 0)) for name in extra})
    # Exports usually arrive already sorted by series and period; checking that is one
    # linear pass, where sorting by text keys is the slowest step of the layout.
    checked = present.select(_new=_new_series(keys), _ascending=_ascending([*keys, *order]))
    ordered = present
    if not checked["_ascending"].all():
        ordered = present.sort([*keys, *order], maintain_order=True)
        checked = ordered.select(_new=_new_series(keys))
    new = checked["_new"].to_numpy()
    starts = np.flatnonzero(new)
    n = starts.size
    lengths = np.diff(np.append(starts, new.size)).astype(np.int64)
    series = np.repeat(np.arange(n, dtype=np.int64), lengths)
    position = np.arange(new.size, dtype=np.int64) - np.repeat(starts, lengths)
    width = int(lengths.max())

    flat = series * width + position
    dense = flat.size == n * width  # every series full length, so flat is 0, 1, 2, …

    def scatter(column: str) -> np.ndarray:
        data = ordered[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
        if dense:
            return data.reshape(n, width)
        matrix = np.full(n * width, np.nan)
        matrix[flat] = data
        return matrix.reshape(n, width)

    row_series = np.full(height, -1, dtype=np.int64)
    row_position = np.zeros(height, dtype=np.int64)
    rows = ordered["_row"].to_numpy()
    row_series[rows] = series
    row_position[rows] = position
    first = ordered.select(keys)[starts]
    return Panel(scatter(value), lengths, first, row_series, row_position,
                 {name: scatter(name) for name in extra})


def _new_series(keys: list[str]) -> pl.Expr:
    """True on the first row of each run of equal keys."""
    return pl.any_horizontal([pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys]
                             ).fill_null(True)


def _ascending(columns: list[str]) -> pl.Expr:
    """True where a row sorts at or after the row before it, column by column."""
    after, tied = pl.lit(False), pl.lit(True)
    for column in columns:
        before = pl.col(column).shift(1)
        after = after | (tied & (pl.col(column) > before))
        tied = tied & (pl.col(column) == before)
    return (after | tied).fill_null(True)


def shift_right(matrix: np.ndarray, by: int, fill=np.nan) -> np.ndarray:
    """``out[:, j] = matrix[:, j - by]`` (the value ``by`` points earlier)."""
    out = np.full_like(matrix, fill)
    if by < matrix.shape[1]:
        out[:, by:] = matrix[:, : matrix.shape[1] - by]
    return out


def shift_left(matrix: np.ndarray, by: int, fill=np.nan) -> np.ndarray:
    """``out[:, j] = matrix[:, j + by]`` (the value ``by`` points later)."""
    out = np.full_like(matrix, fill)
    if by < matrix.shape[1]:
        out[:, : matrix.shape[1] - by] = matrix[:, by:]
    return out


def run_lengths(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each cell, along each row."""
    counts = np.cumsum(flags, axis=1, dtype=np.int64)
    reset = np.where(flags, 0, counts)
    return counts - np.maximum.accumulate(reset, axis=1)


def any_in_next(flags: np.ndarray, window: int) -> np.ndarray:
    """True where any of this cell and the next ``window - 1`` cells is True."""
    counts = np.cumsum(flags, axis=1, dtype=np.int64)
    later = shift_left(counts, window - 1, fill=-1)
    later = np.where(later < 0, counts[:, -1:], later)
    before = shift_right(counts, 1, fill=0)
    return (later - before) > 0
