"""The assessment: every statistic of DESIGN §6 for every indicator × area × period.

``assess`` takes checked frames (see ``schemas``) and returns one row per value row, in
the same order, with status, direction of travel, the SPC chart and its signals,
variation and assurance, data-quality outliers, and, on each series' last row, the
forecast to the target date with the probability of meeting the target.

Work is done a batch of whole indicators at a time, so memory stays bounded however
large the input; within a batch, one panel (every series as a row of a matrix) feeds
the vectorised kernels. ``progress`` (optional) is called with the rows done so far.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator

import numpy as np
import polars as pl

from joinedup.core import direction as direction_kernel
from joinedup.core import forecast as forecast_kernel
from joinedup.core import outliers as outlier_kernel
from joinedup.core import spc as spc_kernel
from joinedup.core.panel import Panel, build_panel
from joinedup.core.parameters import AssessmentParameters
from joinedup.core.periods import label_intervals, parse_period
from joinedup.core.status import assess_status, target_kind

KEYS = ["indicator", "area"]
ORDER = ["period_start", "period_end"]
FORECAST_COLUMNS = ["forecast_period", "forecast", "forecast_lower80", "forecast_upper80",
                    "forecast_lower95", "forecast_upper95", "p_meet_target", "forecast_method",
                    "forecast_reason"]
OUTPUT_COLUMNS = [
    "indicator", "area", "period", "period_start", "period_end", "value",
    "status", "status_target", "status_target_period", "status_target_kind",
    "direction", "direction_previous", "direction_year", "worsening_run",
    "spc_mean", "spc_lower", "spc_upper", "spc_lower_2sigma", "spc_upper_2sigma",
    "spc_signal", "spc_side", "variation", "assurance", "spc_trial_limits",
    "outlier", "outlier_score", "outlier_reason",
    "target", "is_latest", *FORECAST_COLUMNS,
]
DEFAULT_BATCH_ROWS = 2_000_000


def assess(values: pl.DataFrame, polarity: pl.DataFrame | None = None,
           targets: pl.DataFrame | None = None,
           parameters: AssessmentParameters = AssessmentParameters(), *,
           batch_rows: int = DEFAULT_BATCH_ROWS,
           progress: Callable[[int], None] | None = None) -> pl.DataFrame:
    """Assess every row of ``values`` (already checked by ``schemas.check_values``)."""
    pieces = list(assess_batches(values, polarity, targets, parameters,
                                 batch_rows=batch_rows, progress=progress))
    if not pieces:
        return pl.DataFrame(schema={c: pl.String for c in OUTPUT_COLUMNS})
    return pl.concat(pieces).sort("_row").drop("_row")


def assess_batches(values: pl.DataFrame, polarity: pl.DataFrame | None = None,
                   targets: pl.DataFrame | None = None,
                   parameters: AssessmentParameters = AssessmentParameters(), *,
                   batch_rows: int = DEFAULT_BATCH_ROWS,
                   progress: Callable[[int], None] | None = None) -> Iterator[pl.DataFrame]:
    """The assessment batch by batch (each batch whole indicators), with a ``_row`` column
    giving each output row's position in ``values``."""
    values = values.with_row_index("_row")
    polarity_map = (polarity.select("indicator", "polarity") if polarity is not None
                    else pl.DataFrame(schema={"indicator": pl.String, "polarity": pl.String}))
    # Each indicator's rows and targets, found once (not by a pass over all the values
    # for every batch).
    rows_of = dict(values.group_by("indicator", maintain_order=True).agg(
        pl.col("_row")).iter_rows())
    targets_of = (targets.partition_by("indicator", as_dict=True, include_key=True)
                  if targets is not None else {})
    done = 0
    sizes = ((indicator, len(rows)) for indicator, rows in rows_of.items())
    for batch_indicators in whole_batches(sizes, batch_rows):
        rows = np.sort(np.concatenate([np.asarray(rows_of[i], dtype=np.int64)
                                       for i in batch_indicators]))
        batch = values[rows]
        batch_targets = None
        if targets is not None:
            found = [targets_of[(i,)] for i in batch_indicators if (i,) in targets_of]
            batch_targets = pl.concat(found) if found else targets.clear()
        yield assess_batch(batch, polarity_map, batch_targets, parameters)
        done += batch.height
        if progress is not None:
            progress(done)


def whole_batches(sizes: Iterable[tuple[Hashable, int]], batch_rows: int) -> list[list]:
    """Keys (indicators, in the order given, each with its number of rows) grouped into
    batches of at most ``batch_rows`` rows; an indicator larger than that is a batch of
    its own. A series never crosses indicators, so the batches are independent."""
    batches: list[list] = []
    current: list = []
    size = 0
    for key, rows in sizes:
        if current and size + rows > batch_rows:
            batches.append(current)
            current, size = [], 0
        current.append(key)
        size += rows
    if current:
        batches.append(current)
    return batches


