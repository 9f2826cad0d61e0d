"""What proposing every risk's likelihood again adds to a whole-partnership assessment.

A fresh demo partnership on SQLite (or ``--database-url``). Each round assesses the whole
partnership and stores it (``assessment.services.run_assessment``) twice, side by side,
the order alternating round by round:

- **with** the risks' listener, as JoinedUp runs: after the results and flags are stored,
  every risk a target drives reads its likelihood from the new forecasts, and proposals
  are raised or closed (``risks.forecasts.repropose``);
- **without** it: the listener disconnected, everything else the same (the exceptions'
  listener still runs in both).

Twice over: on the demo's register as built, and on a register with one driven risk for
every target in the partnership (each with a likelihood on record one level off what its
forecast reads, so that every run raises or supersedes a proposal for it): the most
proposing the demo's targets could ever ask for.

Goal: re-proposing adds at most 10% to the assessment's time. Medians go to
bench/RESULTS.md.

    python bench/risk_proposals.py [--rounds 7] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section  # noqa: E402

GOAL = 1.10


def timed_runs(rounds: int, run_assessment, assessment_stored, listener) -> dict:
    times = {"with": [], "without": []}
    for number in range(rounds):
        order = ("with", "without") if number % 2 else ("without", "with")
        for side in order:
            if side == "without":
                assessment_stored.disconnect(listener)
            try:
                started = time.perf_counter()
                run_assessment()
                times[side].append(time.perf_counter() - started)
            finally:
                if side == "without":
                    assessment_stored.connect(listener)
    return times


def every_target_driven(person) -> int:
    """One driven risk for every target, its likelihood one level off the forecast's."""
    from joinedup.partnership.models import Body
    from joinedup.risks.models import Category, Risk
    from joinedup.strategy.models import Target

    category = Category.objects.get(slug="outcomes-and-targets")
    made = 0
    for target in Target.objects.all() \
            .select_related("indicator__lead_body"):
        body = target.indicator.lead_body or Body.objects.filter(kind="board").first()
        Risk.objects.create(
            title=f"{target.indicator.code} misses its {target.period} target", cause="x",
            effect="y", category=category, owner=person, body=body, driving_target=target,
            inherent_likelihood=5, inherent_impact=3, likelihood=1 + made % 5, impact=3,
            target_likelihood=1, target_impact=3, review_date=dt.date(2024, 3, 31),
            illustrative=True)
        made += 1
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="joinedup-risk-bench-")
    os.environ.update({"SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": folder,
                       "DJANGO_SETTINGS_MODULE": "joinedup.settings"})
    if options.database_url:
        os.environ["DATABASE_URL"] = options.database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from joinedup.assessment.events import assessment_stored
    from joinedup.assessment.services import run_assessment
    from joinedup.partnership.models import Person
    from joinedup.risks.forecasts import repropose
    from joinedup.risks.models import Proposal, Risk
    from joinedup.risks.signals import assessment_was_stored

    call_command("demo", "--quiet", verbosity=0, stdout=io.StringIO())
    run_assessment()  # warm: the first run after a build pays for loading what it reads
    results = {}
    for label in ("the demo's register", "a driven risk for every target"):
        if label != "the demo's register":
            every_target_driven(Person.objects.get(username="officer"))
        before = Proposal.objects.count()
        times = timed_runs(options.rounds, run_assessment, assessment_stored,
                           assessment_was_stored)
        alone = []
        for _ in range(options.rounds):
            with transaction.atomic():
                started = time.perf_counter()
                repropose(None, now=timezone.now())
                alone.append(time.perf_counter() - started)
                transaction.set_rollback(True)
        results[label] = {
            "risks": Risk.objects.count(),
            "driven": Risk.objects.filter(driving_target__isnull=False).count(),
            "proposals": Proposal.objects.count() - before,
            "with": statistics.median(times["with"]),
            "without": statistics.median(times["without"]),
            "alone": statistics.median(alone)}
    lines = [
        f"Measured {dt.date.today():%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} "
        f"cores, {connection.vendor}; {options.rounds} rounds, each a whole-partnership "
        "assessment stored with the risks' listener and one without it, side by side, the "
        f"order alternating; medians. 1-minute load average at the end: "
        f"{os.getloadavg()[0]:.1f}. Goal: re-proposing adds at most "
        f"{(GOAL - 1):.0%} to the assessment.",
        "",
        "| register | risks (driven by a target) | proposals raised over the runs | "
        "assessment with re-proposing, s | without, s | ratio | re-proposing alone, ms "
        "(share of the assessment without it) | goal |",
        "|---|---|---|---|---|---|---|---|"]
    for label, r in results.items():
        ratio = r["with"] / r["without"]
        share = r["alone"] / r["without"]
        met = ratio <= GOAL and share <= GOAL - 1
        lines.append(f"| {label} | {r['risks']} ({r['driven']}) | {r['proposals']} | "
                     f"{r['with']:.2f} | {r['without']:.2f} | {ratio:.3f} | "
                     f"{r['alone'] * 1000:.1f} ({share:.1%}) | "
                     f"{'**met**' if met else '**not met**'} |")
    lines += ["", "Both sides assess every indicator and area, store the results and flags, "
              "and keep the exceptions in step; the side with re-proposing also reads the "
              "latest forecast of every driven risk's target, the open special-cause flags "
              "and each risk's last proposal, and raises or supersedes proposals, each "
              "recorded in the history. The two whole runs differ by less than the machine's "
              "noise, so re-proposing is also timed alone, over every driven risk, in a "
              "transaction rolled back each time; the goal is met when both the ratio of the "
              "runs and the share of re-proposing alone are within it."]
    text = "\n".join(lines)
    print(text)
    write_section("Likelihoods re-proposed after an assessment", text)


if __name__ == "__main__":
    main()
