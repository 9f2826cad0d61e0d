"""Work in hand is claimed by the process doing it, so that work whose process died can be
told from work still going on.

A process that is killed (``kill -9``, the machine losing power, the kernel out of memory)
runs no code on its way out: it cannot mark its work failed. What it does leave behind is
whatever the operating system and the database release for it. A claim is one of those:

- on PostgreSQL, a session-level advisory lock (``pg_advisory_lock``) on a connection of the
  claim's own, which the server releases the moment that connection ends, as it does when
  its process dies, on whatever machine that process ran;
- on SQLite, an exclusive ``flock`` on a small file beside the database, which the kernel
  releases when the process ends, however it ends. SQLite is one machine's database, so
  every process that can open it can see the lock.

So work found marked running with no claim held on it was abandoned, and can be marked
failed (``joinedup.common.recovery``) without guessing from clocks.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

__all__ = ["ClaimRefused", "claim", "is_claimed", "key_of"]


class ClaimRefused(RuntimeError):
    """The work is already claimed by another process (or another claim in this one)."""


def key_of(work) -> str:
    """The claim key of a model instance: its model's label and primary key."""
    return f"{work._meta.label_lower}:{work.pk}"


@contextmanager
def claim(key: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the claim on ``key`` for the block; ``ClaimRefused`` if someone holds it."""
    if connections[using].vendor == "postgresql":
        held = _PostgresClaim(key, using)
    else:
        held = _FileClaim(key, using)
    held.take()
    try:
        yield
    finally:
        held.release()


def is_claimed(key: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a process (this one included) holds the claim on ``key`` now."""
    try:
        with claim(key, using):
            return False
    except ClaimRefused:
        return True


def _number(key: str) -> int:
    """The advisory lock's key: a signed 64-bit number from the claim's key."""
    digest = hashlib.blake2b(f"joinedup:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _PostgresClaim:
    def __init__(self, key: str, using: str):
        self.number, self.using = _number(key), using
        self.connection = None

    def take(self) -> None:
        # A connection of the claim's own, outside Django's handler: closing old
        # connections between requests or tasks never drops the claim by accident.
        self.connection = connections.create_connection(self.using)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.number])
                taken = cursor.fetchone()[0]
        except Exception:
            self.connection.close()
            raise
        if not taken:
            self.connection.close()
            raise ClaimRefused

    def release(self) -> None:
        # Closing the connection ends the session, and with it the lock.
        self.connection.close()


class _FileClaim:
    def __init__(self, key: str, using: str):
        folder, scope = _claims_folder(using)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / (hashlib.blake2b(f"{scope}:{key}".encode(), digest_size=16)
                              .hexdigest() + ".lock")
        self.handle = None

    def take(self) -> None:
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise ClaimRefused from None
        self.handle = handle

    def release(self) -> None:
        # Removed while still locked, so that the folder does not fill with old claims.
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self.handle)


def _claims_folder(using: str) -> tuple[Path, str]:
    """Where the claims on a database are kept, and what else names them apart.

    Beside the database file. A database held in memory is one process's own, so its
    claims are kept in the data folder, named apart by that process.
    """
    name = str(connections[using].settings_dict["NAME"])
    if name.startswith("file:") or ":memory:" in name or not name:
        return Path(settings.DATA_DIR) / "claims", f"{name}:{os.getpid()}"
    return Path(f"{name}.claims"), name
