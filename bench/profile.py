"""How long does a ward's profile page take? One client, side by side with its peer.

A fresh demo partnership on SQLite (or ``--database-url``). One client (Django's test
client, signed in as the partnership officer, who sees everything, so every section is as
full as it gets) asks for each answer in turn, round by round:

- **the ward profile** (``/areas/E05001076/profile/``, Felling): its indicators beside its
  parent area and England, deprivation and ages summed from its LSOAs, spend per head,
  open exceptions, risks, its forum's chosen outcomes, residents' priorities and
  operations;
- **the district profile** (``/areas/E08000037/profile/``, Gateshead), the largest: 126
  LSOAs to sum and every budget line of the district;
- **the peer**: the ward's own area page (``/areas/E05001076/``), which lists its latest
  figures and draws its map, in the same rounds.

Goal: the ward profile at most 200 ms at p95, single client (PostgreSQL, as the issue asks;
SQLite too). Medians and p95 go to bench/RESULTS.md.

    python bench/profile.py [--rounds 60] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import demo_partnership, write_section  # noqa: E402

GOAL_MS = 200.0
WARM_UP = 3
PAGES = [
    ("the ward profile (Felling)", "/areas/E05001076/profile/"),
    ("the district profile (Gateshead)", "/areas/E08000037/profile/"),
    ("peer: the ward's area page, with its map", "/areas/E05001076/"),
]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    demo_partnership("profile-bench", options.database_url)
    from django.db import connection
    from django.test import Client

    from joinedup.common.charts import warm_up
    from joinedup.partnership.models import Person

    warm_up()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Person.objects.get(username="officer"))
    times: dict[str, list[float]] = {label: [] for label, _ in PAGES}
    for round_ in range(WARM_UP + options.rounds):
        for label, path in PAGES:
            started = time.perf_counter()
            answer = client.get(path)
            spent = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{path}: HTTP {answer.status_code}")
            if round_ >= WARM_UP:
                times[label].append(spent)
    database = connection.vendor
    rows = ["| Answer | Median (ms) | p95 (ms) | ratio to the peer (medians) |",
            "|---|---:|---:|---:|"]
    peer = statistics.median(times[PAGES[-1][0]])
    for label, spent in times.items():
        rows.append(f"| {label} | {statistics.median(spent):.1f} | {p95(spent):.1f} | "
                    f"{statistics.median(spent) / peer:.2f} |")
    ward = p95(times[PAGES[0][0]])
    body = "\n".join([
        f"`python bench/profile.py --rounds {options.rounds}"
        f"{' --database-url …' if options.database_url else ''}`: {database}, "
        f"{options.rounds} rounds after {WARM_UP} to warm up, one client (Django's test "
        f"client, signed in as the partnership officer), Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; 1-minute load average at the "
        f"end {os.getloadavg()[0]:.1f}.",
        "",
        *rows,
        "",
        f"Goal: the ward profile at most {GOAL_MS:.0f} ms at p95: "
        f"{'met' if ward <= GOAL_MS else 'missed'} ({ward:.1f} ms). Both profiles read the "
        "stored assessment, sum the LSOAs' deprivation and ages with the core, and read the "
        "budget lines, exceptions, risks, forums' choices, priorities and operations; the "
        "peer reads the ward's latest figures and draws its map (from the chart cache after "
        "the first round, as the profile has no chart).",
    ])
    write_section(f"Locality profile of a ward ({database})", body)
    print(body)


if __name__ == "__main__":
    main()
