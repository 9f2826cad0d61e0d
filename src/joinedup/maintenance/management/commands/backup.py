"""``joinedup backup --out FILE``: the database and its kept files in one checked archive."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.maintenance.backup import back_up
from joinedup.maintenance.progress import QUIET, Steps


class Command(BaseCommand):
    help = ("Back up the database, kept files included, into one zip archive with a manifest "
            "and the SHA-256 of every member. Safe while the site is in use: the backup "
            "reads one consistent snapshot.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE",
                            help="the archive to write, such as joinedup-2026-12-03.zip")
        parser.add_argument("--quiet", action="store_true", help="print only the summary")

    def handle(self, *args, out, quiet, **options):
        path = Path(out)
        if path.is_dir():
            raise CommandError(f"{out} is a folder: name the archive file to write.")
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        started = time.perf_counter()
        manifest = back_up(path, steps=QUIET if quiet else Steps())
        rows = sum(table["rows"] for table in manifest["tables"])
        files = manifest["files"]
        self.stdout.write(
            f"Backed up {rows:,} rows in {len(manifest['tables'])} tables and "
            f"{files['count']:,} kept files to {path} in "
            f"{time.perf_counter() - started:.1f} s.\nSHA-256 {manifest['sha256']}")
