"""How fast are the layered pages? The triage page and the Board's report, one client.

A fresh demo partnership (PostgreSQL with ``--database-url``, else SQLite), set up as the
Steering Group would leave it before a Board meeting: the benchmark escalates the first
few red exceptions to the Board, each with a recommendation and commentary, and gives one
more a remedial plan (``pack.triage_a_handful``). So the triage page lists every open
exception of the demo, and the Board's report has escalated items to show.

The site is served as in production (``joinedup serve``: gunicorn, whitenoise, no debug)
on 127.0.0.1. One client, signed in, asks for each page in turn, round by round, over one
kept-alive connection, and times each whole answer (from sending the request to reading
the last byte):

- **the triage page** (``/exceptions/triage/``) as the Steering Group member;
- **the Board's report** (``/bodies/gsp-board/report/``) as the Board member;
- **the yardstick**: the overview page (``/``), as each of them, measured in the same
  rounds. It is the lightest page that reads the stored assessment, so the ratio of each
  page's p95 to its yardstick's says how much of the time is the page's own work and how
  much the server and the machine.

Goal: p95 at most 150 ms for each page, single client, PostgreSQL, demo data.

    python bench/pages.py [--rounds 200] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pack import triage_a_handful  # noqa: E402
from results import write_section  # noqa: E402

GOAL_MS = 150.0
WARM_UP = 10
PAGES = [
    ("the triage page", "steering.member", "/exceptions/triage/"),
    ("the Board's report", "board.member", "/bodies/gsp-board/report/"),
    ("yardstick: the overview page, as the Steering Group member", "steering.member", "/"),
    ("yardstick: the overview page, as the Board member", "board.member", "/"),
]


class Client:
    """One signed-in person's kept-alive connection, cookies and all."""

    def __init__(self, port: int, username: str, password: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        form = self.get("/account/sign-in/")[1]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        status, _ = self.post("/account/sign-in/", {
            "csrfmiddlewaretoken": token.decode(), "username": username,
            "password": password})
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"could not sign in as {username} (HTTP {status})")

    def get(self, path: str) -> tuple[int, bytes]:
        return self._send("GET", path)

    def post(self, path: str, fields: dict) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(fields)
        return self._send("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.connection.port}{path}"})

    def _send(self, method, path, body=None, headers=None) -> tuple[int, bytes]:
        headers = {**(headers or {}), "Host": f"127.0.0.1:{self.connection.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--escalate", type=int, default=6,
                        help="how many red exceptions the setup escalates to the Board")
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="joinedup-pages-")
    env = {"SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": folder,
           "DJANGO_SETTINGS_MODULE": "joinedup.settings", "DEBUG": "false"}
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from joinedup.demo.sources import DemoSources
    from joinedup.exceptions.models import IndicatorException
    from joinedup.partnership.models import Person

    call_command("demo", "--quiet", verbosity=0)
    escalated = triage_a_handful(Person.objects.get(username="officer"), options.escalate)
    open_exceptions = IndicatorException.objects.filter(state="open").count()
    engine = connection.vendor
    connection.close()
    passwords = {p["username"]: p["password"] for p in DemoSources().catalogue["person"]
                 if p.get("password")}

    port = _free_port()
    log = open(Path(folder) / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "joinedup.cli", "serve", "--no-worker", "--host", "127.0.0.1",
         "--port", str(port)], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server)
        clients = {name: Client(port, name, passwords[name])
                   for name in {person for _, person, _ in PAGES}}
        times = measure(clients, options.rounds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    text = report(options, engine, times, len(escalated), open_exceptions)
    print(text)
    write_section(f"Layered pages, one client ({engine})", text)


def measure(clients, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label, _, _ in PAGES}
    for round_ in range(WARM_UP + rounds):
        for label, person, path in PAGES:
            started = time.perf_counter()
            status, content = clients[person].get(path)
            spent = time.perf_counter() - started
            if status != 200:
                raise SystemExit(f"{path} as {person}: HTTP {status}")
            if round_ >= WARM_UP:
                times[label].append(spent * 1000)
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def report(options, engine: str, times, escalated: int, open_exceptions: int) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, {engine}, served by gunicorn (2 processes × 4 threads); one client, "
        f"{options.rounds} rounds after {WARM_UP} to warm up, each page once a round. The "
        f"demo partnership with {escalated} red exceptions escalated to the Board by the "
        f"benchmark's setup, and {open_exceptions} exceptions open for triage. 1-minute load "
        f"average at the end: {os.getloadavg()[0]:.1f}. Goal: p95 at most {GOAL_MS:.0f} ms.",
        "",
        "| page | as | median ms | p95 ms | slowest ms | p95 ratio to the yardstick | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    yardsticks = {person: _p95(times[label]) for label, person, _ in PAGES
                  if label.startswith("yardstick")}
    for label, person, _ in PAGES:
        values = times[label]
        p95 = _p95(values)
        if label.startswith("yardstick"):
            ratio, goal = "1.00", ""
        else:
            ratio = f"{p95 / yardsticks[person]:.2f}"
            goal = "**met**" if p95 <= GOAL_MS else "**not met**"
        lines.append(f"| {label} | `{person}` | {statistics.median(values):.1f} | {p95:.1f} | "
                     f"{max(values):.1f} | {ratio} | {goal} |")
    lines += [
        "",
        "Each time is one whole answer over a kept-alive connection on 127.0.0.1: the request "
        "sent, the page built by the server (session, permissions, queries, template) and "
        "every byte of it read. Neither side fetches the page's images, styles or charts "
        "(the triage page's and the report's charts are separate images, fetched by the "
        "browser as they come into view). The yardstick is measured in the same rounds as "
        "the pages, by the same client and server.",
    ]
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped before it started serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


if __name__ == "__main__":
    main()
