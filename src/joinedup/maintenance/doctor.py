"""The doctor's checks: each says plainly what is wrong and what to do, or nothing.

A check is a function returning a ``Finding``; ``problem`` is empty when all is well.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import socket
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import checks as django_checks
from django.core.mail import get_connection
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


@dataclass(frozen=True)
class Finding:
    name: str
    problem: str = ""
    note: str = ""
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem


def check_settings() -> Finding:
    problems = []
    if settings.DEBUG and settings.HTTPS:
        problems.append("DEBUG is on for a site served over HTTPS: it shows tracebacks "
                        "and settings to anyone. Set DEBUG=off.")
    if not settings.DEBUG and len(settings.SECRET_KEY) < 32:
        problems.append("SECRET_KEY is shorter than 32 characters: generate a long random "
                        "one (python -c 'import secrets; print(secrets.token_urlsafe(50))').")
    if settings.HTTPS and not settings.JOINEDUP_BASE_URL.startswith("https://"):
        problems.append(f"HTTPS is on but JOINEDUP_BASE_URL is {settings.JOINEDUP_BASE_URL}: "
                        "links in e-mails would use plain HTTP. Set it to the https:// "
                        "address.")
    errors = [m for m in django_checks.run_checks(databases=[])
              if m.level >= django_checks.ERROR]
    problems += [f"{m.msg} ({m.id}){' ' + m.hint if m.hint else ''}" for m in errors]
    return Finding("settings", " ".join(problems))


def check_database(using: str = "default") -> Finding:
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return Finding("database", f"JoinedUp cannot use the {connection.vendor} database "
                                   f"({first_line}). Check DATABASE_URL, and that the "
                                   "database server is running and lets this user in.")
    if plan:
        return Finding("database", f"{len(plan)} migrations have not been applied: run "
                                   "`joinedup migrate`.")
    return Finding("database", note=connection.vendor)


def check_worker(waiting: timedelta, using: str = "default") -> Finding:
    from django_tasks_db.models import DBTaskResult

    from joinedup.common.recovery import count_abandoned

    try:
        now = timezone.now()
        late = DBTaskResult.objects.using(using).ready().filter(run_after__lt=now - waiting)
        count = late.count()
        oldest = late.order_by("run_after").values_list("run_after", flat=True).first()
        abandoned = count_abandoned(using)
    except DatabaseError:
        return Finding("task worker", "Not checked: the database cannot be read.")
    if abandoned:
        return Finding("task worker",
                       f"{abandoned.tasks} background task(s) and {abandoned.work} upload(s) "
                       "or pack(s) were left unfinished by a process that stopped (killed, or "
                       "the machine restarted), and still show as in progress. Start the "
                       "worker (`joinedup db_worker`, or `joinedup serve`): on starting it "
                       "marks them failed, and the people waiting are told to try again.")
    if count:
        minutes = int((now - oldest).total_seconds() // 60)
        return Finding("task worker",
                       f"{count} background tasks have waited longer than "
                       f"{_minutes(waiting)} (the oldest {minutes} minutes): the worker is not "
                       "running or cannot keep up. Start it with `joinedup db_worker`, or "
                       "serve with `joinedup serve`, which starts it.")
    return Finding("task worker", note=f"no task has waited longer than {_minutes(waiting)}")


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def check_email(timeout: float = 10) -> Finding:
    backend = settings.EMAIL_BACKEND
    if not backend.endswith("smtp.EmailBackend"):
        kind = backend.rsplit(".", 2)[-2]
        return Finding("e-mail", note=f"printed by the {kind} backend, not sent; set "
                                      "EMAIL_BACKEND to the SMTP backend to send reminders")
    connection = get_connection(timeout=timeout, fail_silently=False)
    try:
        connection.open()
        connection.close()
    except (OSError, smtplib.SMTPException, socket.timeout) as error:
        return Finding("e-mail", f"JoinedUp cannot reach the mail server "
                                 f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT} ({error}). "
                                 "Check EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS and the "
                                 "sign-in settings.")
    return Finding("e-mail", note=f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT} answers")


def check_disk(data_dir: Path, minimum_free: int) -> Finding:
    data_dir = Path(data_dir)
    where = f"The data folder {data_dir} (JOINEDUP_DATA_DIR)"
    if not data_dir.exists():
        return Finding("disk", f"{where} does not exist: create it, or point "
                               "JOINEDUP_DATA_DIR at the right folder.")
    if not data_dir.is_dir():
        return Finding("disk", f"{where} is not a folder: point JOINEDUP_DATA_DIR at one.")
    if not (os.access(data_dir, os.R_OK | os.W_OK | os.X_OK) and _writable(data_dir)):
        return Finding("disk", f"{where} cannot be read and written by this user: give "
                               "the user that runs JoinedUp read and write access to it.")
    free = shutil.disk_usage(data_dir).free
    if free < minimum_free:
        return Finding("disk", f"Only {_size(free)} is free where {data_dir} is, below the "
                               f"{_size(minimum_free)} JoinedUp needs to take uploads and "
                               "backups: free some space, or move the data folder.")
    return Finding("disk", note=f"{_size(free)} free")


def _writable(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return ""
