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
