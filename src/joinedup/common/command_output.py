"""What the reading commands (``joinedup risks``, ``benchmark``, ``self-assessment`` …)
write: rows as CSV or JSON, to standard output or to the file ``--out`` names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from django.core.management.base import CommandError

from joinedup.common.cells import escape_formula


def rows_as_csv(rows: Iterable[dict], fields: Iterable[str],
                cell: Callable[[str, object], object] | None = None) -> str:
    """One header line of ``fields``, then a line a row; an empty cell for None, and any
    text a spreadsheet would run as a formula escaped. ``cell(name, value)`` may first turn
    a value into what the column shows."""
    fields = tuple(fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        values = ((name, cell(name, row[name]) if cell else row[name]) for name in fields)
        writer.writerow(["" if value is None else escape_formula(value)
                         for _name, value in values])
    return buffer.getvalue()


def as_json(document) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def write_output(command, content: str, out: str | None, *, written: str) -> None:
    """Write ``content`` to standard output, or to ``out`` and then say ``written`` (such as
    "12 risks") "written to FILE" on standard error; a file that cannot be written is a
    ``CommandError`` saying why."""
    if not out:
        command.stdout.write(content, ending="")
        return
    try:
        Path(out).write_text(content, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
    command.stderr.write(f"{written} written to {out}.")
