"""Reading a returns file, CSV or Excel workbook, into a frame of text cells.

Validation needs every cell exactly as the person typed it, and the row number they will
see in their spreadsheet, so that an error can point at the cell to put right. So nothing
is converted here: each cell becomes text (numbers stored as numbers are written without
float noise, dates as ISO dates), and the frame keeps a ``row`` column counted as a
spreadsheet counts (the header is row 1), even when blank rows have been skipped.

A file that cannot be read at all (the wrong type or encoding, empty, a damaged workbook,
a header row that is missing or unclear) is refused with ``UploadRejected`` and a message
that says how to fix it. Anything about the figures themselves is validation's business.

Speed: a CSV goes straight through ``polars.read_csv``, quoted line breaks and all. A file
with CR line endings, quotes that break the CSV rules, or that polars will not read (ragged
rows, blank lines above the header) takes the slower, obviously correct path through the
``csv`` module, whose reading follows Excel's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import PurePath

import numpy as np
import polars as pl

from joinedup.common.cells import unescape_formulas
from joinedup.returns import columns
from joinedup.returns.archives import UnsafeWorkbook, check_workbook
from joinedup.returns.problems import Problem, UploadRejected

ROW = "row"
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SEND = "Send a CSV file (.csv) or an Excel workbook (.xlsx)."
SAVE_AS_CSV = "In Excel, choose File, Save As, and the type “CSV UTF-8 (Comma delimited)”"
_BOM = b"\xef\xbb\xbf"
_VISIBLE = re.compile(rb"\S")
_FIRST_LINE = re.compile(rb"[\r\n]*([^\r\n]*)")
_LONE_CR = re.compile(rb"\r(?!\n)")  # a carriage return that does not end a line
_UNREADABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape
_OTHER_FILES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def read_table(data: bytes, name: str,
               layout: columns.Layout = columns.FIGURE_RETURN) -> pl.DataFrame:
    """The cells of a returns file: an Int64 ``row`` and one String column per header.

    Columns are named by ``columns.normalise``; every cell is stripped text, or None when
    empty. Fully empty rows and unheaded empty columns are left out. Raises
    ``UploadRejected`` when the file cannot be read as a table of returns. ``layout``
    says which kind of return it is (figures, by default, or spend lines …).
    """
    if _is_workbook(data, name):
        grid = _workbook_grid(data, name, layout)
    else:
        grid = _text_grid(data, name)
    return _table(grid, name, layout)


def float_text(expr: pl.Expr) -> pl.Expr:
    """How a float is written as text, the same in every file read or written here.

    The shortest digits that read back as the same float, with no ``.0`` on whole numbers
    (3.0 is written 3) and no negative zero; NaN and infinities become empty cells.
    """
    number = expr.cast(pl.Float64)
    number = pl.when(number.is_finite() & (number != 0)).then(number).when(number == 0).then(0.0)
    return number.cast(pl.String).str.replace(r"^(-?\d+)\.0$", "${1}")


def column_letter(index: int) -> str:
    """A spreadsheet's name for the column at ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refuse(name: str, message: str, row: int = 0, column: str = "") -> UploadRejected:
    return UploadRejected([Problem(file=name, row=row, column=column, message=message)])


# --- what kind of file is it? ---------------------------------------------------------

