"""Taking in figures: from a file, the web form or the API, by one path with one set of rules.

``import_table`` checks every row (``validation``) against what the sender may see and send
(``reference``), and saves all of them (``writing``) or none: one error anywhere, or one
unconfirmed warning, and nothing is written. ``import_file`` does the same for an uploaded
file, and first keeps the file exactly as it was sent, whatever becomes of its figures.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl
from django.db import transaction
from django.utils import timezone

from joinedup.history.recording import recorded_as
from joinedup.returns import parts, reference, validation, writing
from joinedup.returns.events import FiguresChange, announce

from joinedup.returns.models import Upload
from joinedup.returns.problems import Problem, UploadRejected

#: Problems kept with an upload record; the rest are counted in a last line.
KEPT_PROBLEMS = 1000

#: Told what the import is doing, a stage at a time ("checking 1,000,000 rows…").
Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """Progress nobody is shown."""


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    saved: bool = False
    value_ids: list[int] = field(default_factory=list)
    upload: Upload | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def skipped(self) -> int:
        """Rows left empty (a template row with no figure): nothing sent for them."""
        return self.rows - self.created - self.changed - self.unchanged


def _actor(user, actor: str | None) -> str:
    if actor:
        return actor
    return user.get_username() if user is not None and user.is_authenticated else "anonymous"


def import_table(table: pl.DataFrame, *, source: str, user, actor: str | None = None,
                 collection_round=None, submit: bool = False, reason: str = "",
                 note: str = "", dry_run: bool = False, upload_id: int | None = None,
                 progress: Progress = _quiet,
                 rows_per_part: int = parts.ROWS_PER_PART) -> ImportResult:
    """Check the rows of ``table`` and, if all is well, save them as ``user``.

    ``table`` has an Int64 ``row`` column (the row number to quote) and text columns named
    as ``columns`` says. ``reason`` is required to change an approved figure; ``note``
    confirms every outlier warning at once (a row's own note confirms its own).
    ``upload_id`` names the kept upload the rows came from, for the history; ``progress``
    is told each stage as it starts. A table of more than ``rows_per_part`` rows is
    checked in parts, each written while the next is checked (``parts``), with the same
    outcome.
    """
    person = user if user is not None and user.is_authenticated else None
    result = ImportResult(rows=table.height)
    with transaction.atomic(), recorded_as(person, actor=_actor(user, actor), reason=reason):
        progress("waiting for any other upload to finish…")
        writing.hold_figures()
        progress(f"checking {table.height:,} rows…")
        checks = reference.load(user=user, collection_round=collection_round, reason=reason,
                                note=note)
        saved = None if dry_run or table.height <= rows_per_part else parts.check_and_write(
            table, checks, file=source, submit=submit, now=timezone.now(), upload_id=upload_id,
            rows_per_part=rows_per_part, saving=lambda new, changed: progress(
                f"saving {new:,} new and {changed:,} changed figures…"))
        if saved is not None:
            result.unchanged = saved.unchanged
            return _saved(result, saved.written, person)
        checked = validation.check(table, checks, file=source)
        result.problems = checked.problems
        if checked.problems or dry_run:
            return result
        actions = checked.rows["action"]
        result.unchanged = int((actions == "unchanged").sum())
        sending = int((actions == "create").sum()), int((actions == "update").sum())
        progress(f"saving {sending[0]:,} new and {sending[1]:,} changed figures…")
        written = writing.write(checked.rows, submit=submit, now=timezone.now(), source=source,
                                upload_id=upload_id)
        return _saved(result, written, person)


def _saved(result: ImportResult, written: writing.Written, person) -> ImportResult:
    """The result of saved figures; in their transaction, which ends with them."""
    result.created, result.changed = written.created, written.changed
    result.value_ids, result.saved = written.value_ids, True
    if written.created + written.changed >= writing.STATISTICS_AFTER:
        transaction.on_commit(writing.refresh_statistics)
    announce(written.unapproved_indicators, FiguresChange.CORRECTED, person)
    return result


def _kept(problems: list[Problem], name: str) -> list[dict]:
    kept = [p.as_dict() for p in problems[:KEPT_PROBLEMS]]
    if len(problems) > KEPT_PROBLEMS:
        kept.append(Problem(name, 0, "", f"and {len(problems) - KEPT_PROBLEMS:,} more "
                            "problems not listed").as_dict())
    return kept


def safe_file_name(name: str) -> str:
    """The name a file is known by here, without control characters (a NUL cannot be
    stored in PostgreSQL's text). A name is only ever a label: files are kept in the
    database, never written under their name. The web's uploads come named by their last
    part only; the command line's keep the path the person gave, for its messages."""
    kept = "".join(c for c in name or "" if c.isprintable()).strip()
    return (kept if kept not in ("", ".", "..") else "file")[:255]


def receive_file(data: bytes, name: str, *, user, actor: str | None = None,
                 collection_round=None, submit: bool = False) -> Upload:
    """Keep a file exactly as it was sent, before anything is made of it."""
    person = user if user is not None and user.is_authenticated else None
    return Upload.objects.keep(
        data, person=person, actor=_actor(user, actor), collection_round=collection_round,
        received_at=timezone.now(), file_name=safe_file_name(name), size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), outcome=Upload.Outcome.UNCHECKED,
        submit=submit,
    )


def import_upload(upload: Upload, *, user, reason: str = "", note: str = "",
                  dry_run: bool = False, progress: Progress = _quiet,
                  reading: Future | None = None) -> ImportResult:
    """Check (and unless ``dry_run``, save) the figures of a kept upload. ``reading`` is
    the upload's table being read already, from the bytes kept (as ``import_file`` does)."""
    from joinedup.returns.files import read_table

    name = upload.file_name
    try:
        progress(f"reading {upload.size:,} bytes…")
        table = reading.result() if reading is not None else read_table(upload.content, name)
    except UploadRejected as rejected:
        result = ImportResult(problems=rejected.problems)
    else:
        result = import_table(table, source=name, user=user, actor=upload.actor,
                              collection_round=upload.collection_round, submit=upload.submit,
                              reason=reason, note=note, dry_run=dry_run, upload_id=upload.pk,
                              progress=progress)
    if result.saved:
        upload.outcome = Upload.Outcome.SAVED
    elif result.problems and not result.errors:
        upload.outcome = Upload.Outcome.AWAITING
    else:
        upload.outcome = Upload.Outcome.REJECTED
    upload.rows = result.rows
    upload.created, upload.changed, upload.unchanged = (
        result.created, result.changed, result.unchanged)
    upload.problems = _kept(result.problems, name)
    upload.save(update_fields=["outcome", "rows", "created", "changed", "unchanged",
                               "problems"])
    result.upload = upload
    return result


def import_file(data: bytes, name: str, *, user, actor: str | None = None,
                collection_round=None, submit: bool = False, reason: str = "",
                note: str = "", dry_run: bool = False) -> ImportResult:
    """Keep the file, then check and save its figures: all of them, or none.

    The file is read into cells (which touches no database) on a second thread while it
    is kept: the two take about as long as each other.
    """
    from joinedup.returns.files import read_table

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reading") as reader:
        reading = reader.submit(read_table, data, safe_file_name(name))
        upload = receive_file(data, name, user=user, actor=actor,
                              collection_round=collection_round, submit=submit)
        return import_upload(upload, user=user, reason=reason, note=note, dry_run=dry_run,
                             reading=reading)
