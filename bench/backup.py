"""How long do `joinedup backup` and `joinedup restore` take on the demo partnership?

A fresh demo partnership on SQLite (or ``--database-url``). Each round backs it up (in
this process, as `joinedup backup` does) and restores the archive into a new, empty
database of the same kind (a new SQLite file, or a new PostgreSQL database on the same
server) with `joinedup restore` in a process of its own, timed from start to exit: the
restore's time includes starting Python and Django and running every migration, which a
real restore pays too. The restore's own figure (the time it prints) is shown beside it,
and the peer: `joinedup migrate` alone into another new, empty database.

Goal: each at most 30 s on the demo. Medians go to bench/RESULTS.md.

    python bench/backup.py [--rounds 3] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import demo_partnership, write_section  # noqa: E402

GOAL_S = 30.0


def new_database(database_url: str | None, folder: Path) -> tuple[str, Callable[[], None]]:
    """A new, empty database's URL, and how to remove it."""
    if not database_url:
        return f"sqlite:///{folder / f'restored-{uuid.uuid4().hex[:8]}.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(database_url)
    name = f"joinedup_bench_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def joinedup(args: list[str], database_url: str, folder: Path) -> tuple[float, str]:
    """Run ``joinedup args`` on ``database_url``: seconds from start to exit, its output."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_VERSION"}}
    env.update(DATABASE_URL=database_url, JOINEDUP_DATA_DIR=str(folder), SECRET_KEY="bench")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "joinedup.cli", *args], env=env,
                            capture_output=True, text=True)
    spent = time.perf_counter() - started
    if result.returncode:
        raise SystemExit(f"joinedup {args[0]} failed: {result.stderr}")
    return spent, result.stdout


def in_a_new_database(args: list[str], database_url: str | None, folder: Path
                      ) -> tuple[float, str]:
    url, drop = new_database(database_url, folder)
    try:
        return joinedup(args, url, folder)
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    demo_partnership("backup-bench", options.database_url)
    from django.db import connection

    from joinedup.maintenance.backup import back_up
    from joinedup.maintenance.progress import QUIET

    work = Path(tempfile.mkdtemp(prefix="joinedup-backup-bench-"))
    backups, restores, reported, migrates = [], [], [], []
    for round_ in range(options.rounds):
        archive = work / f"backup-{round_}.zip"
        started = time.perf_counter()
        manifest = back_up(archive, steps=QUIET)
        backups.append(time.perf_counter() - started)
        spent, said = in_a_new_database(["restore", "--quiet", str(archive)],
                                        options.database_url, work)
        restores.append(spent)
        reported.append(float(re.search(r"in ([\d.]+) s\.", said).group(1)))
        migrates.append(in_a_new_database(["migrate", "--verbosity", "0"],
                                          options.database_url, work)[0])
    rows = sum(table["rows"] for table in manifest["tables"])
    database = connection.vendor
    backup_s, restore_s = statistics.median(backups), statistics.median(restores)
    met = backup_s <= GOAL_S and restore_s <= GOAL_S
    body = "\n".join([
        f"`python bench/backup.py --rounds {options.rounds}"
        f"{' --database-url …' if options.database_url else ''}`: {database}, the demo "
        f"partnership ({rows:,} rows in {len(manifest['tables'])} tables, "
        f"{manifest['files']['count']} kept files; archive {archive.stat().st_size / 1e6:.1f} MB"
        f"), {options.rounds} rounds, Python {platform.python_version()}, {os.cpu_count()} "
        f"CPUs; 1-minute load average at the end {os.getloadavg()[0]:.1f}.",
        "",
        "| Step | Median (s) | Slowest (s) |",
        "|---|---:|---:|",
        f"| backup (one snapshot, every table and kept file, archive written and checksummed)"
        f" | {backup_s:.1f} | {max(backups):.1f} |",
        f"| restore into a new database, `joinedup restore` start to exit | {restore_s:.1f} | "
        f"{max(restores):.1f} |",
        f"| of which the restore itself (archive checked, migrations, rows loaded) | "
        f"{statistics.median(reported):.1f} | {max(reported):.1f} |",
        f"| peer: `joinedup migrate` alone into a new database, start to exit | "
        f"{statistics.median(migrates):.1f} | {max(migrates):.1f} |",
        "",
        f"Goal: each at most {GOAL_S:.0f} s on the demo: {'met' if met else 'missed'}. Most "
        "of a restore is running every migration on the new database, which the restore "
        "must do first, as the peer shows; checking the archive and loading the rows take a few "
        "seconds.",
    ])
    write_section(f"Backup and restore of the demo ({database})", body)
    print(body)


if __name__ == "__main__":
    main()
