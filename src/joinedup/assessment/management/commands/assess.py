"""``joinedup assess``: assess the partnership's figures and store the results.

    joinedup assess                                  the whole partnership; results stored
    joinedup assess --indicator "HW 02"              one indicator; its results stored
    joinedup assess --as-at 2009Q2 --no-store        as if at the end of 2009 Q2; print only

Every figure the pages show can be reproduced, without changing anything:

    joinedup assess --period 2009Q2 --format csv

prints the stored assessment of every figure for that period, worked out again from the
approved figures with the parameters of the run that stored it.

(``joinedup assess --values FILE …`` assesses an export file with no database; see
``joinedup assess --values x --help``.)
"""

from __future__ import annotations

import polars as pl
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from joinedup.assessment.services import reproduce, run_assessment
from joinedup.common.cells import escape_formulas
from joinedup.core.periods import PeriodError, parse_period
from joinedup.strategy.models import Indicator


class Command(BaseCommand):
    help = ("Assess the partnership's approved figures (status, direction, SPC, outliers, "
            "forecasts) and store the results with the run's parameters; or, with --period, "
            "reproduce the stored results for one period and change nothing.")

    def add_arguments(self, parser):
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--period", help="reproduce the stored results for this period "
                          "(e.g. 2009Q2, 2009/10): its figures are assessed again with the "
                          "parameters of the run that stored them, and printed; nothing is "
                          "stored")
        when.add_argument("--as-at", dest="as_at", help="assess as at this period: only "
                          "figures for periods ending by its end are used")
        parser.add_argument("--indicator", help="one indicator, by code (e.g. 'HW 02')")
        parser.add_argument("--format", choices=["summary", "csv"], default="summary",
                            help="what to print: a summary (default) or every result as CSV")
        parser.add_argument("--out", help="write the CSV here instead of standard output")
        parser.add_argument("--no-store", action="store_true",
                            help="print only; leave the stored results as they are")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, period=None, as_at=None, indicator=None, format="summary",
               out=None, no_store=False, quiet=False, **options):
        for given in (period, as_at):
            if given:
                try:
                    parse_period(given)
                except PeriodError as error:
                    raise CommandError(str(error)) from None
        chosen = None
        if indicator:
            chosen = Indicator.objects.filter(code__iexact=indicator.strip()).first()
            if chosen is None:
                codes = ", ".join(Indicator.objects.values_list("code", flat=True)[:10])
                raise CommandError(f"No indicator has the code {indicator!r}. Codes look like: "
                                   f"{codes} …")
        if period:
            results = reproduce(period, chosen)
            self._print(results, format, out, f"Reproduced {results.height} stored figures "
                        f"for {parse_period(period).label}", "; nothing stored.")
            return
        console = Console(stderr=True, quiet=quiet)
        with Progress(TextColumn("Assessing"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("figures"), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("figures", total=None)

            def progress(done, total):
                bar.update(task, completed=done, total=total)

            run, results = run_assessment(indicator=chosen, as_at_period=as_at,
                                          actor="command line", store=not no_store,
                                          progress=progress)
        ending = (f"; results stored; {run.flags_raised} flags open." if not no_store
                  else "; results not stored.")
        self._print(results, format, out, f"Assessed {results.height} figures", ending)

    def _print(self, results: pl.DataFrame, format: str, out: str | None, opening: str,
               ending: str) -> None:
        if format == "csv":
            text = escape_formulas(results).write_csv() if results.height else ""
            if out:
                with open(out, "w", encoding="utf-8") as handle:
                    handle.write(text)
            else:
                self.stdout.write(text, ending="")
            return
        counts = (results.group_by("status").len().sort("status").iter_rows()
                  if results.height else [])
        summary = ", ".join(f"{n} {status}" for status, n in counts) or "no figures"
        self.stdout.write(f"{opening} ({summary}){ending}")
