"""A spend return of 100,000 lines against the figures import, per row.

Goal: a spend import of 100,000 lines at least as fast, per row, as the figures import.

Two files of the same number of rows, made once, seeded, from the demo partnership:

- **the spend return**: Gateshead Council's budget lines as its export and template lay
  them out (``spend_return.EXPORT``), sent by the finance officer: each of the council's
  funding streams × every theme × every ward × single, aligned and pooled, for financial
  years from 1900/01 on (before any demo line, so every line is new); budgets in pounds
  and pence, some with thousands separators, actuals for a share of the quarters, a
  share of the ward lines saying the base they were apportioned by (kept as sent); UTF-8
  with a BOM, CRLF, a few codes typed as names or in capitals, a few cells padded with
  spaces;
- **the figures return**: made by bench/import_values.py's own generator (``generate``
  in bench/import_steps.py), the same kind of file the million-row benchmark imports,
  cut to the same number of rows.

Each round, for each database, each import on a fresh copy of one demo partnership, in a
process of its own, the two in turn (which goes first alternates round by round), timed
end to end, from the file's bytes read from disk to the rows saved and committed:

- **spend**: ``spend_import.import_spend_file`` as the finance officer: read, check every
  row, write the lines and their history; its phases timed by wrapping the functions it
  calls (here, in this file only);
- **figures**: ``importing.import_file`` as the partnership officer, as bench/import_values.py
  times it (its ``import`` step): keep the file, read, check, write figures and history.

The goal is per row; a spend line is wider than a figure (more columns, more bytes), so
the report gives cells per second too, rows × the file's columns ÷ time.

Medians go to bench/RESULTS.md (section "Spend import against the figures import") for
100,000 rows; other runs only print.

    python bench/spend_import.py [--rows 100000] [--rounds 3] [--engines sqlite,postgresql]
                                 [--database-url postgres://…]

Without ``--database-url``, PostgreSQL is the throwaway test server (scripts/test-postgres).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import import_values  # noqa: E402
from import_steps import _measures, phase_timer  # noqa: E402
from import_values import ENGINES, Databases, postgres_url, say  # noqa: E402
from results import write_section  # noqa: E402

FULL_SIZE = 100_000
PARTNER = "gateshead-council"
SENDER = "finance.officer"
ARRANGEMENTS = ("single", "aligned", "pooled")
DESCRIPTIONS = ("Published revenue spending mapped to the theme",
                "Neighbourhood services aligned with the theme's plan",
                "Contribution to the pooled budget", "Capital works in the ward")


def step(name: str, url: str, env: dict, **task) -> dict:
    """Run one of this file's steps in a fresh process against ``url``."""
    done = subprocess.run(
        [sys.executable, __file__, "--step", name, "--task", json.dumps(task)],
        env={**env, "DATABASE_URL": url}, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the steps, each in a process of its own --------------------------------------------------

def generate_step(task: dict) -> dict:
    """Write the seeded spend return: every line new, every key once."""
    import numpy as np

    from joinedup.partnership.models import Organisation
    from joinedup.places.models import Area
    from joinedup.resources.models import FundingStream, PooledBudget
    from joinedup.resources.spend_return import EXPORT
    from joinedup.strategy.models import Theme

    rows, rng = task["rows"], np.random.default_rng(task["seed"])
    partner = Organisation.objects.get(slug=PARTNER)
    streams = list(FundingStream.objects.filter(partner=partner).order_by("slug")
                   .values_list("slug", flat=True))
    themes = list(Theme.objects.order_by("slug").values_list("slug", flat=True))
    wards = list(Area.objects.filter(level="ward").order_by("code")
                 .values_list("code", flat=True))
    pool = PooledBudget.objects.order_by("slug").values_list("slug", flat=True).first()
    per_year = len(streams) * len(themes) * len(wards) * len(ARRANGEMENTS)
    years = -(-rows // per_year)
    budget = np.round(rng.uniform(500, 750_000, rows), 2)
    quarters_in = rng.integers(0, 5, rows)  # how many quarters' actuals the line has
    shares = rng.uniform(0.18, 0.30, (rows, 4))
    quirks = rng.random((rows, 6)).tolist()
    path = Path(task["path"])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(EXPORT)
        index = 0
        for year in range(1900, 1900 + years):
            label = f"{year}/{(year + 1) % 100:02d}"
            for stream in streams:
                for theme in themes:
                    for ward in wards:
                        for arrangement in ARRANGEMENTS:
                            if index == rows:
                                break
                            quirk = quirks[index]
                            amount = float(budget[index])
                            money = [_pounds(amount, quirk[0])] + [
                                _pounds(round(amount * float(shares[index, q]), 2), quirk[0])
                                if q < quarters_in[index] else "" for q in range(4)]
                            out.writerow([
                                "Gateshead Council" if quirk[1] < 0.02 else PARTNER,
                                stream.upper() if quirk[2] < 0.02 else stream,
                                f" {theme} " if quirk[3] < 0.02 else theme,
                                "", ward, label, arrangement,
                                pool if arrangement == "pooled" else "", *money,
                                "population" if quirk[4] < 0.3 else "",
                                DESCRIPTIONS[int(quirk[5] * len(DESCRIPTIONS))],
                                "yes" if quirk[4] > 0.95 else "no"])
                            index += 1
    return {"bytes": path.stat().st_size, "streams": len(streams), "themes": len(themes),
            "wards": len(wards), "years": years, "first_year": "1900/01",
            "last_year": f"{1900 + years - 1}/{(1900 + years) % 100:02d}"}


def _pounds(amount: float, quirk: float) -> str:
    return f"{amount:,.2f}" if quirk < 0.5 else f"{amount:.2f}"


def spend_step(task: dict) -> dict:
    """The spend import of the file, timed whole and by phase; checks what it saved."""
    from django.db import connection

    from joinedup.common import bulk
    from joinedup.history.models import Change
    from joinedup.partnership.models import Person
    from joinedup.resources import events, spend_import, spend_return
    from joinedup.resources.models import BudgetLine

    phases: dict[str, float] = {}
    timed = phase_timer(phases)

    for module, name, key in (
        (spend_import, "read_table", "read"), (spend_import, "import_spend_table", "table"),
        (spend_import, "spend_reference", "reference"), (spend_import, "check_spend", "check"),
        (spend_return, "_cell_problems", "cells"), (spend_import, "spread_to_wards", "spread"),
        (spend_return, "_duplicates", "duplicates"), (spend_return, "_compare", "compare"),
        (spend_import, "stored_lines", "stored"), (spend_import, "_create", "write"),
        (spend_import, "_update", "update"), (bulk, "send", "send"),
        (spend_import, "record_run", "record"), (events, "announce", "announce"),
    ):
        timed(module, name, key)
    if connection.vendor == "postgresql":
        # PostgreSQL checks the lines' foreign keys at commit (they are deferred). Fire them
        # just before it, in the same transaction, so that their time is seen on its own.
        announce = events.announce

        def constraints_then_announce(years):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            phases["constraints"] = time.perf_counter() - started
            return announce(years)

        events.announce = constraints_then_announce
    user = Person.objects.get(username=SENDER)
    lines_before = BudgetLine.objects.count()
    changes_before = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    path = Path(task["path"])
    before = _measures()["peak_mib"]
    started = time.perf_counter()
    result = spend_import.import_spend_file(path.read_bytes(), path.name, user=user)
    took = time.perf_counter() - started
    if result.problems or not result.saved:
        shown = "; ".join(str(p) for p in result.problems[:5])
        raise SystemExit(f"the spend import did not save: {len(result.problems)} problems: "
                         f"{shown}")
    if (result.created, result.changed, result.unchanged) != (task["rows"], 0, 0):
        raise SystemExit(f"expected {task['rows']} lines created, got created/changed/"
                         f"unchanged {(result.created, result.changed, result.unchanged)}")
    if BudgetLine.objects.count() - lines_before != task["rows"]:
        raise SystemExit("the spend import did not save every line")
    covered = sum(c.run_size for c in Change.objects.filter(pk__gt=changes_before,
                                                             action="create"))
    if covered != task["rows"]:
        raise SystemExit(f"{task['rows']} lines created but {covered} recorded")
    tables = {"spend": BudgetLine._meta.db_table, "figures": "returns_datavalue"}
    with connection.cursor() as cursor:
        held = {kind: connection.introspection.get_constraints(cursor, table)
                for kind, table in tables.items()}
    shape = {kind: {"indexes": sum(1 for c in found.values() if c["index"] or c["unique"]),
                    "foreign_keys": sum(1 for c in found.values() if c["foreign_key"])}
             for kind, found in held.items()}
    return _measures(seconds=took, phases=phases, before_mib=before, tables=shape)


STEPS = {"generate": generate_step, "spend": spend_step}


# --- the report -------------------------------------------------------------------------------

#: Each phase of the two imports: label, the spend import's part, the figures import's.
PHASES = [
    ("keep the file as sent", None, "keep"),
    ("read it into cells (`files.read_table`, both)", "read", "read"),
    ("load what rows are checked against (`spend_reference`; `reference.load`)",
     "reference", "reference"),
    ("check every row (`check_spend`; `validation.check`), less the look-up", "check",
     "check"),
    ("… of which the cells' problems (`_cell_problems`)", "cells", None),
    ("… of which spreading to wards (`spread_to_wards`; none asked)", "spread", None),
    ("… of which repeated keys (`_duplicates`)", "duplicates", None),
    ("… of which create, change or keep, less the look-up (`_compare`)", "compare", None),
    ("look up what is stored (`stored_lines`; `reference.stored`)", "stored", "stored"),
    ("write the rows and their history (`_create`; `writing.write`)", "write", "write"),
    ("… of which the rows (`bulk.send`; `writing._send`)", "send", "send"),
    ("… of which their history (`record_run`)", "record", "record"),
    ("tell the pages the years changed (`events.announce`)", "announce", None),
    ("lock, commit, what runs on commit, and the rest of the transaction", "commit", "commit"),
    ("… of which the lines' deferred foreign-key checks (PostgreSQL)", "constraints", None),
    ("read the file from disk; the figures: record the upload's outcome", "rest", "rest"),
]


def spend_phases(run: dict) -> dict[str, float]:
    p = {"update": 0.0, "spread": 0.0, "announce": 0.0, "send": 0.0, "record": 0.0,
         "constraints": 0.0, **run["phases"]}
    return {**p, "check": p["check"] - p["stored"], "compare": p["compare"] - p["stored"],
            "commit": p["table"] - p["reference"] - p["check"] - p["write"] - p["update"]
            - p["announce"],
            "rest": run["seconds"] - p["read"] - p["table"]}


def column(runs: list[dict], kind: str, rows: int) -> dict:
    median = statistics.median
    taken = median(r["seconds"] for r in runs)
    phases_of = spend_phases if kind == "spend" else import_values.phases_of
    each = [phases_of(r) for r in runs]
    keys = {spend if kind == "spend" else figures for _, spend, figures in PHASES} - {None}
    return {"seconds": taken, "rate": rows / taken,
            "phases": {k: median(p.get(k, 0.0) for p in each) for k in keys},
            "peak": median(r["peak_mib"] for r in runs),
            "before": median(r["before_mib"] for r in runs)}


def report(made: dict, figures_made: dict, runs: dict, rows: int, rounds: int) -> str:
    engines = list(runs)
    cols = {(e, k): column(runs[e][k], k, rows) for e in engines for k in ("spend", "figures")}
    ratio = {e: cols[e, "spend"]["rate"] / cols[e, "figures"]["rate"] for e in engines}
    header = [f"{ENGINES[e]}: {k}" for e in engines for k in ("spend", "figures")]
    loads = [r["load"] for e in engines for k in runs[e].values() for r in k]
    sizes = {"spend": made, "figures": figures_made}

    def cell(engine: str, kind: str, key: str | None) -> str:
        if key is None:
            return "–"
        seconds, total = cols[engine, kind]["phases"][key], cols[engine, kind]["seconds"]
        return f"{seconds:.2f} ({seconds / total:.0%})"

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores; {rounds} rounds, medians; each import in a fresh process on a fresh copy "
        "of the demo partnership, the spend and the figures import in turn, which goes "
        "first alternating round by round. The machine was shared: 1-minute load average "
        f"{min(loads):.1f}–{max(loads):.1f} at the ends of the imports. Goal: the spend "
        "import at least as fast per row as the figures import.",
        "",
        f"- The spend return: {rows:,} lines, {made['bytes'] / 1e6:.1f} MB (UTF-8 with a "
        f"BOM, CRLF), Gateshead Council's {made['streams']} funding streams × "
        f"{made['themes']} themes × {made['wards']} wards × single, aligned and pooled, "
        f"financial years {made['first_year']} to {made['last_year']}, every line new; "
        f"imported by `spend_import.import_spend_file` as `{SENDER}`.",
        f"- The figures return: {rows:,} rows, {figures_made['bytes'] / 1e6:.1f} MB, made by "
        "bench/import_values.py's generator ("
        f"{figures_made['indicators']} indicators × {figures_made['areas']} areas × "
        f"{figures_made['periods']} monthly periods from 1900-01, "
        f"{figures_made['counted']:,} with numerator and denominator), every row new; "
        "imported by `importing.import_file` as `officer`.",
        "",
        "| | " + " | ".join(header) + " |",
        "|---" * (len(header) + 1) + "|",
        "| import, end to end (s) | " + " | ".join(
            f"{cols[e, k]['seconds']:.2f}" for e in engines for k in ("spend", "figures"))
        + " |",
        "| rows/s | " + " | ".join(
            f"**{cols[e, k]['rate']:,.0f}**" for e in engines for k in ("spend", "figures"))
        + " |",
        "| spend ÷ figures, per row | " + " | ".join(
            f"**{ratio[e]:.2f}**" if k == "spend" else "1.00"
            for e in engines for k in ("spend", "figures")) + " |",
        "| columns per row in the file; bytes per row | " + " | ".join(
            f"{sizes[k]['columns']}; {sizes[k]['bytes'] / rows:,.0f}"
            for e in engines for k in ("spend", "figures")) + " |",
        "| cells/s (rows × columns ÷ time) | " + " | ".join(
            f"{cols[e, k]['rate'] * sizes[k]['columns']:,.0f}"
            for e in engines for k in ("spend", "figures")) + " |",
        "| spend ÷ figures, per cell | " + " | ".join(
            f"{ratio[e] * sizes['spend']['columns'] / sizes['figures']['columns']:.2f}"
            if k == "spend" else "1.00" for e in engines for k in ("spend", "figures")) + " |",
        "| goal: spend ≥ figures per row | " + " | ".join(
            ("met" if ratio[e] >= 1 else "**not met**") if k == "spend" else ""
            for e in engines for k in ("spend", "figures")) + " |",
        *(f"| … {label}, s (share) | " + " | ".join(
            cell(e, k, spend if k == "spend" else figures)
            for e in engines for k in ("spend", "figures")) + " |"
          for label, spend, figures in PHASES),
        "| indexes on the table written (unique ones included); foreign-key constraints "
        "checked per row | " + " | ".join(
            "{indexes}; {foreign_keys}".format(**runs[e]["spend"][0]["tables"][k])
            for e in engines for k in ("spend", "figures")) + " |",
        "| peak memory of the importing process, MiB (before the import) | " + " | ".join(
            f"{cols[e, k]['peak']:,.0f} (before: {cols[e, k]['before']:,.0f})"
            for e in engines for k in ("spend", "figures")) + " |",
        "",
        "Both imports read the file into cells with the same reader, check every row "
        "before writing any (one bad row writes nothing), write the new rows set-wise "
        "through the same `common.bulk.send` (PostgreSQL's `COPY`, SQLite's multi-row "
        "`INSERT`) and record their creation as one change over the run, in one "
        "transaction, the table locked against other writers on PostgreSQL. What each "
        "does besides: the figures import keeps the file as sent (an upload, with its "
        "SHA-256), reads each period, checks numerators against denominators, signs, "
        "confidence limits, repeated keys and who may send each indicator, scores each "
        "value against its series' stored history for outliers (leave-one-out), and "
        "records the upload's outcome; it loads its reference (indicators, areas) and the "
        "stored figures and history of the file's series. The spend import keeps no file; "
        "it looks up partners, streams, themes, outcomes, pools and areas, reads every "
        "amount to the penny, checks financial years, arrangements, pools and signs, "
        "spreads to wards any line above ward level that names a base (this file has "
        "none: every line is a ward's), refuses repeated keys and other partners' lines, "
        "and tells the pages which years changed. Phases are "
        "medians of their own, so they need not add up to the median total; a phase a "
        "side does not have is –.",
    ]
    short = [e for e in engines if ratio[e] < 1]
    if short:
        lines += ["", "Where the goal is not met:", ""]
        for e in short:
            spend, figures = cols[e, "spend"], cols[e, "figures"]
            gaps = sorted(((spend["phases"].get(s, 0.0) - figures["phases"].get(f, 0.0),
                            label) for label, s, f in PHASES
                           if s and f and not label.startswith("…")), reverse=True)
            spend_table = runs[e]["spend"][0]["tables"]["spend"]
            figures_table = runs[e]["spend"][0]["tables"]["figures"]
            sentences = [
                f"{ENGINES[e]}: {spend['rate']:,.0f} lines/s against {figures['rate']:,.0f} "
                f"figures/s ({ratio[e]:.2f} per row); the spend import takes "
                f"{spend['seconds'] - figures['seconds']:.2f} s longer",
                "Where it spends more than the figures import: " + "; ".join(
                    f"{label.split(' (`')[0]}, {gap:+.2f} s" for gap, label in gaps[:2]
                    if gap > 0)]
            if spend["phases"].get("constraints"):
                sentences.append(f"Of its commit, {spend['phases']['constraints']:.2f} s are "
                                 "the lines' deferred foreign-key checks, one per foreign key "
                                 "per line")
            sentences.append(
                f"The budget lines' table has {spend_table['indexes']} indexes and "
                f"{spend_table['foreign_keys']} foreign keys to keep for every line written, "
                f"the figures' table {figures_table['indexes']} and "
                f"{figures_table['foreign_keys']}")
            lines.append("- " + ". ".join(sentences) + ".")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_SIZE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
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
    folder = Path(tempfile.mkdtemp(prefix="joinedup-spend-bench-"))
    env = {**os.environ, "SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": str(folder),
           "DJANGO_SETTINGS_MODULE": "joinedup.settings"}
    databases = Databases(folder, postgres_url(options.database_url)
                          if "postgresql" in engines else None)
    runs = {e: {"spend": [], "figures": []} for e in engines}
    try:
        for engine in engines:
            say(f"building the demo partnership on {ENGINES[engine]}…")
            databases.build(engine, env)
        spend_file, figures_file = folder / "spend.csv", folder / "figures.csv"
        say(f"writing a spend return and a figures return of {options.rows:,} rows each…")
        made = step("generate", databases.url(engines[0]), env, rows=options.rows,
                    seed=options.seed, path=str(spend_file))
        figures_made = import_values.step(
            "generate", databases.url(engines[0]), env, rows=options.rows, seed=options.seed,
            order="period", path=str(figures_file), parsed=str(folder / "parsed.parquet"))
        for counted, path in ((made, spend_file), (figures_made, figures_file)):
            with path.open(encoding="utf-8-sig", newline="") as handle:
                counted["columns"] = len(next(csv.reader(handle)))
        for round_number in range(1, options.rounds + 1):
            for engine in engines:
                order = ("figures", "spend") if round_number % 2 else ("spend", "figures")
                for kind in order:
                    url = databases.copy(engine)
                    if kind == "spend":
                        run = step("spend", url, env, path=str(spend_file), rows=options.rows)
                    else:
                        run = import_values.step("import", url, env, path=str(figures_file),
                                                 rows=options.rows, first=True)
                    databases.drop(url)
                    runs[engine][kind].append(run)
                spend, figures = runs[engine]["spend"][-1], runs[engine]["figures"][-1]
                say(f"round {round_number}, {ENGINES[engine]}: spend {spend['seconds']:.2f} s "
                    f"({options.rows / spend['seconds']:,.0f} rows/s), figures "
                    f"{figures['seconds']:.2f} s ({options.rows / figures['seconds']:,.0f} "
                    "rows/s)")
    finally:
        databases.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    text = report(made, figures_made, runs, options.rows, options.rounds)
    print(text)
    if options.rows == FULL_SIZE:
        write_section("Spend import against the figures import (100,000 rows)", text)
    else:
        say(f"not written to bench/RESULTS.md: the measure there is {FULL_SIZE:,} rows")


if __name__ == "__main__":
    main()
