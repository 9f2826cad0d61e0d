"""One consistent view of the database for as long as a backup reads it.

PostgreSQL: a read-only transaction at REPEATABLE READ, whose every query sees the same
snapshot while writers go on. SQLite: a deferred read transaction, which in WAL mode sees
the database as it was at its first read, also without holding writers back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def consistent_snapshot(connection) -> Iterator[None]:
    if connection.in_atomic_block:
        # Already inside a transaction (a caller's, or a test's): it is the snapshot.
        yield
        return
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")
