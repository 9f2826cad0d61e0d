"""``joinedup benchmark``: an indicator's benchmark, as CSV or JSON.

    joinedup benchmark "HW 02"
    joinedup benchmark hw-02 --format json
    joinedup benchmark "HW 02" --user pct.analyst --out hw02.csv

The figures are those of the benchmark page and of ``GET /api/benchmarks/indicators/{code}``:
the partnership's area's statistical neighbours, its rank and quartile among them and among
every area of the set, the funnel plot's points and limits where numerators and
denominators are published, and its trend against the neighbours' average with England
beside it. JSON is the API's document; CSV has one row per figure, with the columns
``part, comparison, area, period, measure, value``. ``--user`` shows only what that person
may see; without it, the partnership's own view. An indicator that does not exist, that
the person may not see or that has no comparison figures, or an unknown person, is
refused with exit status 2, and nothing is written.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from joinedup.benchmarks.documents import CSV_COLUMNS, benchmark_document, benchmark_rows
from joinedup.benchmarks.figures import benchmark_for
from joinedup.common.command_output import as_json, rows_as_csv, write_output
from joinedup.partnership.people import UNKNOWN, viewer_for_command
from joinedup.strategy.models import Indicator


class Command(BaseCommand):
    help = ("Print an indicator's benchmark against its statistical neighbours and every "
            "area of its kind: rank and quartile, funnel limits, and the neighbours' average "
            "trend, as CSV (" + ", ".join(CSV_COLUMNS) + ") or JSON.")

    def add_arguments(self, parser):
        parser.add_argument("indicator", help='the indicator\'s code ("HW 02") or slug')
        parser.add_argument("--format", choices=("csv", "json"), default="csv",
                            help="csv (the default) or json")
        parser.add_argument("--user", metavar="USERNAME",
                            help="only what this person may see (default: everything)")
        parser.add_argument("--out", metavar="FILE",
                            help="write to this file instead of standard output")

    def handle(self, *args, **options):
        viewer = viewer_for_command(options["user"])
        code = options["indicator"].strip()
        indicator = Indicator.objects.visible_to(viewer).filter(
            Q(code__iexact=code) | Q(slug=code.lower())).first()
        if indicator is None:
            raise CommandError(f"There is no indicator {code!r} that you may see.",
                               returncode=UNKNOWN)
        benchmark = benchmark_for(indicator)
        if benchmark is None:
            raise CommandError(f"{indicator.code} has no published figures to compare with.",
                               returncode=UNKNOWN)
        document = benchmark_document(benchmark)
        content = (as_json(document) if options["format"] == "json"
                   else rows_as_csv(benchmark_rows(document), CSV_COLUMNS))
        write_output(self, content, options["out"],
                     written=f"The benchmark of {indicator.code}")
