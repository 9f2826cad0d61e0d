"""``joinedup assess``: assess the partnership's figures and store the results.

Every figure the pages show can be reproduced here:

    joinedup assess --period 2009Q2 --format csv

(``joinedup assess --values FILE …`` assesses an export file with no database; see
``joinedup assess --values x --help``.)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from joinedup.assessment.services import run_assessment
from joinedup.core.periods import PeriodError, parse_period
from joinedup.strategy.models import Indicator


class Command(BaseCommand):
    help = ("Assess the partnership's approved figures (status, direction, SPC, outliers, "
            "forecasts) and store the results with the run's parameters.")

    def add_arguments(self, parser):
        parser.add_argument("--period", help="assess as at this period: only figures for "
                            "periods ending by its end are used (e.g. 2009Q2, 2009/10)")
        parser.add_argument("--indicator", help="assess one indicator, by code (e.g. 'HW 02')")
        parser.add_argument("--format", choices=["summary", "csv"], default="summary",
                            help="what to print: a summary (default) or every result as CSV")
        parser.add_argument("--out", help="write the CSV here instead of standard output")
        parser.add_argument("--no-store", action="store_true",
                            help="print only; leave the stored results as they are")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, period=None, indicator=None, format="summary", out=None,
               no_store=False, quiet=False, **options):
        if period:
            try:
                parse_period(period)
            except PeriodError as error:
                raise CommandError(str(error)) from None
        chosen = None
        if indicator:
            chosen = Indicator.objects.filter(code__iexact=indicator.strip()).first()
            if chosen is None:
                codes = ", ".join(Indicator.objects.values_list("code", flat=True)[:10])
                raise CommandError(f"No indicator has the code {indicator!r}. Codes look like: "
                                   f"{codes} …")
        console = Console(stderr=True, quiet=quiet)
        with Progress(TextColumn("Assessing"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("figures"), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("figures", total=None)

            def progress(done, total):
                bar.update(task, completed=done, total=total)

            run, results = run_assessment(indicator=chosen, as_at_period=period,
                                          actor="command line", store=not no_store,
                                          progress=progress)
        if format == "csv":
            text = results.write_csv() if results.height else ""
            if out:
                with open(out, "w", encoding="utf-8") as handle:
                    handle.write(text)
            else:
                self.stdout.write(text, ending="")
            return
        counts = (results.group_by("status").len().sort("status").iter_rows()
                  if results.height else [])
        summary = ", ".join(f"{n} {status}" for status, n in counts) or "no figures"
        stored = "stored" if not no_store else "not stored"
        self.stdout.write(f"Assessed {results.height} figures ({summary}); results {stored}"
                          + (f"; {run.flags_raised} flags open." if not no_store else "."))
