"""``joinedup publish --out DIR``: write the public data package to a folder."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from joinedup.public import package


class Command(BaseCommand):
    help = ("Write the public data as a Frictionless Data Package: datapackage.json and a CSV "
            "file for each public table, in DIR (made if missing; files there are replaced).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, metavar="DIR")

    def handle(self, *args, out: Path, **options):
        data = package.current()
        written = data.write(out)
        rows = sum(len(table.rows) for table in data.tables.values())
        self.stdout.write(f"Wrote the public data package version {data.version} to {out}: "
                          f"{len(written) - 1} CSV files, {rows:,} rows, and "
                          f"{package.DESCRIPTOR}.")
