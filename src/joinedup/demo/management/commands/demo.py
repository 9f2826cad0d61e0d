"""``joinedup demo``: build (or bring up to date) the demonstration partnership."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from joinedup.assessment.services import run_assessment
from joinedup.demo.benchmarks import build_benchmarks
from joinedup.demo.build import BUILT_FROM, build_framework
from joinedup.demo.constitution import build_constitution
from joinedup.demo.county import build_county
from joinedup.demo.meetings import build_cycles, build_meetings
from joinedup.demo.plans import build_plans
from joinedup.demo.public import build_public
from joinedup.demo.reviews import build_self_assessment
from joinedup.demo.resources import build_resources
from joinedup.demo.localities import build_localities
from joinedup.demo.risks import build_risks
from joinedup.demo.rounds import build_rounds
from joinedup.demo.sources import COUNTY_DIR, DATA_DIR, DemoSources
from joinedup.history.recording import recorded_as

STEPS = ["places", "partners", "bodies", "people", "strategy", "figures", "targets",
         "rounds", "resources", "risks", "assessment", "plans", "localities", "health"]
COUNTY_STEPS = ["places", "partners", "bodies", "people", "strategy", "figures", "targets",
                "assessment"]


class Command(BaseCommand):
    help = (
        "Build the demonstration partnership (Gateshead Strategic Partnership) from the real "
        "data shipped with JoinedUp. Safe to run again: it only changes what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-migrate", action="store_true",
                            help="Do not bring the database schema up to date first.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--county", action="store_true",
            help="Build the two-tier demonstration instead: Warwickshire's county partnership "
            "with two district partnerships. Use a database of its own.")

    def handle(self, *args, no_migrate=False, quiet=False, county=False, **options):
        started = time.monotonic()
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        console = Console(stderr=True, quiet=quiet)
        sources = DemoSources(COUNTY_DIR if county else DATA_DIR)
        with Progress(
            TextColumn("[bold]Building the demo partnership[/bold] {task.description:<10}"),
            BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
            console=console, transient=False,
        ) as progress:
            task = progress.add_task("reading", total=len(COUNTY_STEPS if county else STEPS))

            def tick(step: str) -> None:
                progress.update(task, advance=1, description=step)

            if county:
                summary = build_county(sources, tick)
            else:
                summary = self._gateshead(sources, tick)
        elapsed = time.monotonic() - started
        self.stdout.write(f"Demo partnership ready in {elapsed:.1f} s: {summary}")
        self.stdout.write("\nSign in as any of these demonstration people:")
        for person in sources.catalogue["person"]:
            if person.get("password"):
                self.stdout.write(
                    f"  {person['username']:<16} password {person['password']:<20} "
                    f"{person['job_title']}, {_organisation_name(sources, person)}"
                )

    @staticmethod
    def _gateshead(sources: DemoSources, tick) -> str:
        with transaction.atomic(), recorded_as(actor="demo builder", reason=BUILT_FROM):
            built = build_framework(sources, tick)
            rounds = build_rounds(sources.values, sources.catalogue, built.indicators,
                                  built.areas, timezone.localdate())
            build_cycles(built.bodies)
            build_meetings(built.bodies, timezone.localdate())
            tick("rounds")
            money = build_resources(built.people["officer"])
            tick("resources")
            register = build_risks(timezone.localdate())
            tick("risks")
        run, _ = run_assessment(actor="demo builder")
        tick("assessment")
        plans = build_plans(timezone.now())
        tick("plans")
        with transaction.atomic():
            places = build_localities(timezone.now())
        tick("localities")
        with transaction.atomic(), recorded_as(actor="demo builder", reason=BUILT_FROM):
            constitution = build_constitution(built.bodies, timezone.localdate(),
                                              sources.catalogue)
            benchmarks = build_benchmarks()
            reviews = build_self_assessment(built.bodies, timezone.localdate())
            public = build_public()
        tick("health")
        return (
            f"{built.summary}; {run.flags_raised} flags open; "
            f"{len(rounds)} collection rounds expecting {sum(rounds.values())} returns; "
            f"{money['lines']:,} budget lines in {money['streams']} funding streams and "
            f"{money['pools']} pooled budget, {money['scenarios']} allocation scenarios; "
            f"{register['risks']} risks on the register; {plans['plans']} delivery plans; "
            f"{places['forums']} forums' chosen outcomes and {places['priorities']} residents' "
            "priorities"
            + "".join(f"; {count:,} {what}" for part in (constitution, benchmarks, reviews, public)
                      for what, count in part.items())
            + "."
        )


def _organisation_name(sources: DemoSources, person: dict) -> str:
    for organisation in sources.catalogue["organisation"]:
        if organisation["slug"] == person["organisation"]:
            return organisation.get("short_name") or organisation["name"]
    return person["organisation"]
