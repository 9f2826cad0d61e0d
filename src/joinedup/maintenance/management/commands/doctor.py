"""``joinedup doctor``: the settings, database, task worker, e-mail and disk, checked."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from joinedup.maintenance import doctor


class Command(BaseCommand):
    help = ("Check the settings, the database, the task worker, e-mail and disk space, and "
            "say plainly what is wrong. Exits with status 1 when anything is.")
    # The doctor runs Django's checks itself, to report them rather than stop at them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--task-wait", type=int, default=10, metavar="MINUTES",
                            help="a task waiting longer than this means the worker is not "
                                 "keeping up (default 10)")
        parser.add_argument("--min-free-mb", type=int, default=1024, metavar="MB",
                            help="the least free disk space that is enough (default 1024)")
        parser.add_argument("--skip-email", action="store_true",
                            help="do not try to reach the mail server")

    def handle(self, *args, task_wait, min_free_mb, skip_email, **options):
        findings = [doctor.check_settings()]
        database = doctor.check_database()
        findings.append(database)
        if database.ok:
            findings.append(doctor.check_worker(timedelta(minutes=task_wait)))
        else:
            findings.append(doctor.Finding("task worker", skipped=True,
                                           note="not checked, as the database cannot be used"))
        if not skip_email:
            findings.append(doctor.check_email())
        findings.append(doctor.check_disk(settings.DATA_DIR, min_free_mb * 1024 * 1024))
        for finding in findings:
            if finding.skipped:
                self.stdout.write(f"--       {finding.name} ({finding.note})")
            elif finding.ok:
                note = f" ({finding.note})" if finding.note else ""
                self.stdout.write(f"OK       {finding.name}{note}")
            else:
                self.stdout.write(f"PROBLEM  {finding.name}: {finding.problem}")
        problems = sum(not finding.ok for finding in findings)
        if problems:
            self.stdout.write(f"{problems} {'problem' if problems == 1 else 'problems'} found.")
            raise SystemExit(1)
        self.stdout.write("All well.")
