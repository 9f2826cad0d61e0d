"""National-scale assessment benchmark, with per-series peers side by side.

Seeded synthetic data at national LSOA scale: by default 200 indicators × 32,844 LSOAs ×
40 quarters (262,752,000 rows), each series a random walk with drift, seasonality, level
shifts and the odd wild value, each indicator with a polarity and every series a target
and a milestone. The whole assessment (status, direction, SPC with every rule, variation
and assurance, outliers, forecasts with P(meet target)) runs indicator by indicator in
worker processes, so memory stays bounded; every result column is materialised and
checked, then dropped (``--write DIR`` keeps them as Parquet).

Peers, on the same sample of series and one core each: ``abspc`` (NHS Making Data Count
SPC in pandas, one series at a time) and ``statsforecast`` (AutoETS damped additive
trend, one series at a time inside its loop). Results go to bench/RESULTS.md.

    python bench/national.py                  # the full run (about a minute of work)
    python bench/national.py --scale 0.05     # 10 indicators
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section  # noqa: E402

from joinedup.core.engine import assess_batch  # noqa: E402
from joinedup.core.parameters import AssessmentParameters  # noqa: E402

LSOAS = 32_844
QUARTERS = 40
FIRST_YEAR = 2010


def quarter_labels(periods: int) -> pl.DataFrame:
    rows = []
    for i in range(periods):
        year, quarter = FIRST_YEAR + i // 4, i % 4 + 1
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
        rows.append((f"{year} Q{quarter}", start, end))
    return pl.DataFrame(rows, orient="row", schema={"period": pl.String,
                                                    "period_start": pl.Date, "period_end": pl.Date})


def generate(indicator: int, areas: int, periods: int, seed: int) -> tuple:
    """One indicator's values (checked form), polarity and targets."""
    rng = np.random.default_rng([seed, indicator])
    level = rng.uniform(5, 95, size=(areas, 1))
    drift = rng.normal(0, 0.05, size=(areas, 1))
    season = rng.normal(0, 0.5, size=(areas, 1)) * np.sin(np.arange(periods) * np.pi / 2)[None]
    noise = rng.normal(0, 1.0, size=(areas, periods))
    shift_at = rng.integers(periods // 2, periods, size=(areas, 1))
    shift = np.where(np.arange(periods)[None] >= shift_at,
                     rng.normal(0, 2.5, size=(areas, 1)) * (rng.random((areas, 1)) < 0.2), 0)
    values = level + np.cumsum(drift + noise * 0.3, axis=1) + season + noise + shift
    wild = rng.random((areas, periods)) < 0.002
    values = np.where(wild, values * rng.uniform(2, 4, size=(areas, periods)), values)
    labels = quarter_labels(periods)
    codes = pl.Series("area", [f"E01{n:06d}" for n in range(areas)])
    frame = pl.DataFrame({
        "indicator": pl.Series([f"I{indicator:03d}"] * (areas * periods)),
        "area": codes.gather(np.repeat(np.arange(areas), periods)),
        "period": labels["period"].gather(np.tile(np.arange(periods), areas)),
        "value": values.ravel(),
    }).with_columns(
        period_start=labels["period_start"].gather(np.tile(np.arange(periods), areas)),
        period_end=labels["period_end"].gather(np.tile(np.arange(periods), areas)),
        period_kind=pl.lit("calendar_quarter"),
        period_label=pl.col("period"),
        lower_ci=pl.lit(None, pl.Float64), upper_ci=pl.lit(None, pl.Float64),
    )
    polarity = pl.DataFrame({"indicator": [f"I{indicator:03d}"],
                             "polarity": [["up", "down", "none"][indicator % 3]]})
    last = values[:, -1]
    target_end = dt.date(FIRST_YEAR + periods // 4 + 1, 4, 1)
    targets = pl.DataFrame({
        "indicator": [f"I{indicator:03d}"] * (2 * areas),
        "area": pl.concat([codes, codes]),
        "period": [f"{FIRST_YEAR + periods // 4 + 1} Q1"] * areas + [labels["period"][-1]] * areas,
        "period_start": [dt.date(FIRST_YEAR + periods // 4 + 1, 1, 1)] * areas
        + [labels["period_start"][-1]] * areas,
        "period_end": [target_end] * areas + [labels["period_end"][-1]] * areas,
        "target": np.concatenate([last * rng.uniform(0.95, 1.05, areas),
                                  last * rng.uniform(0.97, 1.03, areas)]),
        "tolerance": pl.Series([None] * (2 * areas), dtype=pl.Float64),
        "target_kind": ["target"] * areas + ["milestone"] * areas,
    }).with_columns(period_label=pl.col("period"))
    return frame, polarity, targets


def work(indicators: list[int], areas: int, periods: int, seed: int,
         write: str | None) -> dict:
    """A worker's share: generate, assess, check and drop each indicator in turn."""
    parameters = AssessmentParameters()
    generating = assessing = 0.0
    rows = 0
    signals = 0
    for indicator in indicators:
        started = time.perf_counter()
        frame, polarity, targets = generate(indicator, areas, periods, seed)
        frame = frame.with_row_index("_row")
        generating += time.perf_counter() - started
        started = time.perf_counter()
        out = assess_batch(frame, polarity, targets, parameters)
        assessing += time.perf_counter() - started
        if out.height != frame.height:
            raise AssertionError("the assessment lost rows")
        rows += out.height
        signals += int((out["spc_signal"] != "none").sum())
        if write:
            out.drop("_row").write_parquet(Path(write) / f"I{indicator:03d}.parquet")
        del frame, out
    return {"rows": rows, "generating": generating, "assessing": assessing,
            "signals": signals,
            "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def run_national(indicators: int, areas: int, periods: int, workers: int, seed: int,
                 write: str | None) -> dict:
    shares = [list(range(w, indicators, workers)) for w in range(workers)]
    started = time.perf_counter()
    # Each worker is one core's worth: Polars' own thread pool would only compete with the
    # other workers for the same two cores.
    # (spawned workers read POLARS_MAX_THREADS when they import Polars).
    context = multiprocessing.get_context("spawn")
    os.environ["POLARS_MAX_THREADS"] = "1"
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(work, share, areas, periods, seed, write) for share in shares]
        results = [f.result() for f in futures]
    wall = time.perf_counter() - started
    rows = sum(r["rows"] for r in results)
    generating = sum(r["generating"] for r in results)
    assessing = sum(r["assessing"] for r in results)
    # Wall time spent assessing: the wall clock less this run's share of generation.
    assess_wall = wall * assessing / (assessing + generating)
    return {"rows": rows, "wall": wall, "assess_wall": assess_wall,
            "generating": generating, "assessing": assessing,
            "peak_gib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                         + sum(r["max_rss_kib"] for r in results)) / 2**20,
            "signals": sum(r["signals"] for r in results)}


# --- peers ------------------------------------------------------------------------------

def peer_sample(series: int, periods: int, seed: int) -> tuple:
    frame, polarity, targets = generate(0, series, periods, seed)
    return frame, polarity, targets


def time_ours(frame, polarity, targets, repeats: int = 3) -> float:
    parameters = AssessmentParameters()
    frame = frame.with_row_index("_row")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        assess_batch(frame, polarity, targets, parameters)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_kernels(frame, polarity, targets, repeats: int = 3) -> dict[str, float]:
    """Median seconds of the SPC and forecast kernels alone, on a laid-out panel."""
    from joinedup.core import direction, engine, forecast, spc

    parameters = AssessmentParameters()
    prepared = direction.period_columns(frame.join(polarity, on="indicator"))
    panel = engine.build_panel(prepared, engine.KEYS, engine.ORDER,
                               extra=direction.PERIOD_COLUMNS)
    panel.extra[forecast.TIME] = panel.extra["_start_day"]
    series = engine._series_frame(prepared, panel, targets)
    sign = series["_polarity"].to_numpy()
    goal = series["target"].fill_null(np.nan).to_numpy()
    start = series["_forecast_start"].fill_null(np.nan).to_numpy()
    times: dict[str, list[float]] = {"spc": [], "forecast": []}
    for _ in range(repeats):
        began = time.perf_counter()
        spc.spc_panel(panel, sign, goal, parameters.spc)
        times["spc"].append(time.perf_counter() - began)
        began = time.perf_counter()
        forecast.forecast_panel(panel, start, goal, sign, parameters.forecast)
        times["forecast"].append(time.perf_counter() - began)
    return {name: statistics.median(values) for name, values in times.items()}


def time_abspc(frame: pl.DataFrame, targets: pl.DataFrame, direction: str) -> float:
    import warnings

    import abspc

    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    goal = dict(zip(targets["area"], targets["target"], strict=False))
    for (area,), group in frame.group_by("area", maintain_order=True):
        data = group.select("value").to_pandas()
        limits = abspc.calculate_control_limits(data, chart_type="XmR")
        special = abspc.detect_special_causes(limits)
        abspc.determine_variation_type(special, improvement_direction=direction)
        abspc.determine_assurance_type(special, goal.get(area), improvement_direction=direction)
    return time.perf_counter() - started


def time_statsforecast(frame: pl.DataFrame, horizon: int) -> float:
    import logging

    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    logging.getLogger("statsforecast").setLevel(logging.ERROR)
    data = frame.select(unique_id="area", ds="period_start", y="value").to_pandas()
    model = StatsForecast(models=[AutoETS(model="AAN", damped=True)], freq="QS", n_jobs=1)
    model.forecast(df=data.head(data.shape[0] // 10), h=horizon, level=[80, 95])  # compile
    started = time.perf_counter()
    model.forecast(df=data, h=horizon, level=[80, 95])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the 200 indicators to run (areas stay national)")
    parser.add_argument("--areas", type=int, default=LSOAS)
    parser.add_argument("--periods", type=int, default=QUARTERS)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--peer-series", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--write", help="keep the results as Parquet files in this folder")
    parser.add_argument("--no-results", action="store_true", help="do not update RESULTS.md")
    options = parser.parse_args()
    indicators = max(1, round(200 * options.scale))
    if options.write:
        Path(options.write).mkdir(parents=True, exist_ok=True)

    print(f"national: {indicators} indicators × {options.areas:,} areas × {options.periods} "
          f"quarters on {options.workers} workers …", file=sys.stderr)
    national = run_national(indicators, options.areas, options.periods, options.workers,
                            options.seed, options.write)
    print(f"  {national['rows']:,} rows in {national['wall']:.1f} s wall "
          f"({national['assess_wall']:.1f} s assessing)", file=sys.stderr)

    print(f"peers on {options.peer_series} series …", file=sys.stderr)
    frame, polarity, targets = peer_sample(options.peer_series, options.periods, options.seed)
    sample_rows = frame.height
    direction = {"up": "high", "down": "low"}.get(polarity["polarity"][0], "high")
    ours_sample = time_ours(frame, polarity, targets)
    chunk, chunk_polarity, chunk_targets = generate(0, options.areas, options.periods,
                                                    options.seed)
    ours_chunk = time_ours(chunk, chunk_polarity, chunk_targets, repeats=3)
    kernels = time_kernels(chunk, chunk_polarity, chunk_targets)
    abspc_seconds = time_abspc(frame, targets.filter(pl.col("target_kind") == "target"),
                               direction)
    sf_seconds = time_statsforecast(frame, horizon=5)

    per_core = chunk.height / ours_chunk
    abspc_rate, sf_rate = sample_rows / abspc_seconds, sample_rows / sf_seconds
    spc_rate, forecast_rate = chunk.height / kernels["spc"], chunk.height / kernels["forecast"]
    lines = [
        f"Measured {dt.date.today():%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} cores; "
        f"seed {options.seed}.",
        "",
        "**Whole assessment, national scale** (every figure: status, direction, SPC rules, "
        "variation, assurance, outliers, forecast and P(meet target)):",
        "",
        "| | figure | goal |",
        "|---|---|---|",
        f"| rows assessed | {national['rows']:,} ({indicators} indicators × "
        f"{options.areas:,} areas × {options.periods} quarters) | 262,752,000 |",
        f"| wall time, assessing ({options.workers} worker processes) | "
        f"{national['assess_wall']:.1f} s | ≤ 60 s |",
        f"| wall time including generating the data | {national['wall']:.1f} s | |",
        f"| throughput | {national['rows'] / national['assess_wall']:,.0f} rows/s | "
        f"≥ 4.4M rows/s |",
        f"| peak memory (main process + each worker's peak) | {national['peak_gib']:.2f} GiB | "
        f"≤ 12 GiB |",
        "",
        f"**Against per-series peers**, one core each, the same {options.peer_series} series × "
        f"{options.periods} quarters ({sample_rows:,} rows):",
        "",
        "| | seconds | rows/s | JoinedUp's advantage |",
        "|---|---|---|---|",
        f"| JoinedUp, whole assessment of the sample | {ours_sample:.3f} | "
        f"{sample_rows / ours_sample:,.0f} | |",
        f"| JoinedUp, whole assessment of one national indicator ({chunk.height:,} rows) | "
        f"{ours_chunk:.2f} | {per_core:,.0f} | |",
        f"| abspc 1.1.0: limits, special causes, variation, assurance | {abspc_seconds:.2f} | "
        f"{abspc_rate:,.0f} | {per_core / abspc_rate:,.0f}× (whole assessment); "
        f"{spc_rate / abspc_rate:,.0f}× (JoinedUp's SPC alone, {spc_rate:,.0f} rows/s) |",
        f"| statsforecast 2.1.1: AutoETS damped trend, 80/95% intervals | {sf_seconds:.2f} | "
        f"{sf_rate:,.0f} | {per_core / sf_rate:,.0f}× (whole assessment); "
        f"{forecast_rate / sf_rate:,.0f}× (JoinedUp's forecasts alone, "
        f"{forecast_rate:,.0f} rows/s) |",
        "",
        "The peers each do only part of the work JoinedUp does per row (abspc: SPC only; "
        "statsforecast: one forecasting model, with no backtest, no linear alternative, no "
        "P(meet target)), so the advantage is understated.",
    ]
    text = "\n".join(lines)
    print(text)
    if not options.no_results:
        write_section("National-scale assessment", text)


if __name__ == "__main__":
    main()