def _is_workbook(data: bytes, name: str) -> bool:
    """True for an Excel workbook, False for text; refuses anything else.

    The content decides, not the name alone: people rename files, and systems export
    HTML or old Excel files under any name.
    """
    suffix = PurePath(name).suffix.lower()
    if not data:
        raise _refuse(name, "The file is empty (0 bytes). Check you chose the right file.")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        what = _zip_contents(data)
        if what == "workbook" and suffix in (*WORKBOOK_SUFFIXES, ""):
            try:
                check_workbook(data)
            except UnsafeWorkbook as unsafe:
                raise _refuse(name, f"The workbook was not opened, because {unsafe}. Open "
                              "it in Excel, save it again as .xlsx, and upload the new "
                              "file.") from None
            return True
        if what == "workbook":
            raise _refuse(name, f"This file is an Excel workbook, but its name ends in "
                          f"“{suffix}”. Rename it to end in .xlsx and upload it again.")
        if what == "damaged" and suffix in TEXT_SUFFIXES:
            raise _refuse(name, f"This file’s name ends in “{suffix}”, but it holds a "
                          f"(damaged) workbook or zip archive, not text. {SEND}")
        if what == "damaged" and suffix in (*WORKBOOK_SUFFIXES, ""):
            raise _refuse(name, "The workbook is damaged and cannot be opened (it may not "
                          "have downloaded or saved completely). Open it in Excel, save it "
                          "again as .xlsx, and upload the new file.")
        raise _refuse(name, f"This file is {what}, not a returns file. {SEND}")
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise _refuse(name, "This is an old-style Excel file (.xls, Excel 97–2003), which "
                      "cannot be read here: open it in Excel and save it as .xlsx or CSV.")
    for magic, what in _OTHER_FILES:
        if data.startswith(magic):
            raise _refuse(name, f"This file is {what}, not a returns file. {SEND}")
    if suffix in WORKBOOK_SUFFIXES:
        raise _refuse(name, "This file is named as an Excel workbook but is not one: it is "
                      "damaged, or is another kind of file renamed. Open it in Excel and "
                      "save it again as .xlsx, or as CSV.")
    if suffix not in (*TEXT_SUFFIXES, ""):
        raise _refuse(name, f"Files ending in “{suffix}” cannot be read. {SEND}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(name, "This file is saved as UTF-16 text (Excel’s “Unicode Text”), "
                      f"which cannot be read here. {SAVE_AS_CSV}, then upload the new file.")
    if b"\x00" in data[:8192]:
        raise _refuse(name, f"This is not a text file, so it cannot be read as CSV. {SEND}")
    return False


