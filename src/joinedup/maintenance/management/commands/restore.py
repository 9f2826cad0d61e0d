"""``joinedup restore FILE``: a backup back into an empty database."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.maintenance.archive import DamagedArchive
from joinedup.maintenance.progress import QUIET, Steps
from joinedup.maintenance.restore import RestoreRefused, restore


class Command(BaseCommand):
    help = ("Restore a backup made by `joinedup backup`. The archive is checked first; the "
            "database must be empty unless --force, and is migrated to this release after.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the archive to restore")
        parser.add_argument("--force", action="store_true",
                            help="replace everything in a database that already holds data")
        parser.add_argument("--quiet", action="store_true", help="print only the summary")

    def handle(self, *args, file, force, quiet, **options):
        started = time.perf_counter()
        try:
            manifest = restore(Path(file), force=force, steps=QUIET if quiet else Steps())
        except DamagedArchive as error:
            raise CommandError(f"{error} Nothing was restored.") from None
        except RestoreRefused as error:
            raise CommandError(f"{error} Nothing was restored.") from None
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(
            f"Restored {rows:,} rows and {manifest['files']['count']:,} kept files from the "
            f"backup of {manifest['created_at']} ({manifest['vendor']}) in "
            f"{time.perf_counter() - started:.1f} s.")
