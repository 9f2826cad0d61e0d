"""Large uploads are checked and saved in the background, while their page shows progress.

A file of more than ``BACKGROUND_ABOVE_ROWS`` rows takes longer to check and save than a
person should wait on a page that has not answered (and than a proxy in front of the site
may allow). So the upload page keeps the file, as for any other, then queues it here and
sends the person to the upload's own page, which shows how far it has got. Smaller files
are checked in the request, as before. Either way the import is the same
(``importing.import_upload``), all or nothing, and the file is kept whatever happens.
"""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from joinedup.common.tasks import Tracker, queue_tracked, task, tracked
from joinedup.returns import importing
from joinedup.returns.archives import UnsafeWorkbook, check_workbook
from joinedup.returns.models import Upload

#: Files with more rows than this are checked and saved in the background.
BACKGROUND_ABOVE_ROWS = 50_000

#: The stages ``import_upload`` reports for a file it saves: reading the file, waiting for
#: any other upload to finish, checking the rows, saving the figures.
IMPORT_STAGES = 4

FAILED = ("Something went wrong on our side while checking this file, so none of its "
          "figures were saved. The file is kept. Upload it again, and if the same happens, "
          "tell your partnership officer.")


def count_rows(data: bytes, name: str) -> int | None:
    """About how many rows of figures a file holds, found cheaply; None when unknown.

    For a CSV, its lines less the header (a line break inside a quoted cell counts as a
    line); for a workbook, what the sheet records of its own size. Enough to tell a large
    file from a small one: reading it properly is the import's business.
    """
    if data.startswith(b"PK\x03\x04"):
        return _sheet_rows(data)
    lines = data.count(b"\n") or data.count(b"\r")
    if data and not data.endswith((b"\n", b"\r")):
        lines += 1
    return max(lines - 1, 0)


def _sheet_rows(data: bytes) -> int | None:
    import openpyxl

    # The sheet the import will read, chosen as it chooses it.
    from joinedup.returns.columns import FIGURE_RETURN
    from joinedup.returns.files import _returns_sheet

    try:
        check_workbook(data)
    except UnsafeWorkbook:
        return 0  # never opened: the import says at once why
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            rows = _returns_sheet(book, FIGURE_RETURN).max_row
        finally:
            book.close()
    except Exception:  # openpyxl raises many kinds for a damaged file
        return 0  # the import says at once what is wrong with it
    return None if rows is None else max(rows - 1, 0)


def in_background(rows: int | None) -> bool:
    """Whether a file of ``rows`` rows is checked in the background (one of unknown size is)."""
    return rows is None or rows > BACKGROUND_ABOVE_ROWS


def queue_import(upload: Upload, *, user, rows: int | None, reason: str = "",
                 note: str = "") -> None:
    """Have ``upload`` checked (and if all is well saved) in the background, as ``user``."""
    with transaction.atomic():
        upload.outcome = Upload.Outcome.UNCHECKED
        upload.save(update_fields=["outcome"])
        queue_tracked(upload, import_in_background, upload.pk, user.pk, reason=reason,
                      note=note, total=IMPORT_STAGES,
                      stage=f"{rows:,} rows to check" if rows else "")


@task()
def import_in_background(upload_id: int, user_id: int | None, reason: str = "",
                         note: str = "") -> str:
    """Check and save a queued upload as the person who asked, marking its progress."""
    upload = Upload.objects.select_related("collection_round").filter(pk=upload_id).first()
    if upload is None or upload.work_state != Upload.WorkState.QUEUED:
        return "nothing to do"  # deleted since it was queued, or already taken in hand
    # Checked against what the person may send now, as in the request it would have been.
    user = get_user_model().objects.filter(pk=user_id).first() or AnonymousUser()
    with tracked(upload, failure=FAILED) as tracker:
        importing.import_upload(upload, user=user, reason=reason, note=note,
                                progress=_stages(tracker))
    return upload.outcome


def import_now(upload: Upload, *, user, reason: str = "", note: str = "",
               dry_run: bool = False, progress: importing.Progress | None = None
               ) -> importing.ImportResult:
    """Check (and save) ``upload`` in this process, marking its progress as the background
    does: so that, should the process die on the way, the upload is found abandoned and
    marked failed, rather than left looking as if nothing had happened to it."""
    with tracked(upload, failure=FAILED) as tracker:
        stages = _stages(tracker)

        def told(stage: str) -> None:
            stages(stage)
            if progress is not None:
                progress(stage)

        return importing.import_upload(upload, user=user, reason=reason, note=note,
                                       dry_run=dry_run, progress=told)


def _stages(tracker: Tracker) -> importing.Progress:
    """The import's progress: each stage it begins ends the one before."""
    begun = 0

    def told(stage: str) -> None:
        nonlocal begun
        tracker.report(stage, done=begun)
        begun += 1

    return told
