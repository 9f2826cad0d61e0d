"""Validated import of a million figures: values a second into SQLite and PostgreSQL.

Goal (issue 14): a validated import runs at no less than 0.85 of the speed of the
database's own bulk load of the same rows (the floor, below), measured in the same run,
with a 1M-row file. The file is made once, seeded, from the demo partnership: every
indicator × every area, monthly periods
from 1900-01 on (before any demo figure, so every row is new), as a partner's export
holds it: UTF-8 with a BOM, CRLF, a few codes typed in lower case without the space, a few
cells padded with spaces, thousands separators, numerator and denominator on a share of
the percentage rows. Values sit within each series' usual spread: none is an outlier.

Each round, for each database, on fresh copies of one demo partnership, each step (in
``import_steps.py``) in a process of its own (so its peak memory is its own):

- **import**: ``importing.import_file`` as the partnership officer, end to end (keep the
  file, read, check, write figures and history, commit), its phases timed by wrapping
  the module functions it calls;
- **re-import**: the same file again: every row unchanged, nothing written;
- **peer**: the plain Django way on a sample of the same rows, already parsed: model
  objects and ``bulk_create`` in one transaction, no checks, no history;
- **floor**: the database's own fastest load of every row, already parsed: ``COPY`` on
  PostgreSQL, multi-row ``INSERT`` on SQLite, into the same table: what an import that
  checked and recorded nothing would take, so it shows what this machine allows.

Medians go to bench/RESULTS.md (section "Validated import (1M rows)") for the full million
rows in the default order; other runs only print. The run's length is mostly the steps
themselves: a few minutes a round.

    python bench/import_values.py [--rows 1000000] [--rounds 3] [--engines sqlite,postgresql]
                                  [--order period|series] [--database-url postgres://…]

Without ``--database-url``, PostgreSQL is the throwaway test server (scripts/test-postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from import_steps import PEER_BATCH, STEPS  # noqa: E402
from results import write_section  # noqa: E402

FULL_SIZE = 1_000_000
GOAL = 0.85  # of the floor's values/s
CLI = [sys.executable, "-m", "joinedup.cli"]
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Databases:
    """One demo partnership built per engine, then copied afresh for every step.

    SQLite copies the file; PostgreSQL makes each copy with the built database as its
    template. A copy is dropped as soon as its round is done with it.
    """

    def __init__(self, folder: Path, server_url: str | None):
        self.folder, self.server = folder, (server_url or "").rsplit("/", 1)[0]
        self.templates: dict[str, str] = {}
        self.made: list[str] = []

    def _postgres(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
            admin.execute(sql)

    def url(self, engine: str, name: str | None = None) -> str:
        name = name or self.templates[engine]
        if engine == "sqlite":
            return f"sqlite:///{self.folder / name}.sqlite3"
        return f"{self.server}/{name}"

    def new(self, engine: str, template: str | None = None) -> str:
        name = f"bench_iv_{uuid.uuid4().hex[:8]}"
        if engine == "postgresql":
            self._postgres(f'CREATE DATABASE "{name}"'
                           + (f' TEMPLATE "{template}"' if template else ""))
            self.made.append(name)
        elif template:
            for suffix in ("", "-wal"):
                source = self.folder / f"{template}.sqlite3{suffix}"
                if source.exists():
                    shutil.copyfile(source, self.folder / f"{name}.sqlite3{suffix}")
        return name

    def build(self, engine: str, env: dict) -> None:
        name = self.new(engine)
        subprocess.run([*CLI, "demo", "--quiet"], check=True, capture_output=True,
                       env={**env, "DATABASE_URL": self.url(engine, name)})
        self.templates[engine] = name

    def copy(self, engine: str) -> str:
        return self.url(engine, self.new(engine, template=self.templates[engine]))

    def drop(self, url: str) -> None:
        if url.startswith("sqlite"):
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
            return
        name = url.rsplit("/", 1)[1]
        self._postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.remove(name)

    def drop_all(self) -> None:
        for name in list(self.made):
            self.drop(f"{self.server}/{name}")


def postgres_url(given: str | None) -> str:
    if given:
        return given
    started = subprocess.run([str(HERE.parent / "scripts" / "test-postgres"), "start"],
                             check=True, capture_output=True, text=True)
    return started.stdout.strip().splitlines()[-1]


def step(name: str, url: str, env: dict, **task) -> dict:
    """Run one step in a fresh process against ``url``; its report comes back as JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--step", name, "--task", json.dumps(task)],
        env={**env, "DATABASE_URL": url}, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the report -------------------------------------------------------------------------------

PHASES = {
    "keep": "keep the file as sent (`receive_file`)",
    "read": "read it into cells (`files.read_table`), beside the keeping",
    "reference": "load indicators and areas (`reference.load`)",
    "stored": "look up stored figures and history (`reference.figures_of`)",
    "check": "check every row (`parts.check_part`), beside the writing",
    "write": "write figures and history (`writing.Writer`)",
    "send": "… of which sending the figures (`writing._create`, `Writer._insert`)",
    "record": "… of which their history (`recording.record_run`)",
    "commit": "commit",
    "waiting": "the rest of the transaction: splitting into parts, waiting for the checks",
    "rest": "read the file from disk, record the upload's outcome",
}
#: Phases that run beside others, on a thread of their own.
BESIDE = ("read", "check")


