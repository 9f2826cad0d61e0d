"""``joinedup import-spend FILE``: a spend return (CSV or workbook), checked and saved.

    joinedup import-spend spend-2023-24.xlsx --user finance.officer

Every row is checked first; one problem anywhere and nothing is saved, and each problem
is printed as ``FILE:ROW:COLUMN: message``. A district total with a base in
``apportioned_by`` is spread over the district's wards to the penny.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.partnership.people import person_for_command
from joinedup.resources.spend_import import import_spend_file


class Command(BaseCommand):
    help = "Check and save a spend return (CSV or Excel): every line, or none."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--user", required=True, metavar="USERNAME",
                            help="who is sending it: lines are checked against what they "
                                 "may send")
        parser.add_argument("--reason", default="", help="why, kept in the history")

    def handle(self, *args, file, user, reason="", **options):
        person = person_for_command(user, refusal="No one is signed up as {username!r}.")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        result = import_spend_file(data, path.name, user=person, reason=reason)
        for problem in result.problems:
            self.stderr.write(str(problem))
        if not result.saved:
            raise CommandError(f"Nothing was saved: {len(result.errors)} problem"
                               f"{'' if len(result.errors) == 1 else 's'} to put right.")
        self.stdout.write(f"Saved {path.name}: {result.created:,} new, {result.changed:,} "
                          f"changed, {result.unchanged:,} unchanged.")
