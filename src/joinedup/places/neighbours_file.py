"""``joinedup neighbours``: statistical neighbours of areas, from files, with no database.

    joinedup neighbours --variables V.csv|V.parquet [--weights W.csv|W.parquet] [--k 15]
                        --out N.csv|N.parquet

V has one row per area: the column ``area``, then one numeric column per variable. W has
the columns ``variable, weight``; a variable it does not name weighs 1. The output has
``area, neighbour, rank, distance``, as ``joinedup.core.neighbours.nearest_neighbours``
returns it: each area's k nearest others by standardised, weighted Euclidean distance,
rebased so the farthest pair of areas is 1.

Bad input stops the run before anything is written, with each problem given as
``FILE:LINE:COLUMN: message`` on standard error (the header is line 1; in a Parquet file,
``row N``) and exit status 1. Mistakes in the options themselves exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from joinedup.common.file_commands import InputError, write_whole
from joinedup.common.file_commands import place as _place
from joinedup.common.file_commands import where as _where
from joinedup.core.neighbours import DEFAULT_K, NeighbourError, nearest_neighbours

SUFFIXES = (".csv", ".parquet")
MOST_PROBLEMS = 20
INPUT_ERROR = 1
USAGE_ERROR = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="joinedup neighbours",
        description="List each area's nearest statistical neighbours: variables "
                    "standardised, weighted, Euclidean distance rebased so the farthest "
                    "pair is 1. No database needed.")
    p.add_argument("--variables", required=True, type=Path,
                   help=".csv or .parquet: area, then one numeric column per variable")
    p.add_argument("--weights", type=Path,
                   help=".csv or .parquet: variable, weight (1 for a variable not named)")
    p.add_argument("--k", type=int, default=DEFAULT_K,
                   help=f"neighbours per area (default {DEFAULT_K})")
    p.add_argument("--out", required=True, type=Path, help=".csv or .parquet to write")
    return p


def _read(path: Path, role: str) -> tuple[pl.DataFrame, str]:
    """The file as text columns, and how its rows are named (line or row)."""
    if not path.is_file():
        raise InputError([f"{path}: no such file (the {role})"])
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError([f"{path}: the {role} must be a .csv or .parquet file"])
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
            return frame.select(pl.all().cast(pl.String)), "row"
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy",
                            truncate_ragged_lines=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError([f"{path}: cannot be read as {suffix[1:].upper()}: "
                          f"{str(error).splitlines()[0]}"]) from None
    return frame.rename({c: c.strip().lstrip("\ufeff").strip() for c in frame.columns}), "line"


def _numbers(frame: pl.DataFrame, columns: list[str], path: Path, kind: str
             ) -> tuple[pl.DataFrame, list[tuple[int, int, str]]]:
    """The columns as numbers, and a problem for every cell that is not a finite number."""
    found = []
    parsed = frame.with_columns(
        pl.col(c).str.strip_chars().cast(pl.Float64, strict=False).alias(f"_{c}")
        for c in columns).with_row_index("_row")
    for order, column in enumerate(columns):
        value = pl.col(f"_{column}")
        bad = parsed.filter(value.is_null() | ~value.is_finite())
        for row, text in bad.select("_row", column).head(MOST_PROBLEMS + 1).iter_rows():
            message = ("no value" if text is None or not text.strip()
                       else f"{text.strip()!r} is not a number")
            found.append((row, order, f"{_where(path, kind, row, column)}: {message}"))
    return parsed.select("_row", *[pl.col(f"_{c}").alias(c) for c in columns]), found


def _stop(found: list[tuple[int, int, str]], path: Path) -> None:
    if found:
        problems = [message for _, _, message in sorted(found)]
        if len(problems) > MOST_PROBLEMS:
            problems = [*problems[:MOST_PROBLEMS],
                        f"{path}: … and {len(problems) - MOST_PROBLEMS} more problems"]
        raise InputError(problems)


def read_variables(path: Path) -> pl.DataFrame:
    """The variables file, checked: ``area`` and a Float64 column per variable."""
    frame, kind = _read(path, "variables")
    if "area" not in frame.columns:
        raise InputError([f"{_where(path, kind, None, 'area')}: the variables have no area "
                          "column"])
    names = [c for c in frame.columns if c != "area"]
    if not names:
        raise InputError([f"{path}: the variables file has only the area column; add a "
                          "column per variable"])
    areas = frame.with_row_index("_row").select("_row", pl.col("area").str.strip_chars())
    numbers, found = _numbers(frame, names, path, kind)
    blank = areas.filter(pl.col("area").is_null() | (pl.col("area") == ""))
    found += [(row, -1, f"{_where(path, kind, row, 'area')}: no area code")
              for row in blank["_row"].head(MOST_PROBLEMS + 1)]
    coded = areas.filter(pl.col("area").is_not_null() & (pl.col("area") != ""))
    firsts = coded.group_by("area").agg(_first=pl.col("_row").min())
    again = coded.join(firsts, on="area").filter(pl.col("_row") != pl.col("_first"))
    for row, area, first in again.sort("_row").head(MOST_PROBLEMS + 1).iter_rows():
        found.append((row, -1, f"{_where(path, kind, row, 'area')}: {area} is already on "
                               f"{_place(kind, first)}"))
    _stop(found, path)
    if frame.height < 2:
        raise InputError([f"{path}: neighbours need at least 2 areas; the file has "
                          f"{frame.height}"])
    return pl.concat([areas.drop("_row"), numbers.drop("_row")], how="horizontal")


def read_weights(path: Path, names: list[str], variables_path: Path) -> dict[str, float]:
    """The weights file, checked against the variables' names."""
    frame, kind = _read(path, "weights")
    missing = [c for c in ("variable", "weight") if c not in frame.columns]
    if missing:
        raise InputError([f"{_where(path, kind, None, c)}: the weights have no {c} column"
                          for c in missing])
    numbers, found = _numbers(frame, ["weight"], path, kind)
    weights: dict[str, float] = {}
    seen: set[str] = set()
    for row, (variable, weight) in enumerate(zip(
            frame["variable"].str.strip_chars().to_list(), numbers["weight"].to_list(),
            strict=True)):
        where = _where(path, kind, row, "variable")
        if not variable:
            found.append((row, 0, f"{where}: no variable named"))
        elif variable not in names:
            found.append((row, 0, f"{where}: {variable} is not a variable in "
                                  f"{variables_path} (its variables are {', '.join(names)})"))
        elif variable in seen:
            found.append((row, 0, f"{where}: {variable} has a weight already"))
        else:
            seen.add(variable)
            if weight is None:
                continue
            weights[variable] = weight
            if weight < 0:
                found.append((row, 1, f"{_where(path, kind, row, 'weight')}: {weight:g} is "
                                      "negative; a weight is 0 or more"))
    _stop(found, path)
    return weights


