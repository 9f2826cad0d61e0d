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

from django.core.management.base import BaseCommand, CommandError

from joinedup.common.command_output import as_json, rows_as_csv, write_output
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
        write_output(self, content, out, written=f"{len(summaries)} exception"
                                                 f"{'s' if len(summaries) != 1 else ''}")


def as_csv(summaries: list[dict]) -> str:
    return rows_as_csv(summaries, SUMMARY_FIELDS, lambda name, value: LIST_SEPARATOR.join(value)
                       if isinstance(value, list) else value)


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
