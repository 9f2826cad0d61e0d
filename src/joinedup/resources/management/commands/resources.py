"""``joinedup resources``: resources against performance, the table the page shows.

    joinedup resources --by area,theme --year 2023/24 --format csv > table.csv

One row per ward × theme: spend, spend per head, split by arrangement and partner, need,
and the theme's outcomes there, with the quadrant to question. ``--user`` gives what one
person may see (default: every line, as the partnership officer sees them).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from joinedup.partnership.people import PartnershipView, person_for_command
from joinedup.resources import finance, performance
from joinedup.resources.spend_files import spend_file


class Command(BaseCommand):
    help = "Resources against performance for every area × theme, as CSV or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--by", default="area,theme",
                            help="the table's grain; area,theme is the one there is")
        parser.add_argument("--year", metavar="YYYY/YY",
                            help="the financial year (default: the latest with spend)")
        parser.add_argument("--level", default="ward", choices=performance.LEVELS,
                            help="the areas compared (default: ward)")
        parser.add_argument("--theme", metavar="SLUG", help="only this theme")
        parser.add_argument("--format", default="csv", choices=("csv", "json"))
        parser.add_argument("--user", metavar="USERNAME",
                            help="what this person may see (default: everything)")

    def handle(self, *args, by, year=None, level="ward", theme=None, format="csv",
               user=None, **options):
        if [p.strip() for p in by.split(",")] != ["area", "theme"]:
            raise CommandError(f"--by {by!r}: the table is by area,theme.")
        person = PartnershipView() if user is None else person_for_command(
            user, refusal="No one is signed up as {username!r}.")
        years = finance.years(person)
        year = year or (years[0] if years else None)
        if year not in years:
            raise CommandError(f"No spend is held for {year}." if year else
                               "No spend lines are held yet.")
        table = performance.table(person, year=year, level=level, theme=theme)
        if format == "json":
            self.stdout.write(json.dumps(table.to_dicts(), default=str, indent=1))
        else:
            self.stdout.write(spend_file(table, "csv").decode("utf-8-sig"), ending="")
