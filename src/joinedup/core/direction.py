"""Direction of travel: is the figure better or worse than before?

Method (DESIGN §6, after the Audit Commission's "direction of travel" judgements): each
value is compared with the value for the previous period and with the value for the
same period a year earlier.

- Where both figures carry 95% confidence limits (and ``use_confidence_intervals``),
  the change counts only if the two intervals do not overlap (a conservative test: see
  Schenker & Gentleman 2001, "On judging the significance of differences by examining
  the overlap between confidence intervals").
- Otherwise a change counts if it is larger than ``min_relative_change`` (1%) of the
  earlier figure's size.
- A change that counts is "improving" or "worsening" according to the indicator's
  polarity; one that does not is "no_change". With no earlier figure, or no polarity,
  the direction is "none".

The previous period is the one a step earlier (a quarter, a month, a year, or a span's
own length); periods without a regular step (single dates, mid-year points, other
durations) are compared with the series' preceding figure instead. ``direction`` is the
comparison with a year earlier where that figure exists (it is not fooled by seasons),
otherwise with the previous period. ``worsening_run`` counts consecutive periods
worsening on the previous one, ending at each point.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from joinedup.core.panel import Panel, build_panel, run_lengths
from joinedup.core.parameters import DirectionParameters

DIRECTIONS = ("improving", "no_change", "worsening", "none")
IMPROVING, NO_CHANGE, WORSENING, NONE = range(4)
PERIOD_COLUMNS = ["_start_day", "_end_day", "_lower", "_upper"]


def period_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The numeric period description the kernel needs, added to ``frame``: the period's
    first day and the day after its end (days since 1970-01-01), and its confidence
    limits."""
    has_ci = "lower_ci" in frame.columns and "upper_ci" in frame.columns
    return frame.with_columns(
        _start_day=pl.col("period_start").dt.epoch("d").cast(pl.Float64),
        _end_day=pl.col("period_end").dt.epoch("d").cast(pl.Float64),
        _lower=pl.col("lower_ci").cast(pl.Float64) if has_ci else pl.lit(None, pl.Float64),
        _upper=pl.col("upper_ci").cast(pl.Float64) if has_ci else pl.lit(None, pl.Float64),
    )


