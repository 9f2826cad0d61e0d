"""What the file-in, file-out commands share (``joinedup neighbours``, ``joinedup impact``):
their error, how they name a row of the file they read, and how they write.

Plain Python and Polars: these commands run with no database and no settings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from joinedup.common.cells import escape_formulas


class InputError(Exception):
    """Problems with an input file, already worded for the person who gave it."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def place(kind: str, index: int) -> str:
    """Data row ``index`` (from 0) as the person sees it: line index + 2 of a CSV file (the
    header is line 1), row index + 1 of a Parquet file."""
    return f"line {index + 2}" if kind == "line" else f"row {index + 1}"


def where(path: Path, kind: str, index: int | None, column: str) -> str:
    """``FILE:LINE:COLUMN`` (``FILE:row N:COLUMN`` in a Parquet file); with no row, the
    header."""
    if index is None:
        at = "1" if kind == "line" else "header"
    else:
        at = place(kind, index).removeprefix("line ")
    return f"{path}:{at}:{column}"


def csv_text(frame: pl.DataFrame) -> str:
    """``frame`` as CSV, with any text a spreadsheet would run as a formula escaped."""
    return escape_formulas(frame).write_csv()


def write_out(frame: pl.DataFrame, out: str) -> None:
    """Write ``frame`` to standard output as CSV (``out`` is ``-``), or whole to ``out``."""
    if out == "-":
        sys.stdout.write(csv_text(frame))
        return
    write_whole(frame, Path(out))


def write_whole(frame: pl.DataFrame, out: Path) -> None:
    """Write CSV or Parquet (by the name's extension) to a temporary file beside ``out``,
    then put it in place whole, so a failed write leaves no half file. In CSV, text a
    spreadsheet would run as a formula is escaped."""
    temporary = out.with_name(out.name + ".partial")
    try:
        if out.suffix.lower() == ".parquet":
            frame.write_parquet(temporary)
        else:
            escape_formulas(frame).write_csv(temporary)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
