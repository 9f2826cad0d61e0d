"""joinedup import-values PATH: check and save a file of figures, all or nothing."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.partnership.people import person_for_command
from joinedup.returns import importing, tasks
from joinedup.returns.models import CollectionRound

#: Problems printed to the terminal; the rest are counted.
SHOWN = 200


class Command(BaseCommand):
    help = ("Check a CSV or Excel file of figures and save them, all or none. Problems go "
            "to stderr as PATH:ROW:COLUMN: message, and the exit status is 1 if any.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv or .xlsx file")
        parser.add_argument("--round", help="the slug of the collection round it answers")
        parser.add_argument("--user", help="who is sending the figures (default: "
                            "$JOINEDUP_USER, or your login name)")
        parser.add_argument("--submit", action="store_true",
                            help="submit the figures for approval once saved")
        parser.add_argument("--reason", default="",
                            help="why, when the file changes approved figures")
        parser.add_argument("--note", default="",
                            help="confirms every figure flagged as out of line")
        parser.add_argument("--dry-run", action="store_true",
                            help="check only: save nothing")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = person_for_command(
            options["user"], refusal="there is no active person {username!r}; say who is "
                                     "sending the figures with --user USERNAME")
        collection_round = None
        if options["round"]:
            collection_round = CollectionRound.objects.filter(slug=options["round"]).first()
            if collection_round is None:
                raise CommandError(f"there is no collection round {options['round']!r}")
        started = time.perf_counter()
        self._say(f"{path}: checking as {user.get_username()}…")
        upload = importing.receive_file(path.read_bytes(), str(path), user=user,
                                        collection_round=collection_round,
                                        submit=options["submit"])
        def progress(stage: str) -> None:
            if options["verbosity"] >= 1:
                self._say(f"{path}: {stage} ({time.perf_counter() - started:.1f} s)")

        result = tasks.import_now(upload, user=user, reason=options["reason"],
                                  note=options["note"], dry_run=options["dry_run"],
                                  progress=progress)
        for problem in result.problems[:SHOWN]:
            kind = "" if problem.is_error else "warning: "
            sys.stderr.write(f"{problem.file}:{problem.row}:{problem.column}: {kind}"
                             f"{problem.message}\n")
        if len(result.problems) > SHOWN:
            sys.stderr.write(f"{path}: and {len(result.problems) - SHOWN:,} more problems\n")
        took = time.perf_counter() - started
        if result.problems:
            what = (f"{len(result.errors):,} error(s)" if result.errors else
                    f"{len(result.warnings):,} warning(s) to confirm with --note")
            raise CommandError(f"{path}: {what}; nothing was saved", returncode=1)
        if options["dry_run"]:
            self._say(f"{path}: {result.rows:,} rows checked in {took:.1f} s, no problems; "
                      "nothing saved (dry run)")
            return
        self.stdout.write(
            f"{path}: {result.created:,} new, {result.changed:,} changed, "
            f"{result.unchanged:,} unchanged, {result.skipped:,} empty rows skipped, in "
            f"{took:.1f} s{'; submitted for approval' if options['submit'] else ''}")

    def _say(self, text: str) -> None:
        sys.stderr.write(text + "\n")