def assess_batch(frame: pl.DataFrame, polarity_map: pl.DataFrame,
                 targets: pl.DataFrame | None, parameters: AssessmentParameters) -> pl.DataFrame:
    """Every statistic for the rows of ``frame`` (whole series only)."""
    frame = frame.join(polarity_map, on="indicator", how="left").with_columns(
        pl.col("polarity").fill_null("none"))
    frame = assess_status(frame, targets, parameters.status, keys=KEYS)
    prepared = direction_kernel.period_columns(frame)
    panel = build_panel(prepared, KEYS, ORDER, extra=direction_kernel.PERIOD_COLUMNS)
    panel.extra[forecast_kernel.TIME] = panel.extra["_start_day"]
    series = _series_frame(prepared, panel, targets)
    polarity = series["_polarity"].to_numpy()
    target = series["target"].fill_null(np.nan).to_numpy()

    spc = spc_kernel.spc_panel(panel, polarity, target, parameters.spc,
                               segment=_rebase_segments(panel, parameters))
    found = outlier_kernel.outliers_panel(panel, parameters.outliers)
    travel = direction_kernel.direction_panel(panel, polarity, parameters.direction)
    forecast = forecast_kernel.forecast_panel(
        panel, series["_forecast_start"].fill_null(np.nan).to_numpy(), target, polarity,
        parameters.forecast)
    return _assemble(frame, panel, series, spc, found, travel, forecast)


def _series_frame(prepared: pl.DataFrame, panel: Panel,
                  targets: pl.DataFrame | None) -> pl.DataFrame:
    """One row per panel series: polarity, its target, and where to forecast to."""
    included = panel.row_series >= 0
    first_rows = np.full(panel.n_series, -1, dtype=np.int64)
    first_rows[panel.row_series[included][::-1]] = np.nonzero(included)[0][::-1]
    polarity = direction_kernel.polarity_codes(prepared["polarity"].gather(first_rows))
    last_start = panel.last(panel.extra[forecast_kernel.TIME])
    last_end = panel.last(panel.extra["_end_day"])
    previous_start = np.take_along_axis(
        panel.extra[forecast_kernel.TIME], np.clip(panel.lengths - 2, 0, None)[:, None],
        axis=1)[:, 0]
    series = panel.keys.with_columns(
        _series=pl.int_range(pl.len(), dtype=pl.Int64),
        _polarity=pl.Series(polarity if panel.n_series else [], dtype=pl.Int8),
        _last_start=pl.Series(last_start).cast(pl.Int32).cast(pl.Date),
        _last_end=pl.Series(last_end).cast(pl.Int32).cast(pl.Date),
        _previous_start=pl.Series(np.where(panel.lengths >= 2, previous_start, np.nan))
        .cast(pl.Int32, strict=False).cast(pl.Date),
    )
    chosen = _applicable_targets(series, targets)
    series = series.join(chosen, on="_series", how="left").sort("_series")
    # With no target ahead, forecast one step on, the step being the series' last gap.
    gap_months = ((pl.col("_last_start").dt.year() - pl.col("_previous_start").dt.year()) * 12
                  + pl.col("_last_start").dt.month() - pl.col("_previous_start").dt.month())
    month_aligned = ((pl.col("_last_start").dt.day() == pl.col("_previous_start").dt.day())
                     & (gap_months > 0))
    gap_days = (pl.col("_last_start") - pl.col("_previous_start")).dt.total_days()
    step = pl.when(month_aligned).then(pl.format("{}mo", gap_months)).otherwise(
        pl.format("{}d", gap_days))
    series = series.with_columns(
        _next_start=pl.col("_last_start").dt.offset_by(step),
        _next_end=pl.col("_last_end").dt.offset_by(step),
    )
    next_label = label_intervals(series.select(start="_next_start", end="_next_end"))["label"]
    return series.with_columns(
        forecast_period=pl.coalesce(pl.col("_target_label"), next_label),
        _forecast_start=pl.coalesce(pl.col("_target_start"), pl.col("_next_start"))
        .dt.epoch("d").cast(pl.Float64),
    )


def _applicable_targets(series: pl.DataFrame, targets: pl.DataFrame | None) -> pl.DataFrame:
    """Each series' target: the first for a period ending after its last figure, else the
    last one (whose period has passed)."""
    empty = pl.DataFrame(schema={"_series": pl.Int64, "target": pl.Float64,
                                 "_target_label": pl.String, "_target_start": pl.Date})
    if targets is None or targets.height == 0:
        return empty
    final = targets.filter(target_kind(targets) == "target")
    label = "period_label" if "period_label" in final.columns else "period"
    candidates = series.select("_series", *KEYS, "_last_end").join(
        final.select(*KEYS, target=pl.col("target").cast(pl.Float64),
                     _target_label=pl.col(label).cast(pl.String),
                     _target_start=pl.col("period_start"), _target_end=pl.col("period_end")),
        on=KEYS, how="inner")
    ranked = candidates.with_columns(_ahead=pl.col("_target_end") > pl.col("_last_end")).sort(
        ["_series", "_ahead", "_target_end"], descending=[False, True, False])
    ahead = ranked.filter(pl.col("_ahead")).group_by("_series", maintain_order=True).first()
    passed = ranked.filter(~pl.col("_ahead")).group_by("_series", maintain_order=True).last()
    chosen = pl.concat([ahead, passed.join(ahead.select("_series"), on="_series", how="anti")])
    return chosen.select("_series", "target", "_target_label", "_target_start")


