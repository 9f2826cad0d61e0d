"""Where the time goes on ``joinedup assess``'s path, for one batch, on one core.

The first batch of a values file (as ``joinedup assess`` plans it) goes through the same
steps as in a worker process, each timed alone, in rounds (medians): read it from the
file, check it (of which: parse the periods, each indicator's distinct labels once),
status, laying out the panel, direction, SPC, outliers, forecast, assembly of the result
rows, and writing them (dictionary-encoded, zstd) to Parquet.

Beside each step: a single pass over the step's data at this machine's memory speed
(the bytes the step reads, at the rate ``numpy`` sums a large array here), and the step's
time as a multiple of it. Run it with one Polars thread (``POLARS_MAX_THREADS=1``), as a
worker runs; ``national.py`` does.

    POLARS_MAX_THREADS=1 python bench/assess_breakdown.py V.parquet I.parquet T.parquet
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from joinedup.assessment import file_batches
from joinedup.core import direction, engine, forecast, outliers, schemas, spc
from joinedup.core.parameters import AssessmentParameters
from joinedup.core.status import assess_status

REASONS = {
    "read": "decompressing and decoding Parquet pages (dictionary and zstd), not moving bytes",
    "check": "stripping and hashing the text keys of every row (repeats), and joining each "
             "row to its period",
    "parse periods": "a join of every row to its indicator's distinct labels (the labels "
                     "themselves are read once each)",
    "status": "a hash join of every row to the targets on indicator, area and period",
    "lay out the panel": "sorting the rows into series and scattering them into matrices",
    "direction": "for each point, finding the point a step and a year earlier by the "
                 "calendar: several gathers over the matrix",
    "SPC": "limits, then the four rules each as its own pass with running counts "
           "(about 15 passes over the matrix)",
    "outliers": "a median of the other areas in each period: a sort across areas, "
                "O(n log n), not one pass",
    "forecast": "every candidate fitted over a grid of smoothing parameters and each "
                "backtest origin: dozens of passes over the matrix",
    "assembly": "scattering per-series results to rows, and text to dictionaries",
    "write": "zstd compression and Parquet encoding of 38 columns",
}


def memory_speed() -> float:
    """Bytes per second at which ``numpy`` sums a 256 MiB array here (median of 5)."""
    data = np.ones(2**25)
    times = []
    for _ in range(5):
        began = time.perf_counter()
        data.sum()
        times.append(time.perf_counter() - began)
    return data.nbytes / statistics.median(times)


def breakdown(values: Path, indicators: Path, targets: Path, rounds: int = 3) -> dict:
    parameters = AssessmentParameters()
    plan = file_batches.plan(values)
    polarity = schemas.check_polarity(pl.read_parquet(indicators))
    all_targets = schemas.check_targets(pl.read_parquet(targets))
    batch_targets = all_targets.filter(pl.col("indicator").is_in(pl.Series(plan.keys[0])
                                                                 .implode()))
    task = file_batches.Task(values, plan.batches[0], polarity, batch_targets, parameters,
                             list(engine.OUTPUT_COLUMNS), True, None)
    times: dict[str, list[float]] = {name: [] for name in REASONS}
    sizes: dict[str, int] = {}

    def timed(name, step, *args):
        began = time.perf_counter()
        result = step(*args)
        times[name].append(time.perf_counter() - began)
        return result

    out = Path(tempfile.mkdtemp()) / "batch.parquet"
    for _ in range(rounds):
        frame = timed("read", file_batches.read_batch, task)
        problems: list = []
        numbered = frame.rename({file_batches.FILE_ROW: "_r"})
        timed("parse periods", schemas._periods, numbered, problems)
        checked = timed("check", schemas.check_values, frame, file_batches.FILE_ROW)
        rows = checked.with_row_index("_row").join(polarity, on="indicator", how="left"
                                                   ).with_columns(pl.col("polarity")
                                                                  .fill_null("none"))
        status = timed("status", lambda: assess_status(rows, batch_targets, parameters.status,
                                                       keys=engine.KEYS))
        panel, series = timed("lay out the panel", lay_out, status, batch_targets)
        sign = series["_polarity"].to_numpy()
        goal = series["target"].fill_null(np.nan).to_numpy()
        start = series["_forecast_start"].fill_null(np.nan).to_numpy()
        travel = timed("direction", direction.direction_panel, panel, sign,
                       parameters.direction)
        chart = timed("SPC", spc.spc_panel, panel, sign, goal, parameters.spc)
        found = timed("outliers", outliers.outliers_panel, panel, parameters.outliers)
        ahead = timed("forecast", forecast.forecast_panel, panel, start, goal, sign,
                      parameters.forecast)
        result = timed("assembly", assemble, status, panel, series, chart, found, travel,
                       ahead)
        timed("write", lambda: result.write_parquet(
            out, compression=file_batches.COMPRESSION,
            compression_level=file_batches.COMPRESSION_LEVEL))
        sizes = {"read": frame.estimated_size(),
                 "check": frame.estimated_size(),
                 "parse periods": numbered.select("indicator", "period").estimated_size(),
                 "status": rows.estimated_size(),
                 "lay out the panel": status.estimated_size(),
                 **{name: panel.values.nbytes for name in
                    ("direction", "SPC", "outliers", "forecast")},
                 "assembly": result.estimated_size(), "write": result.estimated_size()}
    out.unlink()
    speed = memory_speed()
    return {"rows": frame.height, "series": int(panel.n_series), "bytes_per_second": speed,
            "steps": {name: {"seconds": statistics.median(times[name]),
                             "bytes": sizes[name],
                             "pass_seconds": sizes[name] / speed,
                             "why": REASONS[name]} for name in REASONS}}


def lay_out(status: pl.DataFrame, targets: pl.DataFrame):
    prepared = direction.period_columns(status)
    panel = engine.build_panel(prepared, engine.KEYS, engine.ORDER,
                               extra=direction.PERIOD_COLUMNS)
    panel.extra[forecast.TIME] = panel.extra["_start_day"]
    return panel, engine._series_frame(prepared, panel, targets)


def assemble(status, panel, series, chart, found, travel, ahead) -> pl.DataFrame:
    rows = engine._assemble(status, panel, series, chart, found, travel, ahead)
    return file_batches.text_as_dictionary(rows.drop("_row"))


if __name__ == "__main__":
    print(json.dumps(breakdown(*(Path(a) for a in sys.argv[1:4]))))
