"""How fast is resources against performance? The ward × theme table, one client.

A fresh demo partnership (about 1,300 budget lines), on PostgreSQL (a database of its own
on the throwaway test server, or on the server ``--database-url`` names), or on SQLite
with ``--sqlite``. Signed in as the finance officer (Gateshead Council), who may see
every budget line of the demo.

**Over HTTP**, as bench/pages.py measures pages: the site served as in production
(``joinedup serve``: gunicorn, whitenoise, no debug) on 127.0.0.1; one client, signed in,
asks for each answer in turn, round by round, over one kept-alive connection, and times
each whole answer (from sending the request to reading the last byte):

- **the table, every theme** (``/resources/performance/?year=2023/24``): every ward × every
  theme, with the need-against-spend scatter;
- **the table, one theme** (``…&theme=safer-gateshead``, the theme with the most lines):
  its wards, the scatter and the ward map of spend per head;
- **the CSV export** of the table, every theme (``…&format=csv``);
- **the yardstick**: the overview page (``/``), in the same rounds, as in bench/pages.py.

**In process**, on the same database, after the server has stopped:

- the queries each answer makes (Django's test client, signed in the same way);
- ``performance.table()`` alone, every theme and one theme: the table the page shows,
  without the page;
- where each answer's time goes: the same requests through the test client with the
  functions the page calls wrapped by the benchmark, each charged its own time less the
  wrapped calls inside it (the database; Django's ORM; each step of the table in Polars;
  the charts; the template; the rest of Django's handling of the request).

Goal: p95 at most 150 ms for the table, single client, PostgreSQL, demo data.

    python bench/resources_table.py [--rounds 200] [--database-url postgres://…] [--sqlite]
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from import_values import Databases, postgres_url  # noqa: E402
from pages import Client, _free_port, _wait_for  # noqa: E402
from results import write_section  # noqa: E402

GOAL_MS = 150.0
WARM_UP = 10
PERSON = "finance.officer"
YEAR = "2023/24"
THEME = "safer-gateshead"
TABLE = f"/resources/performance/?year={YEAR}"
PAGES = [
    ("the table, every theme (ward level)", TABLE, True),
    (f"the table, one theme (`{THEME}`), with the ward map", f"{TABLE}&theme={THEME}", True),
    ("the CSV export of the table, every theme", f"{TABLE}&format=csv", True),
    ("yardstick: the overview page", "/", False),
]


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _quantile(values: list[float], share: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def _spread(values: list[float]) -> tuple[float, float, float, float]:
    return (statistics.median(values), _quantile(values, 95), _quantile(values, 99),
            max(values))


# --- over HTTP --------------------------------------------------------------------------------

def measure_http(client: Client, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label, _, _ in PAGES}
    for round_ in range(WARM_UP + rounds):
        for label, path, _ in PAGES:
            started = time.perf_counter()
            status, content = client.get(path)
            spent = time.perf_counter() - started
            if status != 200:
                raise SystemExit(f"{path} as {PERSON}: HTTP {status}")
            if round_ >= WARM_UP:
                times[label].append(spent * 1000)
    return times


def serve_and_measure(env: dict, folder: str, password: str, rounds: int
                      ) -> dict[str, list[float]]:
    port = _free_port()
    log = open(Path(folder) / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "joinedup.cli", "serve", "--no-worker", "--host", "127.0.0.1",
         "--port", str(port)], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server)
        return measure_http(Client(port, PERSON, password), rounds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


# --- in process -------------------------------------------------------------------------------

class Breakdown:
    """Each wrapped function's own time: from its call to its return, less the time spent
    in wrapped functions it called. Labels accumulate until ``take`` empties them."""

    def __init__(self):
        self.spent: dict[str, float] = defaultdict(float)
        self.stack: list[list] = []

    def enter(self, label: str) -> None:
        now = time.perf_counter()
        if self.stack:
            self.spent[self.stack[-1][0]] += now - self.stack[-1][1]
        self.stack.append([label, now])

    def leave(self) -> None:
        now = time.perf_counter()
        label, started = self.stack.pop()
        self.spent[label] += now - started
        if self.stack:
            self.stack[-1][1] = now

    def call(self, label: str, function, /, *args, **kwargs):
        self.enter(label)
        try:
            return function(*args, **kwargs)
        finally:
            self.leave()

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            return self.call(label, original, *args, **kwargs)

        setattr(owner, name, wrapper)

    def database(self, execute, sql, params, many, context):
        return self.call("database", execute, sql, params, many, context)

    def take(self) -> dict[str, float]:
        taken, self.spent = dict(self.spent), defaultdict(float)
        return taken


#: Where time can go, in the order the report lists it, with the kind of work each is.
PARTS = [
    ("database", "ORM", "the database: each query sent and its rows answered (`cursor.execute`)"),
    ("orm", "ORM", "Django's ORM: building the queries and turning rows into Python values"),
    ("areas", "Polars", "`bases.areas_frame` (every area, its need from its LSOAs)"),
    ("ancestors", "Polars", "`bases.ancestors` (area and ancestor pairs, a Python loop)"),
    ("lines", "Polars", "`finance.lines_frame`: the year's lines into a frame"),
    ("outcomes", "Polars", "`performance.outcomes_frame`: the stored assessment into a frame"),
    ("matching", "Polars", "`core.matching.resources_against_performance`: the quadrants"),
    ("described", "Polars", "`performance._described`: arrangements, partners, outcomes as "
                            "text"),
    ("table", "Polars", "the rest of `performance.table`"),
    ("map", "charts", "the ward map's features (`views._spend_map`)"),
    ("scatter", "charts", "the scatter's points (`views._scatter`)"),
    ("render_svg", "charts", "the charts' SVG (`render_svg`: the spec hashed, the cache read)"),
    ("view", "view", "the view's own work (`to_dicts` of the table, the context)"),
    ("csv", "view", "writing the CSV (`spend_file`)"),
    ("template", "template", "rendering the template (`render`)"),
    ("request", "Django", "the rest: middleware, session and sign-in, routing, the test "
                          "client"),
]


def instrument(breakdown: Breakdown) -> None:
    from django.db.models.query import QuerySet
    from django.db.models.sql.compiler import SQLCompiler

    from joinedup.resources import bases, charts, performance, views

    for owner, name, label in (
        (QuerySet, "_fetch_all", "orm"), (SQLCompiler, "execute_sql", "orm"),
        (bases, "areas_frame", "areas"), (bases, "ancestors", "ancestors"),
        (performance, "lines_frame", "lines"), (performance, "outcomes_frame", "outcomes"),
        (performance, "resources_against_performance", "matching"),
        (performance, "_described", "described"), (performance, "table", "table"),
        (views, "_spend_map", "map"), (views, "_scatter", "scatter"),
        (charts, "render_svg", "render_svg"), (views, "render", "template"),
        (views, "spend_file", "csv"),
    ):
        breakdown.wrap(owner, name, label)
    # The URL patterns hold the view already: wrap it where they hold it.
    from joinedup.resources import urls

    pattern = next(p for p in urls.urlpatterns if p.name == "performance")
    view = pattern.callback

    @functools.wraps(view)
    def own(request, *args, **kwargs):
        return breakdown.call("view", view, request, *args, **kwargs)

    pattern.callback = own


class Queries:
    """Each query's time at ``cursor.execute``, charged to the function of the project
    that made it (the innermost such frame on the stack)."""

    def __init__(self):
        self.made: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.made.append((_caller(), spent * 1000))

    def take(self) -> list[tuple[str, float]]:
        taken, self.made = self.made, []
        return taken


def _caller() -> str:
    for frame in reversed(traceback.extract_stack()[:-2]):
        where = frame.filename.replace(os.sep, "/")
        if "/joinedup/" in where:
            module = where.rsplit("/joinedup/", 1)[1].removesuffix(".py").replace("/", ".")
            return f"`{module}.{frame.name}`"
    return "Django itself (the session, the signed-in person)"


QUERY_ROUNDS = 30


def in_process(rounds: int) -> dict:
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    from joinedup.partnership.models import Person
    from joinedup.resources import performance
    from joinedup.resources.models import BudgetLine

    person = Person.objects.get(username=PERSON)
    client = TestClient()
    client.force_login(person)

    def get(path: str):
        answer = client.get(path, HTTP_HOST="127.0.0.1")
        if answer.status_code != 200:
            raise SystemExit(f"{path} as {PERSON}: HTTP {answer.status_code}")
        return answer

    found: dict = {"queries": {}, "table": {}, "table_queries": {}, "parts": {}}
    for label, path, _ in PAGES:
        get(path)
        with CaptureQueriesContext(connection) as queries:
            get(path)
        found["queries"][label] = len(queries)
    for label, theme in (("every theme", None), (f"one theme (`{THEME}`)", THEME)):
        with CaptureQueriesContext(connection) as queries:
            frame = performance.table(person, year=YEAR, theme=theme)
        found["table_queries"][label] = (len(queries), frame.height)
        times = []
        for round_ in range(WARM_UP + rounds):
            started = time.perf_counter()
            performance.table(person, year=YEAR, theme=theme)
            if round_ >= WARM_UP:
                times.append((time.perf_counter() - started) * 1000)
        found["table"][label] = times
    found["by_caller"] = {}
    queries = Queries()
    with connection.execute_wrapper(queries):
        for label, path, resource in PAGES:
            if not resource:
                continue
            runs = []
            for round_ in range(WARM_UP + QUERY_ROUNDS):
                queries.take()
                get(path)
                if round_ >= WARM_UP:
                    runs.append(queries.take())
            found["by_caller"][label] = runs
    breakdown = Breakdown()
    instrument(breakdown)
    with connection.execute_wrapper(breakdown.database):
        for label, path, resource in PAGES:
            if not resource:
                continue
            runs = []
            for round_ in range(WARM_UP + rounds):
                breakdown.take()
                breakdown.call("request", get, path)
                if round_ >= WARM_UP:
                    runs.append(breakdown.take())
            found["parts"][label] = runs
    found["lines"] = BudgetLine.objects.count()
    found["year_lines"] = BudgetLine.objects.visible_to(person).filter(
        financial_year=YEAR).count()
    return found


# --- the report -------------------------------------------------------------------------------

def report(engine: str, options, http: dict, found: dict) -> str:
    yardstick = _spread(http["yardstick: the overview page"])[1]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, {engine}, served by gunicorn (2 processes × 4 threads); one client signed "
        f"in as `{PERSON}`, {options.rounds} rounds after {WARM_UP} to warm up, each answer "
        f"once a round. A fresh demo partnership: {found['lines']:,} budget lines, "
        f"{found['year_lines']:,} of them in {YEAR}, every one visible to the finance "
        f"officer. 1-minute load average at the end: {os.getloadavg()[0]:.1f}. Goal: p95 at "
        f"most {GOAL_MS:.0f} ms for the table.",
        "",
        "| answer | median ms | p95 ms | p99 ms | slowest ms | queries | p95 ratio to the "
        "yardstick | goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, _, resource in PAGES:
        median, p95, p99, slowest = _spread(http[label])
        goal = ("**met**" if p95 <= GOAL_MS else "**not met**") if resource else ""
        lines.append(f"| {label} | {median:.1f} | {p95:.1f} | {p99:.1f} | {slowest:.1f} | "
                     f"{found['queries'][label]} | {p95 / yardstick:.2f} | {goal} |")
    lines += [
        "",
        f"`performance.table()` alone, in process, {options.rounds} calls after {WARM_UP}:",
        "",
        "| table | rows | median ms | p95 ms | p99 ms | slowest ms | queries |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, times in found["table"].items():
        median, p95, p99, slowest = _spread(times)
        queries, rows = found["table_queries"][label]
        lines.append(f"| {label} | {rows} | {median:.1f} | {p95:.1f} | {p99:.1f} | "
                     f"{slowest:.1f} | {queries} |")
    pages = [label for label, _, resource in PAGES if resource]
    medians = {page: {key: statistics.median(run.get(key, 0.0) * 1000
                                             for run in found["parts"][page])
                      for key, _, _ in PARTS} for page in pages}
    totals = {page: statistics.median(sum(run.values()) * 1000 for run in found["parts"][page])
              for page in pages}
    kinds = list(dict.fromkeys(kind for _, kind, _ in PARTS))
    by_kind = {page: {kind: statistics.median(
        sum(v for k, v in run.items() if _kind(k) == kind) * 1000
        for run in found["parts"][page]) for kind in kinds} for page in pages}
    lines += [
        "",
        f"Where the time goes: the same answers through Django's test client in process, "
        f"{options.rounds} each after {WARM_UP}, the functions the page calls wrapped, each "
        "charged its own time less the wrapped calls inside it; medians in ms (share of the "
        "median whole):",
        "",
        "| | " + " | ".join(pages) + " |",
        "|---" * (len(pages) + 1) + "|",
        "| **the whole answer, in process** | "
        + " | ".join(f"**{totals[p]:.1f}**" for p in pages) + " |",
        *(f"| **{kind}** | " + " | ".join(
            f"**{by_kind[p][kind]:.1f}** ({by_kind[p][kind] / totals[p]:.0%})" for p in pages)
          + " |" for kind in kinds),
        *(f"| … {text} | " + " | ".join(
            f"{medians[p][key]:.1f}" if medians[p][key] >= 0.05 else "–" for p in pages) + " |"
          for key, _, text in PARTS),
        "",
        f"The queries of each answer by the function that makes them: median ms per answer "
        f"at `cursor.execute` (queries per answer), {QUERY_ROUNDS} answers each after "
        f"{WARM_UP}:",
        "",
        *_by_caller(found["by_caller"], pages),
        "",
        "Each time over HTTP is one whole answer over a kept-alive connection on 127.0.0.1: "
        "the request sent, the answer built by the server (session, permissions, queries, "
        "the table in Polars, charts, template) and every byte of it read. The table page "
        "draws its scatter, and with a theme its ward map, as SVG inside the page; a chart "
        "already drawn with the same figures comes from the cache of the server process "
        "(the warm-up rounds fill it in both processes), so what a round pays for a chart "
        "is making its specification, hashing it and reading the cache, not drawing it. "
        "Neither side fetches the page's styles or scripts. The yardstick is measured in "
        "the same rounds, by the same client and server. `performance.table()` alone is the "
        "table the page and the export are built from, with no request, chart or template. "
        "In the breakdown, the ORM rows are every query of the answer, wherever it is made "
        "(the session, the person's groups, the years held, the lines, the assessment, the "
        "areas, the ward boundaries); the Polars rows are the table's own work less its "
        "queries; the kinds' rows are medians of their own, so they need not add up to the "
        "whole.",
    ]
    missed = [label for label, _, resource in PAGES
              if resource and _spread(http[label])[1] > GOAL_MS]
    if missed:
        lines += ["", "Where the goal is not met:", ""]
        for label in missed:
            page = label
            top = sorted(kinds, key=lambda k: -by_kind[page][k])
            lines.append(
                f"- {label}: p95 {_spread(http[label])[1]:.1f} ms over HTTP; in process "
                f"{totals[page]:.1f} ms, of which "
                + ", ".join(f"{kind} {by_kind[page][kind]:.1f} ms" for kind in top[:3])
                + ".")
    return "\n".join(lines)


def _by_caller(runs: dict, pages: list[str]) -> list[str]:
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    weight: dict[str, float] = defaultdict(float)
    for page in pages:
        callers = {caller for run in runs[page] for caller, _ in run}
        for caller in callers:
            spent = statistics.median(sum(ms for c, ms in run if c == caller)
                                      for run in runs[page])
            count = statistics.median(sum(1 for c, _ in run if c == caller)
                                      for run in runs[page])
            cells[caller][page] = f"{spent:.1f} ({count:.0f})"
            weight[caller] = max(weight[caller], spent)
    totals = [statistics.median(sum(ms for _, ms in run) for run in runs[page])
              for page in pages]
    return [
        "| made by | " + " | ".join(pages) + " |",
        "|---" * (len(pages) + 1) + "|",
        "| **every query of the answer** | " + " | ".join(
            f"**{total:.1f}** ({statistics.median(len(run) for run in runs[page]):.0f})"
            for total, page in zip(totals, pages, strict=True)) + " |",
        *(f"| {caller} | " + " | ".join(cells[caller].get(page, "–") for page in pages)
          + " |" for caller in sorted(weight, key=lambda c: -weight[c])),
    ]


def _kind(key: str) -> str:
    return next(kind for k, kind, _ in PARTS if k == key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url", help="a PostgreSQL server to make the database on")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    options = parser.parse_args()
    engine = "sqlite" if options.sqlite else "postgresql"
    folder = tempfile.mkdtemp(prefix="joinedup-resources-table-")
    env = {"SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": folder,
           "DJANGO_SETTINGS_MODULE": "joinedup.settings", "DEBUG": "false"}
    databases = Databases(Path(folder), None if options.sqlite
                          else postgres_url(options.database_url))
    try:
        say(f"building the demo partnership on {engine}…")
        databases.build(engine, {**os.environ, **env})
        env["DATABASE_URL"] = databases.url(engine)
        os.environ.update(env)
        from joinedup.demo.sources import DemoSources

        password = next(p["password"] for p in DemoSources().catalogue["person"]
                        if p["username"] == PERSON)
        say(f"serving it; {options.rounds} rounds over HTTP…")
        http = serve_and_measure(env, folder, password, options.rounds)
        import django

        django.setup()
        say("in process: queries, the table alone, where the time goes…")
        found = in_process(options.rounds)
        from django.db import connection

        connection.close()
    finally:
        databases.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    text = report(engine, options, http, found)
    print(text)
    write_section(f"Resources against performance, one client ({engine})", text)


if __name__ == "__main__":
    main()
