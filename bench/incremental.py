"""How soon is a new figure assessed and on the page? The incremental path, timed.

A fresh demo partnership on SQLite (or ``--database-url``). Each round changes one approved
figure of a different indicator, as a partner's correction would, and times, side by
side:

- save → its indicator re-assessed and stored (the commit hook runs the engine on that
  indicator alone);
- save → the indicator page rendered with the new assessment (what a reader sees);
- for comparison, re-assessing the whole partnership.

The chart renderer is started first, as the server does when it starts.

Goal: one indicator re-assessed and visible within 1 s. Medians go to bench/RESULTS.md.

    python bench/incremental.py [--rounds 15] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="joinedup-incremental-")
    os.environ.update({"SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": folder,
                       "DJANGO_SETTINGS_MODULE": "joinedup.settings",
                       "ALLOWED_HOSTS": "testserver"})
    if options.database_url:
        os.environ["DATABASE_URL"] = options.database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from joinedup.assessment.models import Assessment
    from joinedup.assessment.services import run_assessment
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    call_command("demo", "--quiet", verbosity=0)
    from joinedup.common.charts import warm_up

    warm_up()  # as a server does when it starts (see joinedup/wsgi.py)
    client = Client()
    reassessed, visible, whole = [], [], []
    indicators = list(Indicator.objects.filter(visibility="public").order_by("code"))
    for round_number in range(options.rounds):
        indicator = indicators[round_number % len(indicators)]
        value = (DataValue.objects.filter(indicator=indicator, state="approved")
                 .order_by("-period_start").first())
        new = value.value * 1.01 + 0.1
        started = time.perf_counter()
        with transaction.atomic():
            value.value = new
            value.save()
        stored = Assessment.objects.get(indicator=indicator, area=value.area,
                                        period_start=value.period_start,
                                        period_end=value.period_end)
        assert stored.value == new, "the assessment did not follow the new figure"
        reassessed.append(time.perf_counter() - started)
        response = client.get(f"{indicator.get_absolute_url()}?area={value.area.code}")
        assert response.status_code == 200
        visible.append(time.perf_counter() - started)
        if round_number < 5:
            began = time.perf_counter()
            run_assessment(actor="bench")
            whole.append(time.perf_counter() - began)
    engine = connection.vendor
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {engine}, the demo partnership "
        f"({DataValue.objects.count():,} figures, {Indicator.objects.count()} indicators); "
        f"{options.rounds} rounds, medians.",
        "",
        "| | median s | slowest s | goal |",
        "|---|---|---|---|",
        f"| a changed figure → its indicator re-assessed and stored | "
        f"{statistics.median(reassessed):.3f} | {max(reassessed):.3f} | |",
        f"| a changed figure → the indicator page showing the new assessment | "
        f"{statistics.median(visible):.3f} | {max(visible):.3f} | ≤ 1 s |",
        f"| for comparison: re-assessing the whole partnership | "
        f"{statistics.median(whole):.3f} | {max(whole):.3f} | |",
    ]
    text = "\n".join(lines)
    print(text)
    write_section(f"Incremental re-assessment ({engine})", text)


if __name__ == "__main__":
    main()
