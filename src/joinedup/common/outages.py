"""Failures that are nobody's fault and pass: the database out of reach, or the disk full.

A database that restarts, or a SQLite file another writer holds for longer than the wait,
is out of reach for a minute; a full disk stays full until someone makes room. Either way
the request changes nothing (every change is kept whole in a transaction, or not at all),
so the person is told so plainly, with 503 (try again shortly, ``Retry-After``) or 507 (no
room), rather than the 500 page of a fault in JoinedUp. Any other database error, such as
a broken rule, is still a fault and still a 500.

The pages and the API both ask ``outage`` what an exception means, and answer alike.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from dataclasses import dataclass

import psycopg
from django.db import DatabaseError, InterfaceError
from django.utils.log import log_response

logger = logging.getLogger(__name__)

#: PostgreSQL's ``disk_full``: it could not extend a table's or an index's file.
DISK_FULL = "53100"
#: Connection failures (class 08), and a server shutting down, crashed, starting up or
#: with every connection taken: PostgreSQL's answers while it restarts.
RESTARTING = {"57P01", "57P02", "57P03", "53300"}

#: SQLite's primary result codes: another writer held the file for longer than the wait
#: ("database is locked"), the file or its disk is full, the file cannot be opened.
SQLITE_BUSY, SQLITE_FULL, SQLITE_CANTOPEN = 5, 13, 14

#: Seconds a caller is asked to wait before trying again.
RETRY_AFTER = 60


@dataclass(frozen=True)
class Outage:
    """What a failure means for the person who met it."""

    status: int
    reason: str
    detail: str
    template: str
    retry_after: int | None = None


UNREACHABLE = Outage(
    503, "the database cannot be reached",
    "JoinedUp cannot reach its database just now, so nothing you sent was saved. "
    "Try again in a minute.",
    "503.html", RETRY_AFTER)

FULL = Outage(
    507, "there is no room left to save",
    "JoinedUp has no room left to save this, so nothing you sent was saved. "
    "Tell your partnership officer, who can ask for more space.",
    "507.html")


def outage(exc: BaseException) -> Outage | None:
    """``UNREACHABLE`` or ``FULL`` if ``exc`` (or what it was raised from) is one of those
    failures, else None: Django's database errors carry the driver's as their cause."""
    seen = 0
    error: BaseException | None = exc
    while error is not None and seen < 5:
        found = _driver(error)
        if found is not None:
            return found
        error, seen = error.__cause__, seen + 1
    return None


def _driver(error: BaseException) -> Outage | None:
    if isinstance(error, psycopg.Error):
        return _postgresql(error)
    if isinstance(error, sqlite3.Error):
        return _sqlite(error)
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return FULL
    return None


def _postgresql(error: psycopg.Error) -> Outage | None:
    state = error.sqlstate
    if state == DISK_FULL:
        return FULL
    if not isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
        return None
    # No SQLSTATE: the connection itself failed, or was lost, before the server answered.
    if state is None or state.startswith("08") or state in RESTARTING:
        return UNREACHABLE
    return None


def _sqlite(error: sqlite3.Error) -> Outage | None:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == SQLITE_FULL:
        return FULL
    if primary in (SQLITE_BUSY, SQLITE_CANTOPEN):
        return UNREACHABLE
    return None


#: The kinds of exception ``outage`` may recognise: Django's database errors, the
#: drivers' own (raised where JoinedUp uses a driver directly), and files not written.
KINDS = (DatabaseError, InterfaceError, psycopg.Error, sqlite3.Error, OSError)


def answered(response, request, exc: BaseException, found: Outage):
    """Log the failure once, as a warning with the exception, and mark ``response`` with
    the retry time and as not to be cached."""
    from django.utils.cache import add_never_cache_headers

    if found.retry_after is not None:
        response["Retry-After"] = str(found.retry_after)
    add_never_cache_headers(response)
    log_response("%s %s answered %s: %s", request.method, request.path, found.status,
                 found.reason, response=response, request=request, logger=logger,
                 level="warning", exception=exc)
    return response
