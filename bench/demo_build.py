"""How long `joinedup demo` takes, against Django's own fixture loading of the same data.

The goal: the demo partnership builds in at most 60 s. Each round, side by side on the
same machine:

- **cold**: `joinedup demo` into an empty database (schema migrations included);
- **warm**: `joinedup demo` again over the built database (the idempotent path);
- **peer**: Django's `loaddata` of a `dumpdata` fixture of the very same rows, into an
  empty migrated database. It writes the same tables without reading the sources, checking
  them or recording history, so the ratio shows what those cost.

Medians over the rounds are written to bench/RESULTS.md (section "Demo build").

    python bench/demo_build.py [--rounds 5] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from results import write_section

CLI = [sys.executable, "-m", "joinedup.cli"]


def run(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([*CLI, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


class Databases:
    """Fresh databases, SQLite files by default or PostgreSQL ones on the given server."""

    def __init__(self, base_url: str | None, folder: Path):
        self.base_url, self.folder, self.made = base_url, folder, []

    def new(self) -> str:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        if not self.base_url:
            return f"sqlite:///{self.folder / name}.sqlite3"
        import psycopg

        admin = self.base_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.made.append((admin, name))
        return self.base_url.rsplit("/", 1)[0] + f"/{name}"

    def drop_all(self):
        import psycopg

        for admin, name in self.made:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="joinedup-bench-"))
    databases = Databases(options.database_url, folder)
    base_env = {**os.environ, "SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": str(folder)}
    cold, warm, peer = [], [], []
    fixture = folder / "demo.json"
    try:
        for round_number in range(options.rounds):
            env = {**base_env, "DATABASE_URL": databases.new()}
            cold.append(run(["demo", "--quiet"], env))
            warm.append(run(["demo", "--quiet"], env))
            if round_number == 0:
                with fixture.open("w") as handle:
                    subprocess.run([*CLI, "dumpdata", "--natural-foreign", "--exclude",
                                    "contenttypes", "--exclude", "auth.permission",
                                    "--exclude", "sessions", "--exclude", "admin"],
                                   env=env, check=True, stdout=handle)
            peer_env = {**base_env, "DATABASE_URL": databases.new()}
            subprocess.run([*CLI, "migrate", "--verbosity", "0"], env=peer_env, check=True)
            peer.append(run(["loaddata", str(fixture)], peer_env) + 0.0)
            print(f"round {round_number + 1}: cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s, "
                  f"loaddata {peer[-1]:.1f} s", file=sys.stderr)
    finally:
        if options.database_url:
            databases.drop_all()
    engine = "PostgreSQL" if options.database_url else "SQLite"
    median = statistics.median
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{engine}, {options.rounds} rounds; medians. Goal: at most 60 s.",
        "",
        "| what | median s | ratio to loaddata |",
        "|---|---|---|",
        f"| `joinedup demo`, empty database (migrations included) | {median(cold):.1f} | "
        f"{median(cold) / median(peer):.2f} |",
        f"| `joinedup demo` again, nothing to change | {median(warm):.1f} | "
        f"{median(warm) / median(peer):.2f} |",
        f"| peer: `loaddata` of the same rows (after migrate) | {median(peer):.1f} | 1.00 |",
    ]
    write_section(f"Demo build ({engine})", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
