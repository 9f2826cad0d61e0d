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

from collections.abc import Callable, Iterator

import numpy as np
import polars as pl

from joinedup.core import direction as direction_kernel
from joinedup.core import forecast as forecast_kernel
from joinedup.core import outliers as outlier_kernel
from joinedup.core import spc as spc_kernel
from joinedup.core.panel import Panel, build_panel
from joinedup.core.parameters import AssessmentParameters
from joinedup.core.periods import label_intervals, parse_period
from joinedup.core.status import assess_status

KEYS = ["indicator", "area"]
ORDER = ["period_start", "period_end"]
FORECAST_COLUMNS = ["forecast_period", "forecast", "forecast_lower80", "forecast_upper80",
                    "forecast_lower95", "forecast_upper95", "p_meet_target", "forecast_method",
                    "forecast_reason"]
OUTPUT_COLUMNS = [
    "indicator", "area", "period", "period_start", "period_end", "value",
    "status", "status_target", "status_target_period",
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
    done = 0
    for batch_indicators in _batches(values, batch_rows):
        batch = values.filter(pl.col("indicator").is_in(batch_indicators))
        batch_targets = (targets.filter(pl.col("indicator").is_in(batch_indicators))
                         if targets is not None else None)
        yield assess_batch(batch, polarity_map, batch_targets, parameters)
        done += batch.height
        if progress is not None:
            progress(done)


def _batches(values: pl.DataFrame, batch_rows: int) -> Iterator[list[str]]:
    counts = values.group_by("indicator", maintain_order=True).len()
    current, size = [], 0
    for indicator, rows in counts.iter_rows():
        if current and size + rows > batch_rows:
            yield current
            current, size = [], 0
        current.append(indicator)
        size += rows
    if current:
        yield current


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
    polarity = direction_kernel.polarity_codes(prepared["polarity"])
    last_start = panel.last(panel.extra[forecast_kernel.TIME])
    last_end = panel.last(panel.extra["_end_day"])
    previous_start = np.take_along_axis(
        panel.extra[forecast_kernel.TIME], np.clip(panel.lengths - 2, 0, None)[:, None],
        axis=1)[:, 0]
    series = panel.keys.with_columns(
        _series=pl.int_range(pl.len(), dtype=pl.Int64),
        _polarity=pl.Series(polarity[first_rows] if panel.n_series else [], dtype=pl.Int8),
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
    final = targets
    if "target_kind" in targets.columns:
        final = targets.filter(pl.col("target_kind") == "target")
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
    last = panel.last_row_flags()
    in_series = panel.row_series >= 0
    series_of_row = np.where(in_series, panel.row_series, 0)

    def on_last(vector: np.ndarray) -> np.ndarray:
        return np.where(last, col(np.asarray(vector, dtype=float)), np.nan)

    period_text = series["forecast_period"].gather(pl.Series(series_of_row))
    method = forecast["method"] if "method" in forecast else forecast["forecast_method"]
    reason = forecast["reason"] if "reason" in forecast else forecast["forecast_reason"]
    columns = {
        "direction": _names(col(travel["direction"], fill=direction_kernel.NONE),
                            direction_kernel.DIRECTIONS),
        "direction_previous": _names(col(travel["direction_previous"],
                                         fill=direction_kernel.NONE), direction_kernel.DIRECTIONS),
        "direction_year": _names(col(travel["direction_year"], fill=direction_kernel.NONE),
                                 direction_kernel.DIRECTIONS),
        "worsening_run": pl.Series(col(travel["worsening_run"], fill=0).astype(np.int32)),
        "spc_mean": pl.Series(col(spc["mean"])),
        "spc_lower": pl.Series(col(spc["lower"])),
        "spc_upper": pl.Series(col(spc["upper"])),
        "spc_lower_2sigma": pl.Series(col(spc["lower_2sigma"])),
        "spc_upper_2sigma": pl.Series(col(spc["upper_2sigma"])),
        "spc_signal": _names(col(spc["signal"], fill=0), spc_kernel.SIGNALS, in_series),
        "spc_side": _names(col(spc["side"], fill=0), spc_kernel.SIDES, in_series),
        "variation": _names(col(spc["variation"], fill=0), spc_kernel.VARIATIONS, in_series),
        "assurance": _names(col(spc["assurance"], fill=0), spc_kernel.ASSURANCES, in_series),
        "spc_trial_limits": pl.Series(col(spc["trial"], fill=False).astype(bool)),
        "outlier": pl.Series(col(found["outlier"], fill=False).astype(bool)),
        "outlier_score": pl.Series(col(found["score"])),
        "outlier_reason": outlier_kernel.reason_text(col(found["reason"], fill=1)),
        "target": pl.Series(np.where(in_series, series["target"].fill_null(np.nan).to_numpy()
                                     [series_of_row], np.nan)),
        "is_latest": pl.Series(last),
        "forecast_period": pl.when(pl.Series(last)).then(period_text),
        "forecast": pl.Series(on_last(forecast["forecast"])),
    }
    for level in (80, 95):
        for side in ("lower", "upper"):
            name = f"forecast_{side}{level}"
            columns[name] = pl.Series(on_last(forecast[name]))
    columns["p_meet_target"] = pl.Series(on_last(forecast["p_meet_target"]))
    rows = pl.Series(series_of_row)
    on_last_row = pl.Series(last)
    for name, texts in (("forecast_method", method), ("forecast_reason", reason)):
        per_series = pl.Series(name, list(texts), dtype=pl.String)
        columns[name] = pl.when(on_last_row).then(per_series.gather(rows)) if len(per_series) \
            else pl.lit(None, pl.String)
    out = frame.select("_row", "indicator", "area", "period", "period_start", "period_end",
                       "value", "status", "status_target", "status_target_period")
    out = out.with_columns(**{name: (value.fill_nan(None) if isinstance(value, pl.Series)
                                     and value.dtype == pl.Float64 else value)
                              for name, value in columns.items()})
    return out.select("_row", *OUTPUT_COLUMNS)


_EPOCH = parse_period("1970-01-01").start
