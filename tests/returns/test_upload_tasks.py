"""A large upload is queued by the page that receives it, checked and saved by the background
worker, and its page shows how far it has got until it is done."""

from __future__ import annotations

import hashlib
import io
import signal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from joinedup.common.tasks import Tracker
from joinedup.places.models import Area
from joinedup.returns import tasks, writing
from joinedup.returns.models import DataValue, Upload, UploadFile
from joinedup.strategy.models import Indicator

from .helpers import GATESHEAD, csv_bytes, latest, next_label

pytestmark = pytest.mark.django_db



def figures_csv(rows: int) -> bytes:
    """``rows`` new figures, none of them stored yet: every indicator × every area, month by
    month from 1900, each with a note (which confirms a figure out of line with its series)."""
    codes = list(Indicator.objects.order_by("code").values_list("code", flat=True))
    areas = list(Area.objects.order_by("code").values_list("code", flat=True))
    series = [(code, area) for code in codes for area in areas]
    lines = ["indicator,area,period,value,note"]
    for i in range(rows):
        (code, area), month = series[i % len(series)], i // len(series)
        lines.append(f"{code},{area},{1900 + month // 12}-{month % 12 + 1:02d},1,Test")
    return csv_bytes(lines)


@pytest.fixture
def run_worker(monkeypatch):
    """Runs the queued tasks in this process, as ``joinedup db_worker --batch`` would."""
    # Between tasks the worker drops a connection left inside a transaction, as a process
    # that runs for days should; here the whole test is one transaction, rolled back after.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    handlers = {number: signal.getsignal(number)
                for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield lambda: call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload",
                               "--interval=0", verbosity=0)
    # The worker sets handlers of its own, to stop gracefully; the test runner's come back.
    for number, handler in handlers.items():
        signal.signal(number, handler)


def send(client, data: bytes, name: str = "large.csv") -> Upload:
    response = client.post("/returns/upload/", {"file": SimpleUploadedFile(name, data)})
    upload = Upload.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == f"/returns/uploads/{upload.pk}/"
    return upload


def test_a_large_upload_is_queued_then_saved_by_the_worker(client_as, person, run_worker,
                                                           monkeypatch):
    client = client_as("officer")
    before = DataValue.objects.count()
    upload = send(client, figures_csv(50_001))
    # Kept and queued, not checked: nothing saved yet.
    assert DataValue.objects.count() == before
    assert (upload.outcome, upload.rows, upload.work_state, upload.work_done, upload.work_total,
            upload.work_stage) == ("unchecked", 0, "queued", 0, 4, "50,001 rows to check")
    (queued,) = DBTaskResult.objects.all()
    assert (queued.status, queued.task_path, queued.args_kwargs) == (
        "READY", "joinedup.returns.tasks.import_in_background",
        {"args": [upload.pk, person("officer").pk], "kwargs": {"reason": "", "note": ""}})

    answer = client.get(f"/returns/uploads/{upload.pk}/")
    page = answer.content.decode()
    assert "<title>Waiting to start, 0 of 4 steps done: Upload large.csv – " in page
    # The reload is a header, so the markup carries no timed refresh for axe to object to.
    assert answer["Refresh"] == "5"
    assert "http-equiv" not in page
    assert '<h2 class="govuk-heading-m">Waiting to start</h2>' in page
    assert '<p class="govuk-body" data-testid="progress-stage">50,001 rows to check</p>' in page
    assert ('<label class="govuk-label" for="progress-bar" data-testid="progress-count">'
            '0 of 4 steps done</label>') in page
    assert ('<progress class="govuk-!-width-two-thirds" id="progress-bar" max="4" value="0">'
            '0 of 4</progress>') in page
    assert "This page refreshes itself every 5 seconds until the work is finished." in page
    assert f'<a class="govuk-link" href="/returns/uploads/{upload.pk}/">Refresh now</a>' in page
    assert 'data-testid="upload-outcome">Waiting to be checked</dd>' in page
    assert "Not counted yet" in page and "Figures saved" not in page

    # The person may stop the page refreshing itself, and still refresh it by hand.
    answer = client.get(f"/returns/uploads/{upload.pk}/?refresh=off")
    still = answer.content.decode()
    assert not answer.has_header("Refresh")
    assert "This page does not refresh itself now." in still

    reported = []
    report = Tracker.report
    monkeypatch.setattr(Tracker, "report", lambda self, stage=None, **kw: (
        reported.append(kw["done"]), report(self, stage, **kw)))
    run_worker()
    # Each stage the import began (reading, waiting its turn, checking, saving) was reported.
    assert reported == [0, 1, 2, 3]
    upload.refresh_from_db()
    assert (upload.outcome, upload.rows, upload.created, upload.changed, upload.unchanged) == (
        "saved", 50_001, 50_001, 0, 0)
    assert (upload.work_state, upload.work_done, upload.work_total, upload.work_stage,
            upload.work_error) == ("done", 4, 4, "", "")
    assert upload.work_queued_at <= upload.work_started_at <= upload.work_finished_at
    assert DataValue.objects.count() == before + 50_001
    finished = DBTaskResult.objects.get()
    assert (finished.status, finished.return_value) == ("SUCCESSFUL", "saved")

    answer = client.get(f"/returns/uploads/{upload.pk}/")
    page = answer.content.decode()
    assert not answer.has_header("Refresh") and 'data-testid="progress"' not in page
    assert "<title>Upload large.csv – " in page
    assert '<div class="govuk-panel__body">50001 new, 0 changed, 0 unchanged</div>' in page