def _zip_contents(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "damaged"
    if "xl/workbook.xml" in names:
        return "workbook"
    if "word/document.xml" in names:
        return "a Word document"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint presentation"
    if "content.xml" in names:
        return "an OpenDocument file (save it from your spreadsheet program as .xlsx or CSV)"
    return "a zip archive"


# --- text files -------------------------------------------------------------------------

def _text_grid(data: bytes, name: str) -> pl.DataFrame:
    """Every record of a CSV (or tab-separated) file as String cells, numbered."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if _VISIBLE.search(data) is None:
        raise _refuse(name, "The file has nothing in it but blank space: there is no header "
                      "row and no figures.")
    first_line = _FIRST_LINE.match(data).group(1)
    separator = "\t" if first_line.count(b"\t") > first_line.count(b",") else ","
    grid = _simple_grid(data, separator)  # polars refuses bytes that are not UTF-8
    if grid is not None:
        return grid
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _encoding_problem(data, name, separator) from None
    return _careful_grid(text, separator, name)


def _simple_grid(data: bytes, separator: str) -> pl.DataFrame | None:
    """The fast path, or None for a file it cannot read as the ``csv`` module would.

    A spreadsheet shows each record as one row, line breaks inside quotes and all, and
    polars keeps blank lines as empty records: so the n-th record is row n.
    """
    if _LONE_CR.search(data):
        return None  # CR line endings, or a carriage return inside a quoted cell
    if not _regular_quoting(data, separator):
        return None
    try:
        grid = pl.read_csv(data, has_header=False, infer_schema=False, separator=separator,
                           quote_char='"', empty_string_is_null=False, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None
    grid.columns = [str(i) for i in range(grid.width)]
    return grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _regular_quoting(data: bytes, separator: str) -> bool:
    """Whether every quote opens a cell, closes one, or is doubled inside one (RFC 4180).

    On such files polars and the csv module read the same cells. On others (a stray quote
    inside a cell, text after a closing quote, a quote never closed) they may differ, and
    the csv module's reading, which follows Excel's, is the one to trust. Checked over
    the runs of consecutive quotes: the count of quotes before a run says whether it
    starts inside a quoted cell.
    """
    if b'"' not in data:
        return True
    byte = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(byte == ord('"'))
    if at.size % 2:
        return False
    first = np.ones(at.size, dtype=bool)
    first[1:] = at[1:] != at[:-1] + 1
    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, at.size))
    begin, end = at[starts], at[starts] + lengths
    inside = starts % 2 == 1
    before = np.where(begin > 0, byte[np.maximum(begin - 1, 0)], ord("\n"))
    after = np.where(end < byte.size, byte[np.minimum(end, byte.size - 1)], ord("\n"))
    sep = ord(separator)
    opens_cell = (before == sep) | (before == ord("\n"))
    ends_cell = (after == sep) | (after == ord("\n")) | (after == ord("\r"))
    odd = lengths % 2 == 1
    stray = ~inside & (~opens_cell | (~odd & ~ends_cell))
    unfinished = inside & odd & ~ends_cell
    return not (stray | unfinished).any()


def _careful_grid(text: str, separator: str, name: str) -> pl.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        records = list(reader)
    except csv.Error as error:  # a stray NUL, or a cell longer than any real note
        raise _refuse(name, f"Row {reader.line_num} cannot be read as CSV ({error}). Open the "
                      f"file in Excel and save it again as CSV UTF-8.", reader.line_num) from None
    return _grid_from_rows(list(range(1, len(records) + 1)), records)


def _grid_from_rows(numbers: list[int], rows: list[list[str | None]]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    cells = {str(j): [r[j] if j < len(r) else None for r in rows] for j in range(width)}
    frame = pl.DataFrame(cells, schema={c: pl.String for c in cells})
    return frame.insert_column(0, pl.Series(ROW, numbers, dtype=pl.Int64))


def _encoding_problem(data: bytes, name: str, separator: str) -> UploadRejected:
    """Point at the first cell that is not UTF-8, and say how to save the file properly."""
    text = data.decode("utf-8", errors="surrogateescape")
    header: list[str] = []
    records = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    for number, record in enumerate(records, start=1):
        for j, cell in enumerate(record):
            bad = _UNREADABLE.search(cell)
            if bad is None:
                continue
            byte = ord(bad.group()) - 0xDC00
            heading = header[j] if j < len(header) else ""
            column = columns.normalise(heading) if heading and not _UNREADABLE.search(
                heading) else ""
            where = (f"the heading of column {column_letter(j)}" if number == 1 else
                     f"column {column or column_letter(j)}")
            looks = bytes([byte]).decode("cp1252", errors="replace")
            hint = (f" (it looks like “{looks}” saved as Windows text)" if looks != "\ufffd"
                    else "")
            return _refuse(name, f"The file is not saved as UTF-8 text: row {number}, {where} "
                           f"has a character (byte 0x{byte:02X}) that cannot be read{hint}. "
                           f"{SAVE_AS_CSV}, then upload the new file.", number, column)
        if not header and any(c.strip() for c in record):
            header = record
    return _refuse(name, f"The file is not saved as UTF-8 text. {SAVE_AS_CSV}.")


# --- workbooks --------------------------------------------------------------------------

def _workbook_grid(data: bytes, name: str, layout: columns.Layout) -> pl.DataFrame:
    """The first visible sheet (or the one named values or returns), as text cells."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = _returns_sheet(book, layout)
            sheet.reset_dimensions()  # some programs record wrong sizes; read what is there
            numbers, rows = [], []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                    numbers.append(number)
                    rows.append(values)
        finally:
            book.close()
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        kind = type(error).__name__
        # The same broken XML is a ParseError or an XMLSyntaxError, as lxml is installed
        # or not: say what is wrong in words, not which parser found it.
        why = "its XML is broken" if kind in ("ParseError", "XMLSyntaxError") else kind
        raise _refuse(name, f"The workbook is damaged and cannot be opened ({why}). Open it "
                      "in Excel, save it again as .xlsx, and upload the new file.") from None
    if not rows:
        raise _refuse(name, f"The sheet “{sheet.title}” is empty: there is no header row and "
                      "no figures.")
    period = [j for j, v in enumerate(rows[0])
              if isinstance(v, str) and columns.normalise(v) == "period"]
    return _grid_from_rows(numbers, _cell_texts(rows, period[0] if period else -1))


def _returns_sheet(book, layout: columns.Layout):
    for sheet in book.worksheets:
        if sheet.title.strip().lower() in layout.sheets:
            return sheet
    visible = [s for s in book.worksheets if s.sheet_state == "visible"]
    return (visible or book.worksheets)[0]


def _cell_texts(rows: list[tuple], period_column: int) -> list[list[str | None]]:
    """Cell values → text, as the person would read them in the sheet."""
    texts: list[list[str | None]] = []
    floats: list[float] = []
    places: list[tuple[int, int]] = []
    for i, values in enumerate(rows):
        row: list[str | None] = []
        for j, value in enumerate(values):
            if value is None or isinstance(value, str):
                row.append(value)
            elif isinstance(value, bool):
                row.append("TRUE" if value else "FALSE")
            elif isinstance(value, int):
                row.append(str(value))
            elif isinstance(value, float):
                row.append(None)
                floats.append(value)
                places.append((i, j))
            elif isinstance(value, dt.date):
                day = value.date() if isinstance(value, dt.datetime) else value
                monthly = j == period_column and day.day == 1
                row.append(day.strftime("%Y-%m") if monthly else day.isoformat())
            else:
                row.append(str(value))
        texts.append(row)
    written = pl.DataFrame({"x": floats}, schema={"x": pl.Float64}).select(
        float_text(pl.col("x"))).to_series().to_list()
    for (i, j), text in zip(places, written, strict=True):
        texts[i][j] = text
    return texts


# --- the table --------------------------------------------------------------------------

def _table(grid: pl.DataFrame, name: str, layout: columns.Layout) -> pl.DataFrame:
    """Header and figures from a grid of cells, or the reason it cannot be used."""
    cells = [c for c in grid.columns if c != ROW]
    grid = grid.with_columns(pl.col(c).str.strip_chars() for c in cells)
    # A cell written as '=… or '-… (so that no spreadsheet runs it as a formula) is read
    # as the text it stands for: exports read back unchanged. Only a column with a cell
    # that starts with a quote can hold one.
    quoted = grid.select(pl.col(cells).str.starts_with("'").any()).row(0) if cells else ()
    grid = grid.with_columns(unescape_formulas(pl.col(c))
                             for c, quotes in zip(cells, quoted, strict=True) if quotes)
    grid = grid.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in cells)
    grid = grid.filter(pl.any_horizontal(pl.col(cells).is_not_null())) if cells else grid.clear()
    if grid.height == 0:
        raise _refuse(name, "The file has no header row and no figures: every row is empty.")
    header_row = grid[ROW][0]
    headings = [grid[c][0] for c in cells]
    figures = grid.slice(1)
    filled = figures.select(pl.col(cells).is_not_null().any()).row(0) if cells else ()
    names = _header_names(headings, filled, header_row, name, layout)
    kept = {c: n for c, n in zip(cells, names, strict=True) if n is not None}
    if figures.height == 0:
        raise _refuse(name, f"The file has a header row but no figures below it: add one row "
                      f"for each figure, starting at row {header_row + 1}.")
    return figures.select(ROW, *kept).rename(kept)


