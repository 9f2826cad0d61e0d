"""`joinedup doctor` says OK, or what is wrong and what to do, and exits non-zero if anything is."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from joinedup.common.claims import claim, key_of
from joinedup.common.recovery import recover_abandoned
from joinedup.maintenance import doctor
from joinedup.returns.models import Upload

from .conftest import run_joinedup


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_a_healthy_install_is_all_ok(capsys, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        call_command("doctor", "--min-free-mb", "1")
    out = capsys.readouterr().out
    for name in ("settings", "database", "task worker", "e-mail", "disk"):
        assert f"OK       {name}" in out
    assert out.rstrip().endswith("All well.")


def test_an_unreachable_database_is_named_and_the_status_is_not_zero(tmp_path):
    result = run_joinedup(
        "doctor", "--skip-email", "--min-free-mb", "1",
        env={"DATABASE_URL": f"postgres://someone:secret@127.0.0.1:{closed_port()}/nowhere",
             "JOINEDUP_DATA_DIR": str(tmp_path), "SECRET_KEY": "doctor-test-" * 4})
    assert result.returncode == 1, result.stderr
    assert "PROBLEM  database: JoinedUp cannot use the postgresql database (" in result.stdout
    assert "Check DATABASE_URL, and that the database server is running" in result.stdout
    assert "--       task worker (not checked, as the database cannot be used)" in result.stdout
    assert "secret" not in result.stdout
    assert "1 problem found." in result.stdout


@pytest.mark.django_db
def test_tasks_waiting_too_long_mean_the_worker_is_not_running():
    DBTaskResult.objects.create(task_path="joinedup.returns.tasks.import_upload",
                                args_kwargs={"args": [], "kwargs": {}}, backend_name="default",
                                queue_name="default", priority=0,
                                run_after=timezone.now() - timedelta(minutes=45))
    finding = doctor.check_worker(timedelta(minutes=10))
    assert finding.problem.startswith(
        "1 background tasks have waited longer than 10 minutes (the oldest 45 minutes): the "
        "worker is not running or cannot keep up. Start it with `joinedup db_worker`")
    assert doctor.check_worker(timedelta(minutes=60)).ok


@pytest.mark.django_db
def test_work_left_running_by_a_stopped_process_is_reported_until_a_worker_starts():
    upload = Upload.objects.create(
        actor="officer", received_at=timezone.now(), file_name="figures.csv", size=0,
        sha256="0" * 64, outcome=Upload.Outcome.UNCHECKED, work_state=Upload.WorkState.RUNNING)
    finding = doctor.check_worker(timedelta(minutes=10))
    assert finding.problem.startswith(
        "0 background task(s) and 1 upload(s) or pack(s) were left unfinished by a process "
        "that stopped")
    with claim(key_of(upload)):  # as while a process is still checking it
        assert doctor.check_worker(timedelta(minutes=10)).ok
    recover_abandoned()
    assert doctor.check_worker(timedelta(minutes=10)).ok


def test_no_space_is_reported(tmp_path):
    finding = doctor.check_disk(tmp_path, minimum_free=1 << 60)
    assert finding.problem.startswith("Only ")
    assert "free some space, or move the data folder." in finding.problem
    assert doctor.check_disk(tmp_path, minimum_free=1).ok


def test_a_missing_or_unusable_data_folder_is_reported(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere"
    assert "does not exist" in doctor.check_disk(missing, 1).problem
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    assert "is not a folder" in doctor.check_disk(a_file, 1).problem
    # The tests may run as root, whom permissions do not stop: refuse access as the OS would.
    monkeypatch.setattr(doctor.os, "access", lambda path, mode: False)
    assert doctor.check_disk(tmp_path, 1).problem == (
        f"The data folder {tmp_path} (JOINEDUP_DATA_DIR) cannot be read and written by this "
        "user: give the user that runs JoinedUp read and write access to it.")


def test_an_unreachable_mail_server_is_reported():
    port = closed_port()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                           EMAIL_HOST="127.0.0.1", EMAIL_PORT=port):
        finding = doctor.check_email(timeout=5)
    assert finding.problem.startswith(f"JoinedUp cannot reach the mail server 127.0.0.1:{port} (")
    assert finding.problem.endswith("Check EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS and the "
                                    "sign-in settings.")


def test_unsafe_settings_are_reported():
    with override_settings(DEBUG=True, HTTPS=True, JOINEDUP_BASE_URL="http://example.org"):
        finding = doctor.check_settings()
    assert "DEBUG is on for a site served over HTTPS" in finding.problem
    assert "JOINEDUP_BASE_URL is http://example.org" in finding.problem
    with override_settings(DEBUG=False, SECRET_KEY="short"):
        assert "SECRET_KEY is shorter than 32 characters" in doctor.check_settings().problem
