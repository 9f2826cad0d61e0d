"""``joinedup assess --values …``: assess an export from any system, with no database.

    joinedup assess --values V.csv|V.parquet [--indicators I.csv] [--targets T.csv]
                    [--spc-screen | --no-spc-screen] [--run-length 7]
                    [--parameters P.json] [--areas A.csv --gaps G.csv]
                    [--executor local|dask [--scheduler ADDRESS | --workers 2]]
                    --out OUT.csv|OUT.parquet|OUT

Bad input stops the run before anything is written, with each problem given as
``FILE:LINE:COLUMN: message`` on standard error and exit status 1. Long runs show a
progress bar on standard error. The parameters used are written beside the output
(``OUT.parameters.json``) so the run can be reproduced. ``--values`` may be a folder of
Parquet parts, read in name order. With ``--executor dask`` the batches of indicators are
assessed on a Dask cluster and ``OUT`` is a folder of Parquet parts (``dask_executor``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from joinedup.assessment import file_batches
from joinedup.common.cells import escape_formulas
from joinedup.core.engine import OUTPUT_COLUMNS, assess_batches
from joinedup.core.parameters import AssessmentParameters, ParameterError
from joinedup.core.schemas import FrameError, check_polarity, check_targets, check_values

SUFFIXES = (".csv", ".parquet")
FOLDER_SUFFIXES = ("", ".parquet")
LOCAL_WORKERS = 2
PROGRESS_FROM_ROWS = 200_000


class InputError(Exception):
    """Problems with an input file, already worded for the person who gave it."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="joinedup assess",
        description="Assess indicator values from a file: status, direction, SPC, outliers "
                    "and forecasts for every indicator × area × period. No database needed.")
    p.add_argument("--values", required=True, type=Path,
                   help="CSV or Parquet: indicator, area, period, value "
                        "[, numerator, denominator, lower_ci, upper_ci]")
    p.add_argument("--indicators", type=Path,
                   help="CSV or Parquet: indicator, polarity (up, down or none)")
    p.add_argument("--targets", type=Path,
                   help="CSV or Parquet: indicator, area, period, target [, tolerance, "
                        "target_kind (target or milestone; target if blank)]")
    screen = p.add_mutually_exclusive_group()
    screen.add_argument("--spc-screen", dest="spc_screen", action="store_true", default=None,
                        help="screen large moving ranges out of the SPC limits (the default)")
    screen.add_argument("--no-spc-screen", dest="spc_screen", action="store_false",
                        help="keep every moving range in the SPC limits")
    p.add_argument("--run-length", type=int, help="points in a trend or shift (default 7)")
    p.add_argument("--parameters", type=Path,
                   help="JSON file of parameters, as written beside an earlier output")
    p.add_argument("--areas", type=Path,
                   help="CSV or Parquet: area, level, deprivation_rank (1 = most deprived), "
                        "population; with --gaps, measures the gaps between areas")
    p.add_argument("--gaps", type=Path,
                   help="CSV or Parquet file for the gaps between the areas of each level "
                        "(needs --areas); whether each gap is narrowing goes beside it, in "
                        "GAPS.trends.csv or .parquet")
    p.add_argument("--out", required=True, type=Path,
                   help="CSV or Parquet file to write (with --executor dask, a folder of "
                        "Parquet parts)")
    p.add_argument("--columns", type=lambda text: [c.strip() for c in text.split(",") if c.strip()],
                   help="write only these result columns, comma-separated, after indicator, "
                        "area and period (default: all)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where to assess: this process (the default) or a Dask cluster")
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument("--scheduler", metavar="ADDRESS",
                         help="with --executor dask, the scheduler to use "
                              "(e.g. tcp://10.0.0.5:8786); without it a local cluster is "
                              "started and closed afterwards")
    cluster.add_argument("--workers", type=int,
                         help="with --executor dask and no --scheduler, worker processes "
                              "of the local cluster (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def read_table(path: Path, role: str) -> pl.DataFrame:
    """Read a CSV (as text, so nothing is silently converted), a Parquet file, or a folder
    of Parquet parts."""
    if not path.exists():
        raise InputError([f"{path}: no such file ({role})"])
    if path.is_dir():
        return read_parts(path, role)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError([f"{path}: the {role} file must be .csv or .parquet, not "
                          f"{suffix or 'a file without an extension'}"])
    try:
        if suffix == ".parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy",
                           truncate_ragged_lines=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError([f"{path}: cannot be read as {suffix[1:].upper()}: "
                          f"{str(error).splitlines()[0]}"]) from None


def read_parts(folder: Path, role: str) -> pl.DataFrame:
    """The Parquet parts of a folder, one after another in name order."""
    parts = sorted(folder.glob("*.parquet"))
    if not parts:
        raise InputError([f"{folder}: the {role} folder has no .parquet parts"])
    try:
        return pl.read_parquet(parts)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError([f"{folder}: cannot be read as Parquet parts: "
                          f"{str(error).splitlines()[0]}"]) from None


def located(path: Path, error: FrameError) -> list[str]:
    """``FILE:LINE:COLUMN: message`` lines; a CSV's line counts its header as line 1, and a
    Parquet file's rows count from 1. A repeated row names the row it repeats the same way."""
    csv = path.suffix.lower() == ".csv"

    def where(row: int) -> str:
        return f"line {row + 2}" if csv else f"row {row + 1}"

    lines = []
    for problem in error.problems:
        place = ""
        if problem.row is not None:
            place = where(problem.row).removeprefix("line ") if csv else where(problem.row)
        message = problem.message
        if problem.repeats is not None:
            message = message.removesuffix(f"row {problem.repeats}") + where(problem.repeats)
        lines.append(f"{path}:{place}:{problem.column or ''}: {message}")
    if error.total > len(error.problems):
        lines.append(f"{path}: … and {error.total - len(error.problems)} more problems")
    return lines


def load(options, roles=("values", "indicators", "targets")
         ) -> tuple[pl.DataFrame | None, pl.DataFrame | None, pl.DataFrame | None]:
    lines: list[str] = []
    frames = {}
    for role, path, check in (("values", options.values, check_values),
                              ("indicators", options.indicators, check_polarity),
                              ("targets", options.targets, check_targets)):
        if path is None or role not in roles:
            frames[role] = None
            continue
        try:
            frames[role] = check(read_table(path, role))
        except InputError as error:
            lines += error.lines
        except FrameError as error:
            lines += located(path, error)
    if lines:
        raise InputError(lines)
    return frames["values"], frames["indicators"], frames["targets"]


def parameters_from(options) -> AssessmentParameters:
    parameters = AssessmentParameters()
    if options.parameters:
        try:
            stored = json.loads(options.parameters.read_text())
            parameters = AssessmentParameters.from_dict(stored.get("parameters", stored))
        except (OSError, ValueError, TypeError) as error:
            raise InputError([f"{options.parameters}: {error}"]) from None
    spc = {}
    if options.spc_screen is not None:
        spc["screen_outliers"] = options.spc_screen
    if options.run_length is not None:
        spc["run_length"] = options.run_length
    try:
        return parameters.with_changes(spc=spc) if spc else parameters
    except ParameterError as error:
        raise InputError([f"parameters: {error}"]) from None


KEY_COLUMNS = ("indicator", "area", "period")


def result_columns(options) -> list[str]:
    """The result columns to write: the keys, then those asked for (all by default)."""
    if not options.columns:
        return list(OUTPUT_COLUMNS)
    return [*KEY_COLUMNS, *[c for c in options.columns if c not in KEY_COLUMNS]]


def write_parameters(out: Path, parameters: AssessmentParameters) -> None:
    out.with_name(out.name + ".parameters.json").write_text(
        json.dumps({"parameters": parameters.to_dict()}, indent=2) + "\n")


def write(results_batches, out: Path, columns: list[str]) -> int:
    """Write the batches (each with its ``_row``) to ``out``; return the rows written.
    Parquet is streamed batch by batch, text dictionary-encoded; a CSV is written in the
    values' row order."""
    if out.suffix.lower() == ".parquet":
        return file_batches.write_parquet(
            (file_batches.text_as_dictionary(batch.select(columns))
             for batch in results_batches), out)
    pieces = [batch.select("_row", *columns) for batch in results_batches]
    combined = (pl.concat(pieces).sort("_row").drop("_row") if pieces
                else pl.DataFrame(schema={c: pl.String for c in columns}))
    temporary = out.with_name(out.name + ".partial")
    try:
        escape_formulas(combined).write_csv(temporary)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return combined.height


def batch_by_batch(options) -> bool:
    """Whether the values are read a batch at a time (a Parquet file or folder, assessed
    here into a Parquet file, with no gaps to measure, which need every value at once)."""
    values = options.values
    parquet_in = (values.is_dir() or values.suffix.lower() == ".parquet") and values.exists()
    return (options.executor == "local" and parquet_in and options.areas is None
            and options.out.suffix.lower() == ".parquet")


def assess_file(options, parameters: AssessmentParameters) -> int:
    """Assess a Parquet file batch by batch (``file_batches``); return the rows written."""
    _, polarity, targets = load(options, roles=("indicators", "targets"))
    try:
        the_plan = file_batches.plan(options.values)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError([f"{options.values}: cannot be read as Parquet: "
                          f"{str(error).splitlines()[0]}"]) from None
    targets_of = (targets.partition_by("indicator", as_dict=True)
                  if targets is not None else {})
    columns = result_columns(options)

    def make_task(number: int, assess: bool, spool):
        batch_targets = None
        if targets is not None:
            found = [targets_of[(k,)] for k in the_plan.keys[number] if (k,) in targets_of]
            batch_targets = pl.concat(found) if found else targets.clear()
        return file_batches.Task(options.values, the_plan.batches[number], polarity,
                                 batch_targets, parameters, columns, assess, spool)

    total = sum(the_plan.rows)
    run = file_batches.Run()
    show = not options.quiet and total >= PROGRESS_FROM_ROWS
    with progress_bar(show, total) as advance:
        frames = file_batches.assessed(options.values, the_plan, make_task, run, advance,
                                       file_batches.cores())
        try:
            rows = file_batches.write_parquet(frames, options.out, keep=lambda: not run.total)
        except file_batches.WorkerStopped as stopped:
            raise InputError([f"joinedup assess: {stopped}"]) from None
    error = run.error()
    if error is not None:
        raise InputError(located(options.values, error))
    write_parameters(options.out, parameters)
    return rows


AREA_COLUMNS = ("area", "level", "deprivation_rank", "population")


def read_areas(path: Path) -> pl.DataFrame:
    frame = read_table(path, "areas")
    missing = [c for c in AREA_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError([f"{path}::: the areas must have the column(s) {', '.join(missing)}"])
    lines = []
    for column in ("deprivation_rank", "population"):
        numbers = frame[column].cast(pl.String).str.strip_chars().str.replace_all(",", "")
        bad = frame.with_row_index("_r").filter(
            numbers.is_not_null() & (numbers != "")
            & numbers.cast(pl.Float64, strict=False).is_null())
        suffix_csv = path.suffix.lower() == ".csv"
        for row, text in bad.select("_r", column).head(20).iter_rows():
            line = row + 2 if suffix_csv else row + 1
            lines.append(f"{path}:{line}:{column}: {text!r} is not a number")
    if lines:
        raise InputError(lines)
    return frame.select(
        pl.col("area").cast(pl.String).str.strip_chars(),
        pl.col("level").cast(pl.String).str.strip_chars(),
        *[pl.col(c).cast(pl.String).str.replace_all(",", "").cast(pl.Float64, strict=False)
          for c in ("deprivation_rank", "population")])


def write_gaps(values: pl.DataFrame, polarity, areas: pl.DataFrame, out: Path,
               parameters: AssessmentParameters) -> None:
    from joinedup.core.gaps import area_gaps, gap_trends

    if polarity is not None:
        values = values.join(polarity, on="indicator", how="left")
    gaps = area_gaps(values.select(*[c for c in ("indicator", "area", "period_label",
                                                  "period_start", "value", "polarity")
                                     if c in values.columns]).rename(
        {"period_label": "period"}), areas, min_areas=parameters.gaps.min_areas)
    trends = gap_trends(gaps, min_relative_change=parameters.gaps.min_relative_change)
    trends_path = out.with_name(out.stem + ".trends" + out.suffix)
    for frame, path in ((gaps, out), (trends, trends_path)):
        if path.suffix.lower() == ".parquet":
            frame.write_parquet(path)
        else:
            escape_formulas(frame.with_columns(pl.col(pl.Enum).cast(pl.String))).write_csv(path)


def usage_error(options) -> str | None:
    """What is wrong with the options as given, if anything."""
    dask = options.executor == "dask"
    for name in ("out", "gaps"):
        path = getattr(options, name)
        if path is None:
            continue
        if name == "out" and dask:
            if path.suffix.lower() not in FOLDER_SUFFIXES:
                return (f"--executor dask writes a folder of Parquet parts; --out must be a "
                        f"folder name, with no extension or .parquet: {path}")
        elif path.suffix.lower() not in SUFFIXES:
            return f"--{name} must end in .csv or .parquet: {path}"
    if (options.gaps is None) != (options.areas is None):
        return "--gaps and --areas go together"
    if not dask and (options.scheduler is not None or options.workers is not None):
        return "--scheduler and --workers need --executor dask"
    if options.workers is not None and options.workers < 1:
        return "--workers must be at least 1"
    unknown = [c for c in options.columns or () if c not in OUTPUT_COLUMNS]
    if unknown:
        return (f"--columns: no result column called {', '.join(unknown)}; the columns are "
                f"{', '.join(OUTPUT_COLUMNS)}")
    if options.columns and dask:
        return "--columns is not available with --executor dask"
    return None


def main(argv: list[str]) -> int:
    options = parser().parse_args(argv)
    problem = usage_error(options)
    if problem is not None:
        sys.stderr.write(f"joinedup assess: {problem}\n")
        return 2
    try:
        parameters = parameters_from(options)
        if batch_by_batch(options):
            rows = assess_file(options, parameters)
            if not options.quiet:
                sys.stderr.write(f"Assessed {rows:,} rows; wrote {options.out}\n")
            return 0
        values, polarity, targets = load(options)
        areas = read_areas(options.areas) if options.areas else None
    except InputError as error:
        sys.stderr.write("\n".join(error.lines) + "\n")
        sys.stderr.write("Nothing was written.\n")
        return 1
    show = not options.quiet and values.height >= PROGRESS_FROM_ROWS
    if options.executor == "dask":
        rows = assess_on_cluster(options, values, polarity, targets, parameters, show)
        if rows is None:
            return 1
    else:
        with progress_bar(show, values.height) as advance:
            batches = assess_batches(values, polarity, targets, parameters, progress=advance)
            rows = write(batches, options.out, result_columns(options))
        write_parameters(options.out, parameters)
    if areas is not None:
        write_gaps(values, polarity, areas, options.gaps, parameters)
    if not options.quiet:
        sys.stderr.write(f"Assessed {rows:,} rows; wrote {options.out}\n")
    return 0


@contextmanager
def progress_bar(show: bool, total: int) -> Iterator[Callable[[int], None]]:
    """A bar on standard error of the rows assessed; yields the function to call with the
    rows done so far."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, quiet=not show)
    with Progress(TextColumn("Assessing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("rows"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("rows", total=total)
        yield lambda done: bar.update(task, completed=done)


def assess_on_cluster(options, values, polarity, targets, parameters, show: bool) -> int | None:
    """Assess on a Dask cluster into the folder ``--out``; ``None`` when the cluster could
    not be used (the reason is on standard error, and nothing was written)."""
    import signal

    from joinedup.assessment import dask_executor

    # Stopped with SIGTERM, close the cluster and remove the unfinished parts, as on Ctrl+C.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    try:
        with dask_executor.connect(options.scheduler, options.workers or LOCAL_WORKERS
                                   ) as client:
            if not options.quiet:
                sys.stderr.write(f"Assessing on {dask_executor.worker_count(client)} Dask "
                                 f"worker(s) at {client.scheduler_info()['address']}\n")
            with progress_bar(show, values.height) as advance:
                rows = dask_executor.assess_to_folder(client, values, polarity, targets,
                                                      parameters, options.out, advance)
    except dask_executor.ExecutorError as error:
        sys.stderr.write("\n".join(error.lines) + "\n")
        sys.stderr.write("Nothing was written.\n")
        return None
    write_parameters(options.out, parameters)
    return rows