def test_a_file_of_50000_rows_is_saved_in_the_request(client_as):
    assert tasks.BACKGROUND_ABOVE_ROWS == 50_000
    client = client_as("officer")
    before = DataValue.objects.count()
    upload = send(client, figures_csv(50_000), "just-under.csv")
    upload.refresh_from_db()
    assert (upload.outcome, upload.rows, upload.created, upload.work_state,
            upload.work_queued_at) == ("saved", 50_000, 50_000, "done", None)
    assert DataValue.objects.count() == before + 50_000
    assert not DBTaskResult.objects.exists()
    answer = client.get(f"/returns/uploads/{upload.pk}/")
    page = answer.content.decode()
    assert not answer.has_header("Refresh") and 'data-testid="progress"' not in page
    assert '<div class="govuk-panel__body">50000 new, 0 changed, 0 unchanged</div>' in page


def test_a_task_that_fails_marks_the_upload_failed_and_keeps_the_file(client_as, run_worker,
                                                                       monkeypatch):
    client = client_as("officer")
    before = DataValue.objects.count()
    data = figures_csv(50_001)
    upload = send(client, data)

    def fault(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(writing, "write", fault)
    run_worker()
    upload.refresh_from_db()
    assert (upload.outcome, upload.work_state, upload.work_error) == (
        "unchecked", "failed", tasks.FAILED)
    assert upload.work_finished_at is not None
    assert DataValue.objects.count() == before
    kept = UploadFile.objects.get(upload=upload).content
    assert hashlib.sha256(kept).hexdigest() == upload.sha256 == hashlib.sha256(data).hexdigest()
    failed = DBTaskResult.objects.get()
    assert (failed.status, failed.exception_class_path) == ("FAILED", "builtins.OSError")

    answer = client.get(f"/returns/uploads/{upload.pk}/")
    page = answer.content.decode()
    assert not answer.has_header("Refresh")
    assert "<title>Failed: Upload large.csv – " in page
    assert f'<span data-testid="progress-error">{tasks.FAILED}</span>' in page
    assert "No space left" not in page and "Traceback" not in page
    assert "Upload the file again</a>" in page
    assert 'data-testid="upload-outcome">Not checked: something went wrong</dd>' in page


def test_a_file_damaged_after_it_was_counted_is_rejected_and_kept(client_as, run_worker):
    client = client_as("officer")
    upload = send(client, figures_csv(50_001))
    damaged = b"PK\x03\x04" + b"\x00" * 64
    UploadFile.objects.filter(upload=upload).update(content=damaged)
    run_worker()
    upload.refresh_from_db()
    assert (upload.outcome, upload.work_state, upload.work_error) == ("rejected", "done", "")
    assert [p["message"] for p in upload.problems] == [
        "This file’s name ends in “.csv”, but it holds a (damaged) workbook or zip archive, "
        "not text. Send a CSV file (.csv) or an Excel workbook (.xlsx)."]
    assert UploadFile.objects.get(upload=upload).content == damaged
    answer = client.get(f"/returns/uploads/{upload.pk}/")
    page = answer.content.decode()
    assert not answer.has_header("Refresh")
    assert 'data-testid="upload-outcome">Rejected: errors to correct</dd>' in page


def test_flagged_figures_of_a_large_upload_are_confirmed_in_the_background(
        client_as, person, run_worker, monkeypatch):
    monkeypatch.setattr(tasks, "BACKGROUND_ABOVE_ROWS", 0)  # so a one-row file is "large"
    value = latest("HW 02").value * 3  # far out of line with the series
    sender = client_as("pct")
    upload = send(sender, csv_bytes(["indicator,area,period,value",
                                     f"HW 02,{GATESHEAD},{next_label('HW 02')},{value}"]))
    run_worker()
    upload.refresh_from_db()
    assert (upload.outcome, upload.work_state, [p["severity"] for p in upload.problems]) == (
        "awaiting", "done", ["warning"])

    officer = client_as("officer")
    response = officer.post(f"/returns/uploads/{upload.pk}/", {"note": "New survey method"})
    assert response.status_code == 302
    upload.refresh_from_db()
    assert (upload.outcome, upload.work_state) == ("unchecked", "queued")
    assert DBTaskResult.objects.filter(status="READY").get().args_kwargs == {
        "args": [upload.pk, person("officer").pk],
        "kwargs": {"reason": "", "note": "New survey method"}}
    run_worker()
    upload.refresh_from_db()
    assert (upload.outcome, upload.created, upload.work_state) == ("saved", 1, "done")
    figure = DataValue.objects.get(indicator__code="HW 02", area__code=GATESHEAD,
                                   period=next_label("HW 02"))
    assert (figure.value, figure.note) == (value, "New survey method")


def test_rows_are_counted_without_reading_the_file():
    assert tasks.count_rows(b"indicator,area\r\nA,B\r\nC,D", "a.csv") == 2
    assert tasks.count_rows(b"indicator,area\nA,B\nC,D\n", "a.csv") == 2
    assert tasks.count_rows(b"indicator,area\rA,B\r", "a.csv") == 1
    book = openpyxl.Workbook()
    for row in (["indicator", "area", "period", "value"], ["HW 02", "E08000037", "2031", 1],
                ["HW 01", "E08000037", "2031", 2]):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    assert tasks.count_rows(out.getvalue(), "a.xlsx") == 2
    assert tasks.count_rows(b"PK\x03\x04 not really a workbook", "a.xlsx") == 0
    assert [tasks.in_background(n) for n in (None, 50_000, 50_001)] == [True, False, True]
