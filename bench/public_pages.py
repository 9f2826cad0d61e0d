"""Public pages: 20 anonymous readers at once on the public transparency site.

A fresh demo partnership in the database at ``--database-url`` (PostgreSQL; SQLite if
none is given, for a quick try), with one Board pack issued and published, is served by
``joinedup serve`` (gunicorn, 2 processes × 4 threads, and the background worker; no
debug) on 127.0.0.1. ``--clients`` threads, each with its own kept-alive connection, ask
for the public pages one after another with no pause (a closed loop: each asks again as
soon as it has read the whole answer), in a shuffled order of every page: the home page,
the strategy, the indicators, each public indicator's page, each ward map, the maps and
the packs. None sends ``If-None-Match``: every answer is a whole page, the harder case.

First the same load runs unmeasured for ``--warm-up`` seconds, so each gunicorn process
has made and kept each page once (``public.caching``); then it is measured for
``--seconds``. It reports p50, p95 and p99 per kind of page and for all, the errors and the
requests a second, with the load average before and after.

Goal: p95 at most 100 ms, and no errors, PostgreSQL, 20 clients.

    python bench/public_pages.py --database-url postgres://… [--seconds 60] [--clients 20]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import _free_port, _wait_for  # noqa: E402
from results import write_section  # noqa: E402

GOAL_MS = 100.0
KINDS = ["home", "strategy", "indicators", "indicator page", "ward map", "maps", "packs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=15)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="joinedup-public-")
    env = {"SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": folder, "DEBUG": "false",
           "DJANGO_SETTINGS_MODULE": "joinedup.settings",
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    os.environ.update(env)
    pages, engine = prepare()
    port = _free_port()
    log = open(Path(folder) / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "joinedup.cli", "serve", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(options.workers)],
        env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server)
        run(port, pages, options.clients, options.warm_up)
        load_before = os.getloadavg()[0]
        timings, errors, seconds = run(port, pages, options.clients, options.seconds)
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    text = report(options, engine, pages, timings, errors, seconds, load_before, load_after)
    print(text)
    write_section(f"Public pages, {options.clients} clients ({engine})", text)


def prepare() -> tuple[list[tuple[str, str]], str]:
    """Build the demo, issue and publish a Board pack, and list the public pages."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from joinedup.partnership.models import Body, Person
    from joinedup.public import tables
    from joinedup.reports import building

    call_command("demo", "--quiet", verbosity=0)
    officer = Person.objects.get(username="officer")
    pack = building.draft_for(Body.objects.get(slug="gsp-board"), officer, format="pdf",
                              period="2026/27 Q1")
    building.issue(pack, officer)
    building.publish(pack, officer, public=True)
    data = tables.gather()
    mapped = {row["indicator"] for row in data["ward-figures"].rows}
    pages = [("home", "/public/"), ("strategy", "/public/strategy/"),
             ("indicators", "/public/indicators/"), ("maps", "/public/maps/"),
             ("packs", "/public/packs/")]
    for row in data["indicators"].rows:
        pages.append(("indicator page", f"/public/indicators/{row['slug']}/"))
        if row["code"] in mapped:
            pages.append(("ward map", f"/public/indicators/{row['slug']}/map/"))
    engine = connection.vendor
    connection.close()
    return pages, engine


def run(port: int, pages: list[tuple[str, str]], clients: int, seconds: float):
    """Each client asks for the pages in its own shuffled order until time is up."""
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        order = list(pages)
        random.Random(seed).shuffle(order)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: dict[str, list[float]] = {kind: [] for kind in KINDS}
        wrong: list[str] = []
        step = 0
        while time.monotonic() < stop:
            kind, path = order[step % len(order)]
            step += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                answer = connection.getresponse()
                answer.read()
                took = time.perf_counter() - started
                if answer.status != 200:
                    wrong.append(f"{answer.status} {path}")
                else:
                    mine[kind].append(took)
            except (OSError, http.client.HTTPException) as error:
                wrong.append(f"{type(error).__name__} {path}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            for kind, values in mine.items():
                timings[kind] += values
            errors.extend(wrong)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors, time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return 1000 * ordered[int(rank) - 1]


def report(options, engine, pages, timings, errors, seconds, load_before, load_after) -> str:
    every = [t for values in timings.values() for t in values]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, {engine}, served by `joinedup serve` (gunicorn, {options.workers} processes "
        f"× 4 threads, and the background worker); {options.clients} client threads in one "
        f"Python process on the same machine (`http.client`, one kept-alive connection each, "
        f"no pause between requests), over {len(pages)} public pages in a shuffled order, for "
        f"{seconds:.0f} s after a {options.warm_up:.0f} s warm-up under the same load. "
        f"1-minute load average: {load_before:.1f} before, {load_after:.1f} after. "
        f"Goal: p95 at most {GOAL_MS:.0f} ms, and no errors.",
        "",
        "| page | requests | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for kind in KINDS:
        values = timings[kind]
        if values:
            lines.append(f"| {kind} | {len(values)} | {percentile(values, 0.5):.1f} | "
                         f"{percentile(values, 0.95):.1f} | {percentile(values, 0.99):.1f} |")
    p95 = percentile(every, 0.95) if every else float("inf")
    lines.append(f"| **all** | {len(every)} | {percentile(every, 0.5):.1f} | {p95:.1f} | "
                 f"{percentile(every, 0.99):.1f} |")
    met = p95 <= GOAL_MS and not errors
    lines += [
        "",
        f"All together: {len(every)} answers in {seconds:.0f} s, {len(every) / seconds:.0f} "
        f"requests a second, {len(errors)} errors"
        + (f" ({', '.join(sorted(set(errors))[:5])})" if errors else "") + ".",
        "",
        f"Verdict: the goal is {'met' if met else '**not met**'} (p95 {p95:.1f} ms).",
        "",
        "Each time is from sending the request to reading the whole answer. What the server "
        "does for a public page (`joinedup.public.caching`): one query for the data's stamp, "
        "then the page kept under its ETag for anonymous readers, per process; a page is made "
        "again only when the stamp changes. A reader who sends the ETag back gets a 304 "
        "after that one query, which this benchmark does not count on.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
