"""Text cells that a spreadsheet program will not run as a formula (CSV injection).

A cell of text that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
which some programs skip before looking) may be taken by Excel, LibreOffice or Google
Sheets for a formula when a file is opened, and a formula can fetch addresses or run
commands. Following the OWASP guidance on CSV injection, such text is written with a
single quote in front, which spreadsheet programs show as text. Only text is escaped: a
number, negative or not, stays a number.

In a CSV file the quote is part of the cell. So that a file read back gives exactly the
text that was written, text that already starts with quotes before one of those
characters gets one more, and ``unescape_formula`` takes one away. In an Excel workbook
the cell is stored as text with the "quote prefix" Excel itself sets when someone types a
leading apostrophe, so the value is unchanged and is never taken for a formula.

Every CSV and Excel file the service writes goes through here.
"""

from __future__ import annotations

import re

import polars as pl

#: The characters that make a spreadsheet program read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet program could read ``text`` as a formula."""
    return text.startswith(FORMULA_STARTS)


def escape_formula(value):
    """``value`` safe for a CSV cell: text that could be a formula gets a leading quote.

    Anything that is not text (numbers, dates, None) is returned unchanged.
    """
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def unescape_formula(value):
    """The text ``escape_formula`` was given, from a cell it wrote."""
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text column escaped, for writing as CSV."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_NEEDS_QUOTE.pattern))
        .then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name in text)


def unescape_formulas(expr: pl.Expr) -> pl.Expr:
    """Text cells read from a file, with the quote ``escape_formula`` added taken away."""
    return pl.when(expr.str.contains(_QUOTED.pattern)).then(expr.str.slice(1)).otherwise(expr)


def protect_excel_cell(cell) -> None:
    """Make an openpyxl cell holding text that looks like a formula stay text.

    The value is kept as it is; the cell is typed as text and given Excel's quote prefix,
    as when someone types a leading apostrophe.
    """
    if isinstance(cell.value, str) and looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
