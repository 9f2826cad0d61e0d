"""``joinedup allocate``: split a pot across areas by need, from a file, with no database.

    joinedup allocate --needs NEEDS.csv --pot AMOUNT [--basis need] [--floor X]
                      [--ceiling X] [--damping D] --out ALLOCATION.csv|-

NEEDS.csv has one row per area: ``area``, ``population``, ``need`` and optionally
``previous`` (last year's amount in pounds; blank for none). Other columns are ignored,
and lines starting with ``#`` before the header (a note on the source) are skipped. The
output has ``area, weight, allocation, share, lower, upper, bound``, as
``joinedup.core.allocation.allocate`` returns them (``upper`` blank where there is no
cap); ``--out -`` writes it to standard output.

Amounts may be written ``800000``, ``800,000`` or ``£800,000``; the damping ``0.05`` or
``5%``. Bad input stops the run before anything is written, with each problem given as
``FILE:LINE:COLUMN: message`` on standard error (the header is line 1), and exit
status 2; so do bounds that cannot add up to the pot.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl

from joinedup.common.file_commands import write_out
from joinedup.core.allocation import BASES, AllocationError, allocate

REQUIRED = ("area", "population", "need")
MOST_PROBLEMS = 20
USAGE_ERROR = 2


class InputError(Exception):
    """Problems with the input, already worded for the person who gave it."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="joinedup allocate",
        description="Split a pot across areas in proportion to population × need, within "
                    "floors, ceilings and damping, rounded to whole pounds that add up to "
                    "the pot. No database needed.")
    p.add_argument("--needs", required=True, type=Path,
                   help="CSV: area, population, need [, previous (last year's amount)]")
    p.add_argument("--pot", required=True, help="the whole pounds to allocate, e.g. £800,000")
    p.add_argument("--basis", choices=BASES, default="need",
                   help="weight each area by need (population × need, the default), "
                        "population, equally, or by last year's amounts (previous)")
    p.add_argument("--floor", help="the least any area gets, in pounds")
    p.add_argument("--ceiling", help="the most any area gets, in pounds")
    p.add_argument("--damping", help="the most an area's amount may move from last year's, "
                                     "as a fraction (0.05) or a percentage (5%%)")
    p.add_argument("--out", required=True,
                   help="CSV file to write, or - for standard output")
    return p


