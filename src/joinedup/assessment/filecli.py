"""``joinedup assess --values …``: assess an export from any system, with no database.

    joinedup assess --values V.csv|V.parquet [--indicators I.csv] [--targets T.csv]
                    [--spc-screen | --no-spc-screen] [--run-length 7]
                    [--parameters P.json] [--areas A.csv --gaps G.csv]
                    --out OUT.csv|OUT.parquet

Bad input stops the run before anything is written, with each problem given as
``FILE:LINE:COLUMN: message`` on standard error and exit status 1. Long runs show a
progress bar on standard error. The parameters used are written beside the output
(``OUT.parameters.json``) so the run can be reproduced.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import polars as pl

from joinedup.core.engine import assess_batches
from joinedup.core.parameters import AssessmentParameters, ParameterError
from joinedup.core.schemas import FrameError, check_polarity, check_targets, check_values

SUFFIXES = (".csv", ".parquet")
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
    p.add_argument("--out", required=True, type=Path, help="CSV or Parquet file to write")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def read_table(path: Path, role: str) -> pl.DataFrame:
    """Read a CSV (as text, so nothing is silently converted) or a Parquet file."""
    if not path.exists():
        raise InputError([f"{path}: no such file ({role})"])
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


def located(path: Path, error: FrameError) -> list[str]:
    """``FILE:LINE:COLUMN: message`` lines; a CSV's line counts its header as line 1."""
    csv = path.suffix.lower() == ".csv"
    lines = []
    for problem in error.problems:
        where = ""
        if problem.row is not None:
            where = f"{problem.row + 2}" if csv else f"row {problem.row + 1}"
        column = problem.column or ""
        lines.append(f"{path}:{where}:{column}: {problem.message}")
    if error.total > len(error.problems):
        lines.append(f"{path}: … and {error.total - len(error.problems)} more problems")
    return lines


def load(options) -> tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None]:
    lines: list[str] = []
    frames = {}
    for role, path, check in (("values", options.values, check_values),
                              ("indicators", options.indicators, check_polarity),
                              ("targets", options.targets, check_targets)):
        if path is None:
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


def write(results_batches, out: Path, parameters: AssessmentParameters, progress) -> int:
    """Stream batches into the output; return the number of rows written."""
    import pyarrow.parquet as pq

    temporary = out.with_name(out.name + ".partial")
    rows = 0
    pieces = []
    writer = None
    try:
        for batch in results_batches:
            if out.suffix.lower() == ".parquet":
                table = batch.drop("_row").to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(temporary, table.schema)
                writer.write_table(table)
            else:
                pieces.append(batch)
            rows += batch.height
        if writer is not None:
            writer.close()
        else:
            combined = pl.concat(pieces).sort("_row").drop("_row") if pieces else pl.DataFrame()
            combined.write_csv(temporary)
        temporary.replace(out)
    finally:
        if temporary.exists():
            temporary.unlink()
    out.with_name(out.name + ".parameters.json").write_text(
        json.dumps({"parameters": parameters.to_dict()}, indent=2) + "\n")
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
            frame.with_columns(pl.col(pl.Enum).cast(pl.String)).write_csv(path)


def main(argv: list[str]) -> int:
    options = parser().parse_args(argv)
    for name in ("out", "gaps"):
        path = getattr(options, name)
        if path is not None and path.suffix.lower() not in SUFFIXES:
            sys.stderr.write(f"joinedup assess: --{name} must end in .csv or .parquet: {path}\n")
            return 2
    if (options.gaps is None) != (options.areas is None):
        sys.stderr.write("joinedup assess: --gaps and --areas go together\n")
        return 2
    try:
        parameters = parameters_from(options)
        values, polarity, targets = load(options)
        areas = read_areas(options.areas) if options.areas else None
    except InputError as error:
        sys.stderr.write("\n".join(error.lines) + "\n")
        sys.stderr.write("Nothing was written.\n")
        return 1
    show = not options.quiet and values.height >= PROGRESS_FROM_ROWS
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, quiet=not show)
    with Progress(TextColumn("Assessing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("rows"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("rows", total=values.height)
        batches = assess_batches(values, polarity, targets, parameters,
                                 progress=lambda done: bar.update(task, completed=done))
        rows = write(batches, options.out, parameters, bar)
    if areas is not None:
        write_gaps(values, polarity, areas, options.gaps, parameters)
    if not options.quiet:
        sys.stderr.write(f"Assessed {rows:,} rows; wrote {options.out}\n")
    return 0
