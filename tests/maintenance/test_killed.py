"""A process killed outright (``kill -9``) loses nothing and leaves nothing half written.

Each test copies the demo partnership into a database of its own, on the same kind of
server as the suite's (SQLite or PostgreSQL), and runs real ``joinedup`` processes on it:

- an import of a million figures, killed while it writes them: the database is exactly as
  it was, but for the kept file, and the upload is marked failed when the next worker
  starts;
- the background worker, killed while it saves a large upload: the task and the upload are
  marked failed by the next worker, never left looking alive.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from .conftest import HIDDEN, run_joinedup

ROWS = 1_000_000
NOTE = "Checked against the source: right."
# The kept file, and the background queue, are expected to change; nothing else may.
KEPT = {"returns_upload", "returns_uploadfile", "django_tasks_database_dbtaskresult"}
STOPPED = ("Checking stopped before it finished, because the service was restarted, so "
           "none of the figures were saved. The file is kept. Upload it again.")


def figures_file(copy, folder: Path) -> Path:
    """A million new, valid figures for the copied demo: every indicator sent as figures
    (not a tracked gap) for every area, monthly from 1900, each at its indicator's median."""
    indicators = pl.DataFrame(copy.rows(
        "SELECT i.id, i.code, i.decimals FROM strategy_indicator i WHERE i.gap_of_id IS NULL"),
        schema=["id", "indicator", "decimals"], orient="row")
    medians = pl.DataFrame(copy.rows("SELECT indicator_id, value FROM returns_datavalue"),
                           schema=["id", "value"], orient="row").with_columns(
        pl.col("value").cast(pl.Float64)).group_by("id").agg(pl.col("value").median())
    areas = pl.DataFrame(copy.rows("SELECT code FROM places_area"), schema=["area"],
                         orient="row")
    series = indicators.join(medians, on="id").join(areas, how="cross")
    months = -(-ROWS // series.height)
    periods = pl.DataFrame({"period": [f"{1900 + m // 12}-{m % 12 + 1:02d}"
                                       for m in range(months)]})
    table = periods.join(series, how="cross").head(ROWS).select(
        "indicator", "area", "period",
        pl.struct("value", "decimals").map_elements(
            lambda row: f"{row['value']:.{row['decimals']}f}", return_dtype=pl.String
        ).alias("value"))
    assert table.height == ROWS
    path = folder / "million.csv"
    table.write_csv(path)
    return path


def joinedup(*args: str, url: str, **popen) -> subprocess.Popen:
    clean = {k: v for k, v in os.environ.items() if k not in HIDDEN}
    return subprocess.Popen([sys.executable, "-m", "joinedup.cli", *args], text=True,
                            env={**clean, **environment(url)}, **popen)


def environment(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "SECRET_KEY": "killed-processes-test"}


def upload_state(copy) -> tuple:
    return copy.rows("SELECT outcome, work_state, work_error FROM returns_upload "
                     "ORDER BY id DESC LIMIT 1")[0]


def wait_for(check, *, seconds: float, what: str):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


def next_worker_starts(copy) -> str:
    done = run_joinedup("db_worker", "--batch", "--no-startup-delay", "--no-reload",
                        "--interval=0.1", env=environment(copy.url))
    assert done.returncode == 0, done.stderr
    return done.stderr


@pytest.mark.django_db
def test_an_import_killed_while_writing_a_million_figures_changes_nothing(database_copy,
                                                                         tmp_path):
    copy = database_copy
    path = figures_file(copy, tmp_path)
    before = copy.fingerprint(leaving_out=KEPT)
    uploads = copy.rows("SELECT count(*) FROM returns_upload")[0][0]

    importing = joinedup("import_values", str(path), "--user", "officer", "--note", NOTE,
                         url=copy.url, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    stages = []
    for line in importing.stderr:
        stages.append(line.strip())
        if "checking 1,000,000 rows" in line:
            break
    assert any("checking" in stage for stage in stages), stages
    # A million rows are checked part by part while the parts before are written, so 1.5 s
    # into the checking the first parts are in the database's transaction: then killed.
    time.sleep(1.5)
    assert importing.poll() is None, "the import finished before it could be killed"
    importing.send_signal(signal.SIGKILL)
    assert importing.wait(timeout=30) == -signal.SIGKILL

    assert copy.fingerprint(leaving_out=KEPT) == before
    # The file was kept as it was sent; the upload shows it was being checked.
    kept = copy.rows("SELECT u.sha256, u.size FROM returns_upload u ORDER BY u.id DESC")
    assert len(kept) == uploads + 1
    sent = path.read_bytes()
    assert kept[0] == (hashlib.sha256(sent).hexdigest(), len(sent))
    assert upload_state(copy) == ("unchecked", "running", "")

    said = next_worker_starts(copy)

    assert upload_state(copy) == ("unchecked", "failed", STOPPED)
    assert "Marked failed 0 task(s) and 1 upload(s) or pack(s)" in said
    assert copy.fingerprint(leaving_out=KEPT) == before


@pytest.mark.django_db
def test_a_worker_killed_mid_task_leaves_its_task_and_upload_marked_failed(database_copy,
                                                                         tmp_path):
    copy = database_copy
    path = figures_file(copy, tmp_path)
    before = copy.fingerprint(leaving_out=KEPT)
    queued = run_joinedup("shell", "-c", QUEUE.format(path=str(path), note=NOTE),
                          env=environment(copy.url))
    assert queued.returncode == 0, queued.stderr
    assert upload_state(copy) == ("unchecked", "queued", "")

    worker = joinedup("db_worker", "--no-startup-delay", "--no-reload", "--interval=0.1",
                      url=copy.url, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: upload_state(copy)[1] == "running", seconds=60,
                 what="the worker to take the upload in hand")
        # Reading and checking a million rows, then writing them, take some seconds.
        time.sleep(3)
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert copy.rows("SELECT status FROM django_tasks_database_dbtaskresult") == [("RUNNING",)]
    assert upload_state(copy) == ("unchecked", "running", "")

    said = next_worker_starts(copy)

    assert "Marked failed 1 task(s) and 1 upload(s) or pack(s)" in said
    assert copy.rows("SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult"
                     ) == [("FAILED", "joinedup.common.recovery.WorkerStopped")]
    assert upload_state(copy) == ("unchecked", "failed", STOPPED)
    assert copy.fingerprint(leaving_out=KEPT) == before


# Run in the copy: keep the file and queue it, as the upload page does for a large one.
QUEUE = """
from pathlib import Path
from joinedup.partnership.models import Person
from joinedup.returns import importing, tasks
officer = Person.objects.get(username="officer")
data = Path({path!r}).read_bytes()
upload = importing.receive_file(data, "million.csv", user=officer)
tasks.queue_import(upload, user=officer, rows=tasks.count_rows(data, "million.csv"),
                   note={note!r})
"""