def _header_names(headings: list[str | None], filled: tuple, header_row: int,
                  name: str, layout: columns.Layout) -> list[str | None]:
    """Each column's name (None for an empty column to leave out), or why they won't do."""
    names = [columns.normalise(h) if h is not None else None for h in headings]
    if not set(names) & set(layout.accepted):
        raise _refuse(name, _missing_header_message(headings, header_row, layout), header_row)
    problems = []
    seen: dict[str, int] = {}
    for j, (heading, has_figures) in enumerate(zip(names, filled, strict=True)):
        letter = column_letter(j)
        if heading is None:
            if has_figures:
                problems.append(Problem(name, header_row, "", (
                    f"Column {letter} has figures but no heading in row {header_row}: type "
                    "its name (such as value or note) above them, or delete the column.")))
        elif heading == ROW:
            problems.append(Problem(name, header_row, heading, (
                f"Column {letter} is headed “{headings[j]}”, a name kept for row numbers: "
                "rename or delete that column.")))
        elif heading in seen:
            problems.append(Problem(name, header_row, heading, (
                f"Columns {column_letter(seen[heading])} and {letter} are both headed "
                f"“{heading}”: delete or rename one of them.")))
        else:
            seen[heading] = j
    if problems:
        raise UploadRejected(problems)
    return names


def _missing_header_message(headings: list[str | None], header_row: int,
                            layout: columns.Layout) -> str:
    first = next((h for h in headings if h), "")
    if ";" in first and set(map(columns.normalise, first.split(";"))) & set(layout.accepted):
        return ("The columns are separated by semicolons, but a CSV file must use commas. "
                f"{SAVE_AS_CSV}, or choose “,” as the separator when you export.")
    shown = ", ".join(h or "(empty)" for h in headings[:5]) + (
        ", …" if len(headings) > 5 else "")
    return (f"Row {header_row} should be the header row naming the columns "
            f"({layout.example}), but none of its cells is a column name: it reads "
            f"“{shown}”. Add a header row above the figures; the template has one.")