def _rebase_segments(panel: Panel, parameters: AssessmentParameters) -> np.ndarray | None:
    if not parameters.spc.rebase_periods:
        return None
    starts = [float((parse_period(p).start - _EPOCH).days) for p in parameters.spc.rebase_periods]
    return spc_kernel.rebase_segments(panel.extra[forecast_kernel.TIME], panel.lengths, starts)


def _names(codes: np.ndarray, names: tuple[str, ...], present: np.ndarray | None = None
           ) -> pl.Series:
    """Codes as an Enum column; rows outside every series (no value) are null."""
    named = pl.Series(list(names), dtype=pl.Enum(list(names))).gather(codes.astype(np.uint32))
    if present is None or present.all():
        return named
    return named.set(pl.Series(~present), None)


def _assemble(frame, panel, series, spc, found, travel, forecast) -> pl.DataFrame:
    col = panel.column
    in_series = panel.row_series >= 0
    is_last = panel.last_row_flags()
    last_rows = np.flatnonzero(is_last)
    last_series = panel.row_series[last_rows]
    height = frame.height

    def floats(name: str, values: np.ndarray) -> pl.Series:
        return pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)

    def on_last(name: str, vector) -> pl.Series:
        out = np.full(height, np.nan)
        out[last_rows] = np.asarray(vector, dtype=float)[last_series]
        return floats(name, out)

    def texts_on_last(name: str, per_series: pl.Series) -> pl.Series:
        empty = pl.repeat(None, height, dtype=pl.String, eager=True).alias(name)
        if not last_rows.size:
            return empty
        return empty.scatter(last_rows, per_series.gather(last_series))

    def named(name: str, matrix, names, fill, present=None) -> pl.Series:
        return _names(col(matrix, fill=fill), names, present).alias(name)

    series_target = series["target"].fill_null(np.nan).to_numpy()
    columns = [
        named("direction", travel["direction"], direction_kernel.DIRECTIONS,
              direction_kernel.NONE),
        named("direction_previous", travel["direction_previous"], direction_kernel.DIRECTIONS,
              direction_kernel.NONE),
        named("direction_year", travel["direction_year"], direction_kernel.DIRECTIONS,
              direction_kernel.NONE),
        pl.Series("worsening_run", col(travel["worsening_run"], fill=0).astype(np.int32)),
        *[floats(f"spc_{name}", col(spc[name])) for name in
          ("mean", "lower", "upper", "lower_2sigma", "upper_2sigma")],
        named("spc_signal", spc["signal"], spc_kernel.SIGNALS, 0, in_series),
        named("spc_side", spc["side"], spc_kernel.SIDES, 0, in_series),
        named("variation", spc["variation"], spc_kernel.VARIATIONS, 0, in_series),
        named("assurance", spc["assurance"], spc_kernel.ASSURANCES, 0, in_series),
        pl.Series("spc_trial_limits", col(spc["trial"], fill=False).astype(bool)),
        pl.Series("outlier", col(found["outlier"], fill=False).astype(bool)),
        floats("outlier_score", col(found["score"])),
        outlier_kernel.reason_text(col(found["reason"], fill=1)).alias("outlier_reason"),
        floats("target", np.where(in_series,
                                  series_target[np.where(in_series, panel.row_series, 0)]
                                  if series_target.size else np.nan, np.nan)),
        pl.Series("is_latest", is_last),
        texts_on_last("forecast_period", series["forecast_period"]),
        on_last("forecast", forecast["forecast"]),
        *[on_last(f"forecast_{side}{level}", forecast[f"forecast_{side}{level}"])
          for level in (80, 95) for side in ("lower", "upper")],
        on_last("p_meet_target", forecast["p_meet_target"]),
        texts_on_last("forecast_method", pl.Series(list(forecast["forecast_method"]),
                                                   dtype=pl.String)),
        texts_on_last("forecast_reason", pl.Series(list(forecast["forecast_reason"]),
                                                   dtype=pl.String)),
    ]
    out = frame.select("_row", "indicator", "area", "period", "period_start", "period_end",
                       "value", "status", "status_target", "status_target_period",
                       "status_target_kind")
    return out.with_columns(columns).select("_row", *OUTPUT_COLUMNS)


_EPOCH = parse_period("1970-01-01").start