def usage_error(options) -> str | None:
    if options.out.suffix.lower() not in SUFFIXES:
        return f"--out must end in .csv or .parquet: {options.out}"
    if options.k < 1:
        return f"--k must be 1 or more; it is {options.k}"
    return None


def main(argv: list[str]) -> int:
    options = parser().parse_args(argv)
    problem = usage_error(options)
    if problem is not None:
        sys.stderr.write(f"joinedup neighbours: {problem}\nNothing was written.\n")
        return USAGE_ERROR
    try:
        variables = read_variables(options.variables)
        names = [c for c in variables.columns if c != "area"]
        weights = (read_weights(options.weights, names, options.variables)
                   if options.weights else {})
        if options.k >= variables.height:
            raise InputError([f"{options.variables}: --k {options.k} asks for as many "
                              f"neighbours as there are areas ({variables.height}) or more; "
                              f"k must be less than the number of areas"])
        try:
            neighbours = nearest_neighbours(variables, weights, options.k)
        except NeighbourError as error:
            column = error.variable or ""
            raise InputError([f"{options.variables}::{column}: {error}"]) from None
    except InputError as error:
        sys.stderr.write("\n".join(error.lines) + "\nNothing was written.\n")
        return INPUT_ERROR
    write_whole(neighbours, options.out)
    sys.stderr.write(f"Listed the {options.k} nearest neighbours of {variables.height:,} "
                     f"areas; wrote {options.out}\n")
    return 0
