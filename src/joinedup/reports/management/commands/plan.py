"""``joinedup plan``: write one delivery plan out as PDF, Word or HTML.

    joinedup plan ID --format pdf|docx|html --out FILE [--user U]

The file is the plan as ``reports.plan_export`` writes it: its five stages with their
answers, the forecast charts, the option appraisal, the challenge and the actions. An
unknown plan or person exits with status 2 and a one-line reason on stderr, and writes
nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.partnership.people import PartnershipView, person_for_command
from joinedup.reports import plan_export
from joinedup.strategy.delivery import DeliveryPlan


class Command(BaseCommand):
    help = "Write delivery plan ID as PDF, Word (.docx) or HTML."

    def add_arguments(self, parser):
        parser.add_argument("id", type=int, help="the plan's id (see `joinedup plans`)")
        parser.add_argument("--format", choices=plan_export.FORMATS, required=True)
        parser.add_argument("--out", metavar="FILE", required=True,
                            help="where to write the file")
        parser.add_argument("--user", metavar="USERNAME",
                            help="who reads it (default: the partnership's own view)")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            error.returncode = 2
            raise

    def handle(self, *args, **options):
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent}: no such folder to write {out.name} in")
        viewer = (person_for_command(options["user"], refusal="There is no active person "
                                                              "with the username {username!r}.")
                  if options["user"] else PartnershipView())
        plan = DeliveryPlan.objects.visible_to(viewer).filter(pk=options["id"]).first()
        if plan is None:
            raise CommandError(f"There is no delivery plan {options['id']}; "
                               "`joinedup plans` lists them.")
        started = time.monotonic()
        data = plan_export.write(plan, options["format"], viewer)
        out.write_bytes(data)
        sys.stderr.write(f"{out}: plan {plan.pk} ({plan.title}), {len(data):,} bytes, "
                         f"in {time.monotonic() - started:.1f} s\n")
        self.stdout.write(str(plan.pk))