def calendar(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(months since year 0, day of the month) for a matrix of day counts; NaN gives -1.

    Day counts span a few thousand values however many cells there are, so each distinct
    day is converted once, through a lookup table.
    """
    valid = ~np.isnan(days)
    if not valid.any():
        empty = np.full(days.shape, -1, dtype=np.int64)
        return empty, empty.copy()
    first, last = int(np.nanmin(days)), int(np.nanmax(days))
    table = np.arange(first, last + 1).astype("datetime64[D]")
    months = table.astype("datetime64[M]")
    month_table = months.astype(np.int64) + 1970 * 12
    day_table = (table - months.astype("datetime64[D]")).astype(np.int64) + 1
    index = np.where(valid, days - first, 0).astype(np.int64)
    return (np.where(valid, month_table[index], -1), np.where(valid, day_table[index], -1))


def direction_panel(panel: Panel, polarity: np.ndarray,
                    parameters: DirectionParameters = DirectionParameters()) -> dict:
    """Direction codes for every point; ``panel.extra`` holds ``PERIOD_COLUMNS``.

    ``polarity`` per series: +1 higher is better, -1 lower is better, 0 no judgement.
    A period has a regular step when it runs from the first of a month to the first of a
    month (quarters, months, years, spans of years): the step is its length in months.
    """
    values, width = panel.values, panel.width
    start_month, start_day = calendar(panel.extra["_start_day"])
    end_month, end_day = calendar(panel.extra["_end_day"])
    step = np.where((start_day == 1) & (end_day == 1), end_month - start_month, -1)
    positions = np.broadcast_to(np.arange(width)[None, :], values.shape)
    regular = _regular_step(panel, start_month, end_month, step)
    if regular is not None:
        previous, year = _regular_lookback(panel, positions, regular)
    else:
        previous, year = _lookback(panel, positions, start_month, start_day, end_month,
                                   end_day, step)
    no_step = (step <= 0) & (positions >= 1) & panel.mask
    previous = np.where(no_step, positions - 1, previous)

    pol = polarity[:, None]
    direction_previous = _judge(panel, previous, pol, parameters)
    direction_year = _judge(panel, year, pol, parameters)
    direction = np.where(year >= 0, direction_year, direction_previous)
    worsening_run = run_lengths(direction_previous == WORSENING)
    return {
        "direction_previous": direction_previous,
        "direction_year": direction_year,
        "direction": direction,
        "worsening_run": worsening_run,
    }


def _regular_step(panel: Panel, start_month, end_month, step) -> int | None:
    """The step in months when every series runs through whole, consecutive periods of
    one length with no gaps (quarter after quarter, say); None otherwise."""
    if panel.width < 2 or panel.n_series == 0:
        return None
    mask = panel.mask
    first = step[0, 0]
    if first <= 0 or not np.all((step == first) | ~mask):
        return None
    gaps = np.diff(start_month, axis=1)
    later = mask[:, 1:]
    if not np.all((gaps == first) | ~later):
        return None
    return int(first)


def _regular_lookback(panel: Panel, positions, step: int):
    """Positions of the previous period and the period a year earlier, for regular series."""
    previous = np.where(positions >= 1, positions - 1, -1)
    previous = np.where(panel.mask, previous, -1)
    if 12 % step:
        year = np.full(positions.shape, -1, dtype=np.int64)
    else:
        back = 12 // step
        year = np.where((positions >= back) & panel.mask, positions - back, -1)
    return previous.astype(np.int64), year.astype(np.int64)


def _lookback(panel: Panel, positions, start_month, start_day, end_month, end_day, step):
    """Find the previous period and the year-earlier one by looking back point by point."""
    values = panel.values
    width = panel.width
    previous = np.full(values.shape, -1, dtype=np.int64)
    year = np.full(values.shape, -1, dtype=np.int64)
    wants_previous = (step > 0) & panel.mask
    wants_year = panel.mask.copy()
    # Series are sorted by period, so an earlier period can only sit to the left; a gap
    # in the series moves it, so look back over every offset that could hold it (a year
    # of months at most), stopping once every point has what it can have.
    for offset in range(1, min(width, 13)):
        now, then = np.s_[:, offset:], np.s_[:, :-offset]
        same = ((start_day[then] == start_day[now]) & (end_day[then] == end_day[now])
                & panel.mask[then])
        start_gap = start_month[now] - start_month[then]
        end_gap = end_month[now] - end_month[then]
        hit_previous = wants_previous[now] & same & (start_gap == step[now]) & (end_gap == step[now])
        hit_year = wants_year[now] & same & (start_gap == 12) & (end_gap == 12)
        previous[now] = np.where(hit_previous, positions[now] - offset, previous[now])
        year[now] = np.where(hit_year, positions[now] - offset, year[now])
        wants_previous[now] &= ~hit_previous
        wants_year[now] &= ~hit_year
        # a point further back than its own position, or than twelve months, cannot match
        later = np.s_[:, offset + 1:] if offset + 1 < width else None
        if later is None or not (wants_previous[later].any() or wants_year[later].any()):
            break
    return previous, year


def _judge(panel: Panel, earlier: np.ndarray, polarity: np.ndarray,
           parameters: DirectionParameters) -> np.ndarray:
    found = earlier >= 0
    index = np.where(found, earlier, 0)
    step_back = np.where(found, np.arange(panel.width)[None, :] - earlier, -1)
    largest = int(step_back.max()) if step_back.size else -1
    regular = largest > 0 and not ((step_back != largest) & found).any()

    def at(matrix: np.ndarray) -> np.ndarray:
        if regular:  # the earlier figure is always the same number of points back
            shifted = np.full_like(matrix, np.nan)
            shifted[:, largest:] = matrix[:, : matrix.shape[1] - largest]
            return np.where(found, shifted, np.nan)
        return np.where(found, np.take_along_axis(matrix, index, axis=1), np.nan)

    value, before = panel.values, at(panel.values)
    lower, upper = panel.extra["_lower"], panel.extra["_upper"]
    change = value - before
    any_ci = parameters.use_confidence_intervals and not np.isnan(lower).all()
    with np.errstate(invalid="ignore"):
        by_size = np.abs(change) > parameters.min_relative_change * np.abs(before)
        if any_ci:
            before_lower, before_upper = at(lower), at(upper)
            with_ci = ~(np.isnan(lower) | np.isnan(upper) | np.isnan(before_lower)
                        | np.isnan(before_upper))
            by_interval = (lower > before_upper) | (upper < before_lower)
            counts = np.where(with_ci, by_interval, by_size)
        else:
            counts = by_size
        better = np.where(polarity > 0, change > 0, change < 0)
    code = np.where(counts, np.where(better, IMPROVING, WORSENING), NO_CHANGE)
    return np.where(found & (polarity != 0) & panel.mask, code, NONE).astype(np.int8)


def polarity_codes(polarity: pl.Series | np.ndarray) -> np.ndarray:
    """"up" → +1, "down" → -1, anything else → 0."""
    text = pl.Series(polarity).cast(pl.String)
    return text.replace_strict({"up": 1, "down": -1}, default=0, return_dtype=pl.Int8).to_numpy()


def assess_direction(frame: pl.DataFrame, parameters: DirectionParameters = DirectionParameters(),
                     *, keys=("indicator", "area")) -> pl.DataFrame:
    """Add ``direction_previous``, ``direction_year``, ``direction`` and ``worsening_run``.

    ``frame``: keys, ``period_start``, ``period_end``, ``period_kind``, ``value``,
    ``polarity``, and optionally ``lower_ci`` / ``upper_ci``.
    """
    keys = list(keys)
    prepared = period_columns(frame)
    panel = build_panel(prepared, keys, ["period_start", "period_end"],
                        extra=PERIOD_COLUMNS)
    series_polarity = _series_polarity(prepared, panel)
    result = direction_panel(panel, series_polarity, parameters)
    names = np.array(DIRECTIONS)
    return frame.with_columns(
        **{name: pl.Series(name, names[panel.column(result[name], fill=NONE).astype(np.int64)])
           for name in ("direction_previous", "direction_year", "direction")},
        worsening_run=pl.Series(panel.column(result["worsening_run"], fill=0).astype(np.int64)),
    )


def _series_polarity(frame: pl.DataFrame, panel: Panel) -> np.ndarray:
    """Each series' polarity code, read from the first row the panel placed in it."""
    codes = polarity_codes(frame["polarity"])
    out = np.zeros(panel.n_series, dtype=np.int8)
    included = panel.row_series >= 0
    out[panel.row_series[included]] = codes[included]
    return out
