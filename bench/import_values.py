"""Validated import of a million figures: values a second into SQLite and PostgreSQL.

Goal (issue 4): at least 200,000 values/s, measured with a 1M-row file. The file is made
once, seeded, from the demo partnership: every indicator × every area, monthly periods
from 1900-01 on (before any demo figure, so every row is new), as a partner's export
holds it: UTF-8 with a BOM, CRLF, a few codes typed in lower case without the space, a few
cells padded with spaces, thousands separators, numerator and denominator on a share of
the percentage rows. Values sit within each series' usual spread: none is an outlier.

Each round, for each database, on fresh copies of one demo partnership, each step in a
process of its own (so its peak memory is its own):

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
themselves: a few minutes at the goal's speed, longer at the speed RESULTS.md records.

    python bench/import_values.py [--rows 1000000] [--rounds 3] [--engines sqlite,postgresql]
                                  [--order period|series] [--database-url postgres://…]

Without ``--database-url``, PostgreSQL is the throwaway test server (scripts/test-postgres).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import resource
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
from results import write_section  # noqa: E402

FULL_SIZE = 1_000_000
GOAL = 200_000  # values/s
PEER_ROWS = 100_000
PEER_BATCH = 1_000
SENDER = "officer"
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


def _measures(**extra) -> dict:
    """What every step reports: its peak memory, and how busy the machine was."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mib": peak, "load": os.getloadavg()[0], **extra}


# --- the file ---------------------------------------------------------------------------------

def _range(median: float | None, mad: float | None, unit: str, decimals: int,
           allows_negative: bool) -> tuple[float, float, int]:
    """Centre, half-width and decimal places of a series' new figures.

    The centre is the series' median; the half-width 1.5 × its median absolute deviation
    (MAD) when it has figures, else 10% of the centre. Spread evenly within that, the new
    figures' own MAD is about half the half-width, so with or without the stored ones none
    scores much above 0.6745 × 2 ≈ 1.35 on the outlier test (flagged above 3.5). Beside
    stored figures, new ones keep six places as those do, lest rounding to the
    indicator's places set them apart from a tight series.
    """
    low = -math.inf if allows_negative else 0.0
    out_of = re.search(r"out of (\d+)", unit)
    high = (float(out_of.group(1)) if out_of else
            100.0 if unit.startswith("%") and "expected" not in unit else math.inf)
    centre = median if median is not None else (high / 2 if high < math.inf else 100.0)
    half = 1.5 * mad if mad is not None else max(0.1 * abs(centre), 10 * 10.0 ** -decimals)
    if high < math.inf:
        half = min(half, (high - max(low, 0.0)) / 4)
    places = decimals if mad is None else max(decimals, 6)
    return min(max(centre, low + half), high - half), half, places