def phases_of(run: dict) -> dict[str, float]:
    p = run["phases"]
    return {**p, "check": p.get("check", 0.0), "send": p.get("send", 0.0),
            "record": p.get("record", 0.0), "write": p.get("write", 0.0),
            "waiting": p["table"] - p["reference"] - p["stored"] - p.get("write", 0.0)
            - p["commit"],
            "rest": run["seconds"] - p["keep"] - p["table"]}


def column(runs: dict, rows: int) -> tuple[list[str], str | None]:
    """One database's cells of the table, and what stops it meeting the goal, if it fails."""
    median = statistics.median
    taken = median(r["seconds"] for r in runs["import"])
    again = median(r["seconds"] for r in runs["reimport"])
    peer = median(r["seconds"] for r in runs["peer"])
    peer_rate = runs["peer"][0]["rows"] / peer
    floor = median(r["seconds"] for r in runs["floor"])
    floor_rate = runs["floor"][0]["rows"] / floor
    phases = {k: median(phases_of(r)[k] for r in runs["import"]) for k in PHASES}
    rate = rows / taken
    ratio = rate / floor_rate
    each = [f["seconds"] / i["seconds"] for i, f in zip(runs["import"], runs["floor"],
                                                        strict=True)]
    cells = [f"{taken:.1f}", f"**{rate:,.0f}**",
             f"{floor:.1f} ({floor_rate:,.0f} values/s)", f"**{ratio:.2f}**",
             ", ".join(f"{r:.2f}" for r in each),
             "met" if ratio >= GOAL else "**not met**",
             *(f"{phases[k]:.2f} ({phases[k] / taken:.0%})" for k in PHASES),
             f"{median(r['peak_mib'] for r in runs['import']):,.0f} (before: "
             f"{median(r['before_mib'] for r in runs['import']):,.0f})",
             f"{again:.1f} ({rows / again:,.0f} values/s)",
             f"{median(r['phases']['stored'] for r in runs['reimport']):.1f}",
             f"{peer:.2f} for {runs['peer'][0]['rows']:,} ({peer_rate:,.0f} values/s)",
             f"{rate / peer_rate:.2f}"]
    if ratio >= GOAL:
        return cells, None
    main = [k for k in PHASES if k not in (*BESIDE, "send", "record")]
    top = sorted(main, key=lambda k: -phases[k])
    beyond = taken - floor
    first = max(phases["keep"], phases["read"]) + phases["waiting"]
    return cells, (
        f"{ratio:.2f} of the floor's speed, short of {GOAL:.2f}: at the goal the import "
        f"would take {floor / GOAL:.1f} s, and takes {taken:.1f} s, {beyond:.1f} s more "
        f"than the floor's {floor:.1f} s. Of the time of the thread that holds the "
        "transaction, the largest phases: "
        + "; ".join(f"{PHASES[k].split(' (`')[0]}, {phases[k]:.2f} s" for k in top[:4])
        + f". Why: sending the figures takes {phases['send']:.1f} s, against the floor's "
        f"{floor:.1f} s for loading them and committing, because the checking "
        f"({phases['check']:.1f} s of work, on a second thread) shares the machine's "
        f"{os.cpu_count()} cores with the database's own work and slows it; and about "
        f"{first:.1f} s pass before the first part is written (keeping and reading the "
        "file, splitting it into parts, checking the first), and the commit "
        f"({phases['commit']:.2f} s) comes after the last.")


