"""``joinedup exceptions``: the exceptions, one row each, as CSV or JSON.

    joinedup exceptions --format csv
    joinedup exceptions --body gsp-board --period "2026/27 Q2" --format json
    joinedup exceptions --user steering.member --out exceptions.csv

Each row has ``id``, ``indicator`` (its code), ``title``, ``period``, ``layer`` (the body's
slug), ``flags`` (their kinds), ``areas`` (their codes), ``state`` and ``decision``. It
lives with the reports because ``--body`` lists what that body's zero-based report shows
(``reports.layers.shown_exceptions``).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.common.cells import escape_formula
from joinedup.core.periods import PeriodError, parse_period
from joinedup.exceptions.api_schemas import SUMMARY_FIELDS, exception_summary
from joinedup.exceptions.models import IndicatorException
from joinedup.exceptions.pages import exception_items
from joinedup.partnership.models import Body
from joinedup.partnership.people import PartnershipView, person_for_command
from joinedup.reports.layers import shown_exceptions

#: How a CSV cell holds a list (flags, areas); no flag kind or area code contains it.
LIST_SEPARATOR = ";"


class Command(BaseCommand):
    help = ("List exceptions, one row each, with the fields id, indicator, title, period, "
            "layer, flags, areas, state and decision. In CSV, flags and areas are joined "
            f"with '{LIST_SEPARATOR}' (flags in the assessment's order: red, concern, "
            "likely_to_miss, consistently_fails, outlier, missing; areas widest first); in "
            "JSON they are arrays. Without --user the list is the partnership's own view: "
            "every exception, whoever may see it.")

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "json"), default="csv",
                            help="csv (the default) or json")
        parser.add_argument("--period", metavar="PERIOD",
                            help="only exceptions for periods ending by the end of this one, "
                                 "such as 2026/27 Q2")
        parser.add_argument("--body", metavar="SLUG",
                            help="only what this body's zero-based report shows, such as "
                                 "gsp-board")
        parser.add_argument("--user", metavar="USERNAME",
                            help="only what this person may see (default: every exception)")
        parser.add_argument("--out", metavar="FILE",
                            help="write to this file instead of standard output")

    def handle(self, *args, **options):
        viewer = (person_for_command(options["user"], refusal="There is no active person "
                                                              "with the username {username!r}.")
                  if options["user"] else PartnershipView())
        label = _period(options["period"]) if options["period"] else None
        out = options["out"]
        if options["body"]:
            rows = shown_exceptions(_body(options["body"], viewer), viewer, label)
        else:
            rows = IndicatorException.objects.visible_to(viewer).as_at(label)
        rows = rows.order_by("indicator__code", "layer__order", "-period_start", "pk")
        summaries = [exception_summary(item) for item in exception_items(rows, viewer)]
        content = as_json(summaries) if options["format"] == "json" else as_csv(summaries)
        if not out:
            self.stdout.write(content, ending="")
            return
        try:
            Path(out).write_text(content, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
        self.stderr.write(f"{len(summaries)} exception{'s' if len(summaries) != 1 else ''} "
                          f"written to {out}.")


def as_csv(summaries: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_FIELDS)
    for row in summaries:
        writer.writerow([escape_formula(LIST_SEPARATOR.join(row[name])
                                        if isinstance(row[name], list) else row[name])
                         for name in SUMMARY_FIELDS])
    return buffer.getvalue()


def as_json(summaries: list[dict]) -> str:
    return json.dumps(summaries, indent=2, ensure_ascii=False) + "\n"


def _period(text: str) -> str:
    try:
        return parse_period(text).label
    except (PeriodError, ValueError, OverflowError) as error:
        raise CommandError(f"--period: {error}") from None


def _body(slug: str, viewer) -> Body:
    found = Body.objects.visible_to(viewer).filter(slug=slug.strip().lower()).first()
    if found is None:
        known = ", ".join(Body.objects.visible_to(viewer).values_list("slug", flat=True))
        raise CommandError(f"There is no body {slug!r}. Bodies: {known}.")
    return found
