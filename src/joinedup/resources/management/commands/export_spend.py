"""``joinedup export-spend --out FILE``: the spend lines a person may see, CSV or Excel.

    joinedup export-spend --user finance.officer --year 2023/24 --out spend.csv

The file has the spend return's columns, so it imports again unchanged.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.partnership.people import PartnershipView, person_for_command
from joinedup.resources.spend_files import export_frame, spend_file


class Command(BaseCommand):
    help = "Export the spend lines a person may see to a CSV file or an Excel workbook."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE",
                            help="FILE.csv or FILE.xlsx, or - for CSV on standard output")
        parser.add_argument("--year", metavar="YYYY/YY", help="only this financial year")
        parser.add_argument("--partner", metavar="SLUG", help="only this partner's lines")
        parser.add_argument("--user", metavar="USERNAME",
                            help="export what this person may see (default: everything, "
                                 "as the partnership officer sees it)")

    def handle(self, *args, out, year=None, partner=None, user=None, **options):
        fmt = "csv" if out == "-" else Path(out).suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise CommandError(f"--out must name a .csv or .xlsx file, not {out!r}")
        person = PartnershipView() if user is None else person_for_command(
            user, refusal="No one is signed up as {username!r}.")
        frame = export_frame(person, year=year, partner=partner)
        content = spend_file(frame, fmt)
        if out == "-":
            self.stdout.write(content.decode("utf-8-sig"), ending="")
            return
        try:
            Path(out).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}") from None
        self.stderr.write(f"Wrote {frame.height:,} spend lines to {out}.")
