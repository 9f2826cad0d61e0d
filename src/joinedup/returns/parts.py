"""A large table checked in parts, each part written while the next is checked.

Checking a million rows takes a second or so, and writing them several; done one after the
other, the checking adds its second to the import. So a table of more than one part's rows
is split into parts by series (indicator and area), in the order of the figures' index,
and a second thread checks each part (Polars works outside the interpreter's lock) while
this thread, which holds the transaction, writes the part before. Django's connections are
per thread, so everything that touches the database happens on this thread: what is
stored for every indicator and area the table names is read once, before the first part
is written (``reference.figures_of``), and each part's check draws on it.

Every rule ``validation.check`` applies looks at a row alone, at the rows of one
indicator, area and period, or at the figures of one series, so a part holding whole
series is judged as it would be within the whole table. The one exception is made
stricter, not looser: the whole table judges series against each other only when some
series has history, and a part does so regardless (``outliers_without_history``).

All or nothing, as before: the parts are written under a savepoint, and the first part with
any problem rolls back every part written. The import then checks the whole table as one
(``validation.check``), so the problems reported, and what becomes of the rows, are exactly
those of a table checked in one go; a clean table is written as the parts were.
"""

from __future__ import annotations

from collections.abc import Callable
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl
from django.db import transaction

from joinedup.returns import reference as lookups
from joinedup.returns import validation, writing
from joinedup.returns.validation import Reference

#: Rows checked and written at a time, once a table has more than this.
ROWS_PER_PART = 50_000


class _Refused(Exception):
    """A part has a problem: roll back what the parts wrote."""


@dataclass
class Saved:
    written: writing.Written
    unchanged: int


def series_parts(table: pl.DataFrame, reference: Reference,
                 rows_per_part: int) -> list[pl.DataFrame]:
    """``table``'s rows in parts of about ``rows_per_part`` rows, each holding whole series,
    in the order of the figures' index (indicator, area); rows in each part in the table's
    order. Rows whose indicator or area is not known come last, in a part of their own."""
    indicators = validation.code_lookup(table["indicator"].cast(pl.String),
                                        reference.indicators.select("code_key", "indicator_id"))
    areas = validation.code_lookup(table["area"].cast(pl.String),
                                   reference.areas.select("code_key", "area_id"))
    widest = int(reference.areas["area_id"].max() or 0) + 1
    series = (pl.col("indicator").cast(pl.String)
              .replace_strict(indicators["indicator"], indicators["indicator_id"],
                              default=None, return_dtype=pl.Int64) * widest
              + pl.col("area").cast(pl.String)
              .replace_strict(areas["area"], areas["area_id"], default=None,
                              return_dtype=pl.Int64))
    keyed = table.select(series.alias("series"))["series"]
    sizes = keyed.drop_nulls().value_counts(name="rows").sort("series")
    before = sizes["rows"].cum_sum() - sizes["rows"]
    part = (before // rows_per_part).cast(pl.Int64)
    unknown = int(part.max() or 0) + 1
    numbered = keyed.replace_strict(sizes["series"], part, default=unknown,
                                    return_dtype=pl.Int64).fill_null(unknown)
    split = table.with_columns(numbered.alias("_part")).partition_by(
        "_part", maintain_order=True, include_key=False, as_dict=True)
    return [split[number] for number in sorted(split)]


def check_part(part: pl.DataFrame, reference: Reference, figures: pl.DataFrame, *,
               file: str) -> validation.Checked:
    """One part checked as ``validation.check`` checks a table, against the stored
    ``figures`` of its series (from ``lookups.figures_of``); touches no database."""
    cells = validation.read(part, reference, file=file)
    existing, history = lookups.stored_within(figures, cells.keys)
    return validation.judge(cells, reference, existing, history, file=file,
                            outliers_without_history=True)


def _known_ids(cells: pl.Series, known: pl.DataFrame, name: str) -> list[int]:
    return validation.code_lookup(cells.cast(pl.String), known)[name].drop_nulls().to_list()


def check_and_write(table: pl.DataFrame, reference: Reference, *, file: str, submit: bool,
                    now, upload_id: int | None, rows_per_part: int,
                    saving: Callable[[int, int], None]) -> Saved | None:
    """Check ``table`` in parts and write them, overlapped; None if it is not worth it (one
    part) or if any part has a problem, having written nothing. ``saving(new, changed)`` is
    told, once every row is checked and found good, how many figures are being saved.

    Call as ``writing.write`` is called: in the transaction, holding the figures.
    """
    if validation.missing_columns(table, file):
        return None
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checking")
    try:
        splitting = worker.submit(series_parts, table, reference, rows_per_part)
        # Meanwhile, what is stored for every indicator and area the table names.
        figures = lookups.figures_of(
            _known_ids(table["indicator"], reference.indicators.select(
                "code_key", "indicator_id"), "indicator_id"),
            _known_ids(table["area"], reference.areas.select("code_key", "area_id"),
                       "area_id"))
        parts = splitting.result()
        if len(parts) < 2:
            return None
        return _written(parts, reference, figures, worker, file=file, submit=submit,
                        now=now, upload_id=upload_id, saving=saving)
    except _Refused:
        return None
    finally:
        worker.shutdown(wait=True, cancel_futures=True)


#: Parts checked ahead of the one being written.
AHEAD = 2


def _checked(part: pl.DataFrame, reference: Reference, figures: pl.DataFrame,
             writer: writing.Writer, *, file: str) -> tuple[validation.Checked,
                                                          writing.Prepared | None]:
    """A part checked and, if all is well, made ready to write: the worker's task."""
    checked = check_part(part, reference, figures, file=file)
    return checked, None if checked.problems else writer.prepare(checked.rows)


def _written(parts: list[pl.DataFrame], reference: Reference, figures: pl.DataFrame,
             worker: ThreadPoolExecutor, *, file: str, submit: bool, now,
             upload_id: int | None, saving: Callable[[int, int], None]) -> Saved:
    """Each part written as the worker finishes checking it, under a savepoint that the
    first part with a problem rolls back (``_Refused``)."""
    writer = writing.Writer(submit=submit, now=now, source=file, upload_id=upload_id)
    writer.begin()
    unchanged = 0
    checking = deque(worker.submit(_checked, part, reference, figures, writer, file=file)
                     for part in parts[:AHEAD])
    with transaction.atomic():
        for number in range(len(parts)):
            checked, ready = checking.popleft().result()
            if number + AHEAD < len(parts):
                checking.append(worker.submit(_checked, parts[number + AHEAD], reference,
                                              figures, writer, file=file))
            if ready is None:
                raise _Refused
            unchanged += ready.unchanged
            if number == len(parts) - 1:
                saving(writer.count + ready.creating.height,
                       sum(p.height for p in writer.updating) + ready.updating.height)
            writer.add(ready)
        return Saved(writer.finish(), unchanged)
