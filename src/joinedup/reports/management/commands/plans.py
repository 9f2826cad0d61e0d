"""``joinedup plans``: the delivery plans, one row each, as CSV or JSON.

    joinedup plans --format csv
    joinedup plans --user theme.lead --format json --out plans.json

Each row has ``id``, ``title``, ``outcome`` (the outcome's title; for a plan for an
indicator, the indicator's outcome), ``state`` and ``lead`` (the lead partnership's slug).
Plans are the partnership's own business: every partner signed in sees all of them.
Without --user the list is the partnership's own view.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from joinedup.common.command_output import as_json, rows_as_csv, write_output
from joinedup.partnership.people import PartnershipView, person_for_command
from joinedup.reports.plan_export import outcome_title
from joinedup.strategy.delivery import DeliveryPlan

FIELDS = ("id", "title", "outcome", "state", "lead")


class Command(BaseCommand):
    help = ("List the delivery plans, one row each, with the fields id, title, outcome, "
            "state and lead.")

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "json"), default="csv",
                            help="csv (the default) or json")
        parser.add_argument("--user", metavar="USERNAME",
                            help="only what this person may see (default: every plan)")
        parser.add_argument("--out", metavar="FILE",
                            help="write to this file instead of standard output")

    def handle(self, *args, **options):
        viewer = (person_for_command(options["user"], refusal="There is no active person "
                                                              "with the username {username!r}.")
                  if options["user"] else PartnershipView())
        plans = (DeliveryPlan.objects.visible_to(viewer)
                 .select_related("lead", "outcome", "indicator__outcome"))
        rows = [plan_row(plan) for plan in plans]
        content = as_json(rows) if options["format"] == "json" else as_csv(rows)
        write_output(self, content, options["out"],
                     written=f"{len(rows)} plan{'s' if len(rows) != 1 else ''}")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            error.returncode = 2
            raise


def plan_row(plan: DeliveryPlan) -> dict:
    return {"id": plan.pk, "title": plan.title, "outcome": outcome_title(plan),
            "state": plan.state, "lead": plan.lead.slug}


def as_csv(rows: list[dict]) -> str:
    return rows_as_csv(rows, FIELDS)