def pounds(text: str, what: str, *, whole: bool = False) -> Decimal:
    """An amount of money written as people write it: 800000, 800,000 or £800,000."""
    cleaned = text.strip().removeprefix("£").replace(",", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InputError([f"--{what}: {text!r} is not an amount of money"]) from None
    if not amount.is_finite() or amount < 0:
        raise InputError([f"--{what}: {text!r} must be an amount, zero or more"])
    if whole and amount != amount.to_integral_value():
        raise InputError([f"--{what}: {text!r} must be a whole number of pounds"])
    return amount


def fraction(text: str, what: str) -> float:
    """A fraction written as 0.05 or as a percentage, 5%."""
    cleaned = text.strip()
    scale = Decimal(100) if cleaned.endswith("%") else Decimal(1)
    try:
        value = Decimal(cleaned.removesuffix("%").strip()) / scale
    except InvalidOperation:
        raise InputError([f"--{what}: {text!r} is not a fraction or a percentage"]) from None
    if not value.is_finite() or value < 0:
        raise InputError([f"--{what}: {text!r} must be zero or more"])
    return float(value)


def read_needs(path: Path) -> pl.DataFrame:
    """The needs file, checked: every problem found is reported together."""
    if not path.is_file():
        raise InputError([f"{path}: no such file (the needs)"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([f"{path}: cannot be read: {error}"]) from None
    lines = text.splitlines(keepends=True)
    notes = 0
    while notes < len(lines) and lines[notes].startswith("#"):
        notes += 1
    header_line = notes + 1
    try:
        frame = pl.read_csv("".join(lines[notes:]).encode(), infer_schema=False,
                            truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as error:
        raise InputError([f"{path}: cannot be read as CSV: {str(error).splitlines()[0]}"]
                         ) from None
    frame = frame.rename({c: c.strip() for c in frame.columns})
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError([f"{path}:{header_line}:{c}: the needs file has no {c} column"
                          for c in missing])
    numbers = [*REQUIRED[1:], *(["previous"] if "previous" in frame.columns else [])]
    frame = frame.select(
        pl.col("area").str.strip_chars(),
        *[pl.col(c).str.strip_chars().alias(f"_{c}_text") for c in numbers],
        *[pl.col(c).str.strip_chars().str.replace_all(",", "").cast(pl.Float64, strict=False)
          for c in numbers],
    ).with_row_index("_row")
    problems = _problems(frame, numbers, path, header_line)
    if problems:
        if len(problems) > MOST_PROBLEMS:
            problems = [*problems[:MOST_PROBLEMS],
                        f"{path}: … and {len(problems) - MOST_PROBLEMS} more problems"]
        raise InputError(problems)
    return frame.select("area", *numbers)


def _problems(frame: pl.DataFrame, numbers: list[str], path: Path,
              header_line: int) -> list[str]:
    """Every problem as ``FILE:LINE:COLUMN: message``, in file order."""
    columns = ["area", *numbers]
    found: list[tuple[int, int, str]] = []

    def add(rows: pl.DataFrame, column: str, message) -> None:
        for row in rows.iter_rows(named=True):
            line = row["_row"] + header_line + 1
            found.append((line, columns.index(column),
                          f"{path}:{line}:{column}: {message(row)}"))

    coded = pl.col("area").is_not_null() & (pl.col("area") != "")
    add(frame.filter(~coded), "area", lambda row: "no area code")
    firsts = frame.filter(coded).group_by("area").agg(_first=pl.col("_row").min())
    twice = frame.join(firsts, on="area").filter(pl.col("_row") != pl.col("_first"))
    add(twice, "area", lambda row: f"{row['area']} is already on line "
                                   f"{row['_first'] + header_line + 1}")
    for column in numbers:
        text, value = pl.col(f"_{column}_text"), pl.col(column)
        blank = text.is_null() | (text == "")
        if column != "previous":
            add(frame.filter(blank), column, lambda row: "empty; a number is needed")
        add(frame.filter(~blank & (value.is_null() | value.is_nan() | value.is_infinite())),
            column, lambda row, c=column: f"{row[f'_{c}_text']!r} is not a number")
        add(frame.filter(value < 0), column,
            lambda row, c=column: f"{row[f'_{c}_text']} is negative; it must be zero or more")
    return [message for _, _, message in sorted(found)]


def write(allocation: pl.DataFrame, out: str) -> None:
    write_out(allocation.with_columns(pl.col("bound").cast(pl.String)), out)


def main(argv: list[str]) -> int:
    options = parser().parse_args(argv)
    if options.out != "-" and not options.out.lower().endswith(".csv"):
        sys.stderr.write(f"joinedup allocate: --out must end in .csv (or be -): "
                         f"{options.out}\n")
        return USAGE_ERROR
    try:
        pot = pounds(options.pot, "pot", whole=True)
        floor = None if options.floor is None else float(pounds(options.floor, "floor"))
        ceiling = None if options.ceiling is None else float(pounds(options.ceiling, "ceiling"))
        damping = None if options.damping is None else fraction(options.damping, "damping")
        needs = read_needs(options.needs)
        if (damping is not None or options.basis == "previous") \
                and "previous" not in needs.columns:
            raise InputError([f"{options.needs}: --damping and --basis previous need last "
                              "year's amounts, in a previous column"])
        allocation = allocate(needs, pot, basis=options.basis, floor=floor, ceiling=ceiling,
                              damping=damping)
    except InputError as error:
        sys.stderr.write("\n".join(error.lines) + "\nNothing was written.\n")
        return USAGE_ERROR
    except AllocationError as error:
        sys.stderr.write(f"joinedup allocate: {error}\nNothing was written.\n")
        return USAGE_ERROR
    write(allocation, options.out)
    return 0