def generate_step(task: dict) -> dict:
    """Write the seeded file of figures, and its rows already parsed, for the peers."""
    import numpy as np
    import polars as pl

    from joinedup.core.periods import parse_period
    from joinedup.places.models import Area
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    rows, rng = task["rows"], np.random.default_rng(task["seed"])
    indicators = list(Indicator.objects.order_by("code")
                      .values_list("code", "unit", "decimals", "allows_negative"))
    areas = list(Area.objects.order_by("code").values_list("code", flat=True))
    stored = pl.DataFrame(
        list(DataValue.objects.values_list("indicator__code", "area__code", "value")),
        schema=["indicator", "area", "value"], orient="row")
    by_series = {(i, a): (m, d) for i, a, m, d in stored.group_by("indicator", "area").agg(
        pl.col("value").median(),
        (pl.col("value") - pl.col("value").median()).abs().median().alias("mad")).iter_rows()}
    by_indicator = dict(stored.group_by("indicator").agg(pl.col("value").median()).iter_rows())
    spans = [_range(*by_series.get((code, area), (by_indicator.get(code), None)), unit,
                    decimals, negative)
             for code, unit, decimals, negative in indicators for area in areas]
    centre, half, places = (np.array(column) for column in zip(*spans, strict=True))
    # A template per month, concatenated: by period, then indicator, then area.
    series, month = np.arange(rows) % len(spans), np.arange(rows) // len(spans)
    # Spread evenly however few months there are: a golden-ratio sequence from a random
    # start, with a little jitter, so that no short series looks lopsided.
    spread = np.mod(rng.random(len(spans))[series] + month * 0.6180339887
                    + rng.uniform(0, 0.05, rows), 1.0)
    value, decimals = centre[series] + half[series] * (2 * spread - 1), places[series]
    for kept in np.unique(decimals):
        value[decimals == kept] = np.round(value[decimals == kept], kept)
    percent = np.array([unit == "%" for _, unit, _, _ in indicators])
    counted = percent[series // len(areas)] & (rng.random(rows) < 0.3)
    denominator = rng.integers(200, 150_000, rows)
    numerator = np.round(value / 100 * denominator)
    if task["order"] == "series":  # as an export is ordered: indicator, area, period
        order = np.lexsort((month, series))
        series, month, value, decimals, counted, numerator, denominator = (
            c[order] for c in (series, month, value, decimals, counted, numerator, denominator))
    labels = [f"{1900 + m // 12}-{m % 12 + 1:02d}" for m in range(int(month.max()) + 1)]
    quirks = rng.random((rows, 4)).tolist()
    path = Path(task["path"])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(["indicator", "area", "period", "value", "numerator", "denominator"])
        for s, m, figure, kept, has_counts, num, den, quirk in zip(
                series.tolist(), month.tolist(), value.tolist(), decimals.tolist(),
                counted.tolist(), numerator.tolist(), denominator.tolist(), quirks, strict=True):
            code = indicators[s // len(areas)][0]
            typed = code.replace(" ", "").lower() if quirk[0] < 0.03 else code
            shown = (f"{figure:,.{kept}f}" if quirk[1] < 0.5 and abs(figure) >= 1000
                     else f"{figure:.{kept}f}")
            shown = f" {shown} " if quirk[2] < 0.02 else shown
            counts = ([f"{num:.0f}", f"{den:,}" if quirk[3] < 0.5 else str(den)]
                      if has_counts else ["", ""])
            out.writerow([typed, areas[s % len(areas)], labels[m], shown, *counts])
    periods = [parse_period(label) for label in labels]
    by_month = pl.DataFrame({"month": range(len(labels)), "period": labels,
                             "period_start": [p.start for p in periods],
                             "period_end": [p.end for p in periods]})
    codes = np.array([code for code, *_ in indicators])
    pl.DataFrame({
        "indicator": codes[series // len(areas)], "area": np.array(areas)[series % len(areas)],
        "month": month, "value": value,
        "numerator": np.where(counted, numerator, np.nan),
        "denominator": np.where(counted, denominator, np.nan),
    }).join(by_month, on="month", how="left", maintain_order="left").select(
        "indicator", "area", "period", "period_start", "period_end", "value",
        pl.col("numerator", "denominator").fill_nan(None),
    ).write_parquet(task["parsed"])
    return {"bytes": path.stat().st_size, "indicators": len(indicators), "areas": len(areas),
            "periods": len(labels), "counted": int(counted.sum())}


# --- the steps timed --------------------------------------------------------------------------

def import_step(task: dict) -> dict:
    """The validated import of the file, timed whole and by phase; checks what it saved."""
    from joinedup.history.models import Change
    from joinedup.partnership.models import Person
    from joinedup.returns import files, importing, reference, validation, writing

    phases: dict[str, float] = {}

    def timed(module, name: str, key: str) -> None:
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[key] = phases.get(key, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    for module, name, key in (
        (importing, "receive_file", "keep"), (files, "read_table", "read"),
        (importing, "import_table", "table"), (reference, "load", "reference"),
        (reference, "stored", "stored"), (validation, "check", "check"),
        (writing, "write", "write"), (writing, "_send", "send"),
        (writing, "_record_run", "record"),
    ):
        timed(module, name, key)
    user = Person.objects.get(username=SENDER)
    changes_before = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    path = Path(task["path"])
    before = _measures()["peak_mib"]
    started = time.perf_counter()
    result = importing.import_file(path.read_bytes(), path.name, user=user)
    took = time.perf_counter() - started
    if result.problems or not result.saved:
        shown = "; ".join(str(p) for p in result.problems[:5])
        raise SystemExit(f"the import did not save: {len(result.problems)} problems: {shown}")
    expected = (task["rows"], 0, 0) if task["first"] else (0, 0, task["rows"])
    if (result.created, result.changed, result.unchanged) != expected:
        raise SystemExit(f"expected created/changed/unchanged {expected}, got "
                         f"{(result.created, result.changed, result.unchanged)}")
    recorded = Change.objects.filter(pk__gt=changes_before)
    if result.created:
        covered = sum(c.run_size for c in recorded.filter(action="create"))
        if covered != result.created:
            raise SystemExit(f"{result.created} figures created but {covered} recorded")
    elif recorded.exists():
        raise SystemExit("nothing changed, but changes were recorded")
    return _measures(seconds=took, phases=phases, before_mib=before)


def peer_step(task: dict) -> dict:
    """Django's own way: the sample's parsed rows as model objects, then ``bulk_create``."""
    import polars as pl
    from django.db import transaction

    from joinedup.places.models import Area
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    indicators = dict(Indicator.objects.values_list("code", "pk"))
    areas = dict(Area.objects.values_list("code", "pk"))
    rows = pl.read_parquet(task["parsed"])
    sample = rows.sample(n=min(PEER_ROWS, rows.height), seed=task["seed"])
    parsed = [(indicators[i], areas[a], *rest) for i, a, *rest in sample.iter_rows()]
    before = DataValue.objects.count()
    started = time.perf_counter()
    objects = [DataValue(indicator_id=i, area_id=a, period=label, period_start=start,
                         period_end=end, value=value, numerator=numerator,
                         denominator=denominator)
               for i, a, label, start, end, value, numerator, denominator in parsed]
    with transaction.atomic():
        DataValue.objects.bulk_create(objects, batch_size=PEER_BATCH)
    took = time.perf_counter() - started
    if DataValue.objects.count() - before != len(parsed):
        raise SystemExit("bulk_create did not save every row")
    return _measures(seconds=took, rows=len(parsed))


def floor_step(task: dict) -> dict:
    """The database's own fastest load of every row, already parsed and resolved to ids,
    into the figures table: no checks, no history, no file kept. PostgreSQL: one ``COPY``
    of CSV; SQLite: multi-row ``INSERT`` statements of 500 rows. One transaction."""
    import polars as pl
    from django.db import connection

    from joinedup.places.models import Area
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    indicators = pl.DataFrame(list(Indicator.objects.values_list("code", "pk")),
                              schema=["indicator", "indicator_id"], orient="row")
    areas = pl.DataFrame(list(Area.objects.values_list("code", "pk")),
                         schema=["area", "area_id"], orient="row")
    first = (DataValue.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    rows = (pl.read_parquet(task["parsed"]).join(indicators, on="indicator")
            .join(areas, on="area").sort("indicator_id", "area_id", "period_start")
            .select(pl.int_range(first, first + pl.len()).alias("id"), "indicator_id",
                    "area_id", "period", pl.col("period_start", "period_end").cast(pl.String),
                    "value", "numerator", "denominator"))
    fixed = {"note": "''", "state": "'draft'", "returned_reason": "''", "version": "1",
             "updated_at": "'2026-01-01 00:00:00'"}
    names = ", ".join([*rows.columns, *fixed])
    before = DataValue.objects.count()
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        text = rows.with_columns(pl.lit(v.strip("'")).alias(k) for k, v in fixed.items())
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY returns_datavalue ({names}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(text.write_csv(include_header=False))
        raw.commit()
    else:
        per = 500
        one = f"({', '.join('?' * rows.width)}, {', '.join(fixed.values())})"
        cells = [None] * (rows.height * rows.width)  # row after row, built column-wise
        for index, name in enumerate(rows.columns):
            cells[index::rows.width] = rows[name].to_list()
        step_size = per * rows.width
        whole = len(cells) // step_size * step_size
        raw.execute("BEGIN IMMEDIATE")
        insert = f"INSERT INTO returns_datavalue ({names}) VALUES "
        raw.executemany(insert + ", ".join([one] * per),
                        (cells[i:i + step_size] for i in range(0, whole, step_size)))
        if whole < len(cells):
            raw.execute(insert + ", ".join([one] * ((len(cells) - whole) // rows.width)),
                        cells[whole:])
        raw.execute("COMMIT")
    took = time.perf_counter() - started
    if DataValue.objects.count() - before != rows.height:
        raise SystemExit("the floor did not load every row")
    return _measures(seconds=took, rows=rows.height)


STEPS = {"generate": generate_step, "import": import_step, "peer": peer_step,
         "floor": floor_step}


# --- the report -------------------------------------------------------------------------------

PHASES = {
    "keep": "keep the file as sent (`receive_file`)",
    "read": "read it into cells (`files.read_table`)",
    "reference": "load indicators and areas (`reference.load`)",
    "stored": "look up stored figures and history (`reference.stored`)",
    "check": "check every row (`validation.check`, less the look-up)",
    "write": "write figures and history (`writing.write`)",
    "send": "… of which the figures (`writing._send`)",
    "record": "… of which their history (`writing._record_run`)",
    "commit": "commit, and the rest of the transaction",
    "rest": "read the file from disk, record the upload's outcome",
}


def phases_of(run: dict) -> dict[str, float]:
    p = run["phases"]
    return {**p, "check": p["check"] - p["stored"], "send": p.get("send", 0.0),
            "record": p.get("record", 0.0),
            "commit": p["table"] - p["reference"] - p["check"] - p["write"],
            "rest": run["seconds"] - p["keep"] - p["read"] - p["table"]}


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
    cells = [f"{taken:.1f}", f"**{rate:,.0f}**", "met" if rate >= GOAL else "**not met**",
             *(f"{phases[k]:.2f} ({phases[k] / taken:.0%})" for k in PHASES),
             f"{median(r['peak_mib'] for r in runs['import']):,.0f} (before: "
             f"{median(r['before_mib'] for r in runs['import']):,.0f})",
             f"{again:.1f} ({rows / again:,.0f} values/s)",
             f"{median(r['phases']['stored'] for r in runs['reimport']):.1f}",
             f"{peer:.2f} for {runs['peer'][0]['rows']:,} ({peer_rate:,.0f} values/s)",
             f"{rate / peer_rate:.2f}",
             f"{floor:.1f} ({floor_rate:,.0f} values/s)", f"{rate / floor_rate:.2f}"]
    if rate >= GOAL:
        return cells, None
    top = sorted((k for k in PHASES if k not in ("send", "record")), key=lambda k: -phases[k])
    floor_says = (f"the database alone, loading the same rows already parsed with no checks "
                  f"and no history, takes {floor:.1f} s ({floor_rate:,.0f} values/s), "
                  + ("itself short of the goal" if floor_rate < GOAL else "within the goal"))
    return cells, (
        f"{rate:,.0f} values/s, {GOAL / rate:.1f}× short of the goal (it needs "
        f"{rows / GOAL:.1f} s, takes {taken:.1f} s); {floor_says}. The phases that "
        "dominate: "
        + "; ".join(f"{PHASES[k].split(' (`')[0]}, {phases[k]:.1f} s ({phases[k] / taken:.0%})"
                    for k in top[:2])
        + f". Of the writing, the figures take {phases['send']:.1f} s and their history "
        f"{phases['record']:.2f} s.")


def report(made: dict, runs: dict, rows: int, rounds: int, order: str) -> str:
    engines = list(runs)
    columns = {e: column(runs[e], rows) for e in engines}
    labels = ["validated import, end to end (s)", "values/s", f"goal ≥ {GOAL:,} values/s",
              *(f"… {label}, s (share)" for label in PHASES.values()),
              "peak memory of the importing process, MiB (before the import)",
              "re-import of the same file, every row unchanged, s",
              "… of which looking up the stored figures (`reference.stored`), s",
              f"peer: model objects and `bulk_create(batch_size={PEER_BATCH})` of parsed "
              "rows, s", "our values/s ÷ the peer's",
              "floor: the database's own bulk load of every row, parsed, no checks or "
              "history, s", "our values/s ÷ the floor's"]
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
        f"the steps. Goal: at least {GOAL:,} values/s.",
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
        "take on this machine. Phases "
        "are medians of their own, so they need not add up to the median total.",
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
