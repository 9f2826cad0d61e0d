"""Writing many rows at once: PostgreSQL's ``COPY``, SQLite's multi-row ``INSERT``.

Saving a row at a time through the ORM manages a few thousand rows a second; a partner's
upload may hold a million. Every tabular return (figures, spend lines) writes its new rows
through ``send``, a statement per step; on SQLite only the columns that vary are sent per
row, and a column with one value in every row (the partner of a partner's return, a note
no row has) goes into the statement once.
"""

from __future__ import annotations

import math
import sqlite3

import polars as pl
from django.db import connection


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def postgres() -> bool:
    return connection.vendor == "postgresql"


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date)


def send(table: str, frame: pl.DataFrame, constants: dict, cursor) -> None:
    """Insert ``frame``'s rows into ``table``, with ``constants`` the same in every row."""
    if frame.is_empty():
        return
    if postgres():
        names = ", ".join(q(c) for c in [*frame.columns, *constants])
        for column, value in constants.items():
            frame = frame.with_columns(pl.lit(value).alias(column))
        text = _as_text(frame).write_csv(include_header=False)
        with cursor.cursor.copy(f"COPY {q(table)} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(text.encode())
        return
    # SQLite: the constants go in once, as literals, with any column that holds one value
    # in every row; the rest a few hundred rows a statement.
    text = _as_text(frame)
    same = [c for c in text.columns if _one_value(text[c])] if text.height > 1 else []
    if len(same) == text.width:
        same = same[1:]
    constants = {**{c: text[c][0] for c in same}, **constants}
    text = text.drop(same)
    names = ", ".join(q(c) for c in [*text.columns, *constants])
    literals = "".join(f", {_literal(v)}" for v in constants.values())
    one_row = f"({', '.join(['?'] * text.width)}{literals})"
    per_statement = max(1, min(500, _sqlite_parameter_limit() // text.width))
    insert = f"INSERT INTO {q(table)} ({names}) VALUES "  # nosec B608 - our own quoted table names
    many = insert + ", ".join([one_row] * per_statement)
    for start in range(0, text.height, _SQLITE_SLICE):
        cells = _cells(text.slice(start, _SQLITE_SLICE))
        step = per_statement * text.width
        whole = len(cells) // step * step
        if whole:
            cursor.cursor.executemany(many, (cells[i:i + step] for i in range(0, whole, step)))
        if whole < len(cells):
            rest = (len(cells) - whole) // text.width
            cursor.cursor.execute(insert + ", ".join([one_row] * rest), cells[whole:])


#: Rows turned into parameters at a time: a multiple of the rows per statement, so that
#: only the last slice has a short statement, and small enough to keep memory down.
_SQLITE_SLICE = 100_000


def _cells(frame: pl.DataFrame) -> list:
    """The frame's cells row after row, as one flat list of parameters."""
    cells = [None] * (frame.height * frame.width)
    for index, column in enumerate(frame.columns):
        cells[index::frame.width] = frame[column].to_list()
    return cells


def _one_value(column: pl.Series) -> bool:
    """Whether every row holds the same value (or none), one that can be written as SQL."""
    if column.n_unique() != 1:
        return False
    value = column[0]
    return value is None or isinstance(value, (bool, int)) or (
        isinstance(value, str) and "\x00" not in value) or (
        isinstance(value, float) and math.isfinite(value))


def _sqlite_parameter_limit() -> int:
    return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def _literal(value) -> str:
    """A constant as SQL: None, a boolean, a finite number, or text with no NUL, quoted by
    doubling its quotes (SQLite's text literals have no other escapes)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
