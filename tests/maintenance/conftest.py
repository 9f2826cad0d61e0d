"""Running ``joinedup`` commands in a process of their own, on a database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.db import connection

HIDDEN = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "JOINEDUP_DATA_DIR", "HTTPS", "LOG_FORMAT",
          "PYTEST_VERSION", "PYTEST_CURRENT_TEST", "DJANGO_SETTINGS_MODULE"}


def run_joinedup(*args: str, env: dict[str, str], timeout: int = 300
                 ) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in HIDDEN}
    return subprocess.run([sys.executable, "-m", "joinedup.cli", *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def empty_database(tmp_path):
    """The DATABASE_URL of a new, empty database on the same kind of server as the tests'."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    settings = connection.settings_dict
    name = f"joinedup_restore_{uuid.uuid4().hex[:12]}"
    server = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432,
              "user": settings["USER"], "password": settings["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{server['password']}" if server["password"] else ""
        yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class DatabaseCopy:
    """A copy of the test database (the demo partnership), for commands to run on and be
    killed on, read back through the driver alone: no Django connection is held on it."""

    def __init__(self, url: str, vendor: str, path: str | None = None,
                 server: dict | None = None, name: str | None = None):
        self.url, self.vendor, self.path, self.server, self.name = url, vendor, path, server, name

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(self.path) as db:
                return db.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(dbname=self.name, **self.server) as db:
            return db.execute(sql.replace("?", "%s"), params).fetchall()

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            sql = ("SELECT name FROM sqlite_master WHERE type = 'table' "
                   "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        else:
            sql = ("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                   "ORDER BY tablename")
        return [name for (name,) in self.rows(sql)]

    def fingerprint(self, *, leaving_out: set[str]) -> dict[str, tuple[int, str]]:
        """Each table's row count and a digest of every row, in order, but those left out."""
        import hashlib

        found = {}
        for table in self.tables():
            if table in leaving_out:
                continue
            rows = self.rows(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
            found[table] = (len(rows), digest)
        return found


@pytest.fixture(scope="module")
def _demo_template(django_db_setup, django_db_blocker, tmp_path_factory):
    """A copy of the test database made once per module, before any test opens a
    transaction on it; each test's copy is made from this one."""
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            path = tmp_path_factory.mktemp("template") / "demo.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(path)])
            yield {"path": path}
            return
        import psycopg

        settings = connection.settings_dict
        server = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432,
                  "user": settings["USER"], "password": settings["PASSWORD"] or None}
        name = f"joinedup_template_{uuid.uuid4().hex[:12]}"
        # A template must have no one else connected: this process's connection is closed
        # (Django opens it again when next asked).
        connection.close()
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{settings["NAME"]}"')
        try:
            yield {"server": server, "name": name}
        finally:
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_copy(_demo_template, tmp_path):
    """A copy of the demo partnership on the same kind of server, removed afterwards."""
    if "path" in _demo_template:
        import shutil

        path = tmp_path / "copy.sqlite3"
        shutil.copyfile(_demo_template["path"], path)
        yield DatabaseCopy(f"sqlite:///{path}", "sqlite", path=str(path))
        return
    import psycopg

    server, name = _demo_template["server"], f"joinedup_copy_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_demo_template["name"]}"')
    password = f":{server['password']}" if server["password"] else ""
    try:
        yield DatabaseCopy(
            f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}",
            "postgresql", server=server, name=name)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