def report(made: dict, runs: dict, rows: int, rounds: int, order: str) -> str:
    engines = list(runs)
    columns = {e: column(runs[e], rows) for e in engines}
    labels = ["validated import, end to end (s)", "values/s",
              "floor: the database's own bulk load of every row, parsed, no checks or "
              "history, s", "our values/s ÷ the floor's (medians)",
              "… round by round (floor's seconds ÷ the import's, measured one after the "
              "other)", f"goal: ≥ {GOAL:.2f} of the floor",
              *(f"… {label}, s (share)" for label in PHASES.values()),
              "peak memory of the importing process, MiB (before the import)",
              "re-import of the same file, every row unchanged, s",
              "… of which looking up the stored figures (`reference.figures_of`), s",
              f"peer: model objects and `bulk_create(batch_size={PEER_BATCH})` of parsed "
              "rows, s", "our values/s ÷ the peer's"]
    loads = [r["load"] for e in engines for kind in runs[e].values() for r in kind]
    ordered = ("by period, then indicator and area (templates per month, concatenated)"
               if order == "period" else "by indicator, area and period (as an export)")
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores; {rounds} rounds, medians; each step in a fresh process on a fresh copy of "
        f"the demo partnership. The file: {rows:,} rows, {made['bytes'] / 1e6:.0f} MB "
        f"(UTF-8 with a BOM, CRLF), {made['indicators']} indicators × {made['areas']} "
        f"areas × {made['periods']} monthly periods, rows ordered {ordered}, "
        f"{made['counted']:,} with numerator and denominator; imported by "
        "`importing.import_file` as the partnership officer, all rows new. The machine was "
        f"shared: 1-minute load average {min(loads):.1f}–{max(loads):.1f} at the ends of "
        f"the steps. Goal: a validated import at no less than {GOAL:.2f} of the speed of "
        "the database's own bulk load of the same rows (the floor, measured in the same "
        f"run): our values/s ÷ the floor's ≥ {GOAL:.2f}.",
        "",
        "| | " + " | ".join(ENGINES[e] for e in engines) + " |",
        "|---" * (len(engines) + 1) + "|",
        *(f"| {label} | " + " | ".join(columns[e][0][i] for e in engines) + " |"
          for i, label in enumerate(labels)),
        "",
        "The import keeps the file as sent, checks every row, writes the figures and "
        "records their creation (one change over the run of figures an upload creates; "
        "see docs/returns.md). The peer writes the figures alone, from rows already "
        "parsed, with no checks, the plain Django way (its rate is its per-row rate on its "
        "sample). The floor is what the database itself takes to load every row of the "
        "file, parsed and resolved to ids, through its fastest bulk path (PostgreSQL's "
        "`COPY`, SQLite's multi-row `INSERT`) into the same table with the same indexes and "
        "constraints, and commit: what an import that checked and recorded nothing would "
        "take on this machine. A file of more than one part's rows "
        "(`parts.ROWS_PER_PART`) is checked a part at a time on a second thread while the "
        "thread that holds the transaction looks up what is stored and writes the part "
        "before; the file is read into cells on a second thread while it is kept. So the "
        "phases marked \"beside\" overlap the others. The rest of the transaction is "
        "what the thread that holds it spends outside its look-ups, writing and commit: "
        "splitting the rows into parts, and waiting for the checks of the first part. "
        "Phases are medians of their own, so they need not add up to the median total.",
    ]
    short = [f"- {ENGINES[e]}: {columns[e][1]}" for e in engines if columns[e][1]]
    return "\n".join(lines + (["", "Where the goal is not met:", "", *short] if short else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_SIZE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--order", choices=("period", "series"), default="period",
                        help="rows by period (templates concatenated) or by series (an export)")
    parser.add_argument("--database-url", help="a PostgreSQL server to make databases on")
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.step:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
        django.setup()
        print(json.dumps(STEPS[options.step](json.loads(options.task)), default=str))
        return
    engines = [e.strip() for e in options.engines.split(",") if e.strip()]
    if not engines or set(engines) - set(ENGINES):
        parser.error(f"--engines takes {' and '.join(ENGINES)}")
    folder = Path(tempfile.mkdtemp(prefix="joinedup-import-bench-"))
    env = {**os.environ, "SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": str(folder),
           "DJANGO_SETTINGS_MODULE": "joinedup.settings"}
    databases = Databases(folder, postgres_url(options.database_url)
                          if "postgresql" in engines else None)
    runs = {e: {"import": [], "reimport": [], "peer": [], "floor": []} for e in engines}
    try:
        for engine in engines:
            say(f"building the demo partnership on {ENGINES[engine]}…")
            databases.build(engine, env)
        values, parsed = folder / "values.csv", folder / "parsed.parquet"
        say(f"writing a file of {options.rows:,} figures…")
        made = step("generate", databases.url(engines[0]), env, rows=options.rows,
                    seed=options.seed, order=options.order, path=str(values),
                    parsed=str(parsed))
        say(f"{values.name}: {made['bytes'] / 1e6:.0f} MB")
        for round_number in range(1, options.rounds + 1):
            for engine in engines:
                url = databases.copy(engine)
                peer = step("peer", url, env, parsed=str(parsed), seed=options.seed)
                databases.drop(url)
                url = databases.copy(engine)
                floor = step("floor", url, env, parsed=str(parsed))
                databases.drop(url)
                url = databases.copy(engine)
                task = {"path": str(values), "rows": options.rows}
                first = step("import", url, env, **task, first=True)
                again = step("import", url, env, **task, first=False)
                databases.drop(url)
                for kind, run in (("peer", peer), ("floor", floor), ("import", first),
                                  ("reimport", again)):
                    runs[engine][kind].append(run)
                say(f"round {round_number}, {ENGINES[engine]}: import {first['seconds']:.1f} s "
                    f"({options.rows / first['seconds']:,.0f} values/s), re-import "
                    f"{again['seconds']:.1f} s, peer {peer['seconds']:.2f} s for "
                    f"{peer['rows']:,} rows, floor {floor['seconds']:.1f} s")
    finally:
        databases.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    text = report(made, runs, options.rows, options.rounds, options.order)
    print(text)
    if options.rows == FULL_SIZE and options.order == "period":
        write_section("Validated import (1M rows)", text)
    else:
        say("not written to bench/RESULTS.md: the measure there is "
            f"{FULL_SIZE:,} rows in the default order")


if __name__ == "__main__":
    main()
