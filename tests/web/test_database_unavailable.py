"""The database out of reach, or the disk full: a page that says so (503, 507), nothing
half written, and the site back as usual once the database is, without a restart.

On PostgreSQL a live server reaches its database through a small proxy, which the tests
cut and restore as a restart of the server would look to JoinedUp. On SQLite the pages
under test run on a database file of their own (a copy of the test database), so that
another writer can hold it and the file can genuinely fill.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import DEFAULT_DB_ALIAS, IntegrityError, OperationalError, connections
from django.test import RequestFactory

from joinedup.common.outages import FULL, UNREACHABLE, outage
from joinedup.core.periods import parse_period
from joinedup.returns.models import DataValue, Upload, UploadFile
from joinedup.web.unavailable import DatabaseUnavailableMiddleware

POSTGRES = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
postgres_only = pytest.mark.skipif(not POSTGRES, reason="needs a PostgreSQL server")
sqlite_only = pytest.mark.skipif(POSTGRES, reason="SQLite's own file and its locking")

GATESHEAD = "E08000037"
FIGURES = b"indicator,area,period,value\nHW 02,E08000037,2090/91,1\n"
UNREACHABLE_TEXT = "JoinedUp cannot reach its database just now"
FULL_TEXT = "JoinedUp has no room left to save this"
SAVED_NOTHING = "Nothing you sent was saved"


def kept() -> tuple[int, int, int]:
    """How many uploads, kept files and figures there are."""
    return Upload.objects.count(), UploadFile.objects.count(), DataValue.objects.count()


def raised_from(driver: BaseException, kind=OperationalError) -> BaseException:
    """``driver`` as Django hands it on: its own error, raised from the driver's."""
    try:
        raise kind(*driver.args) from driver
    except kind as error:
        return error


def sqlite_error(tmp_path, cause: str) -> sqlite3.Error:
    """A genuine SQLite error: another writer holding the file, a full file, or a broken
    rule."""
    path = tmp_path / f"{cause}.sqlite3"
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")
    first.execute("INSERT INTO t VALUES (1, x'00')")
    try:
        if cause == "busy":
            first.execute("BEGIN IMMEDIATE")
            sqlite3.connect(path, timeout=0, isolation_level=None).execute("BEGIN IMMEDIATE")
        elif cause == "full":
            pages = first.execute("PRAGMA page_count").fetchone()[0]
            first.execute(f"PRAGMA max_page_count = {pages}")
            first.execute("INSERT INTO t (b) VALUES (?)", [bytes(100_000)])
        else:
            first.execute("INSERT INTO t VALUES (1, x'00')")
    except sqlite3.Error as error:
        return error
    finally:
        first.close()
    raise AssertionError(f"SQLite did not fail with {cause}")


# ---- which failures are which ---------------------------------------------------------

@pytest.mark.parametrize("error", [
    psycopg.OperationalError("connection failed: Connection refused"),
    psycopg.OperationalError("consuming input failed: server closed the connection "
                             "unexpectedly"),
    psycopg.InterfaceError("the connection is closed"),
    psycopg.errors.lookup("57P01")("terminating connection due to administrator command"),
    psycopg.errors.lookup("57P03")("the database system is starting up"),
    psycopg.errors.lookup("08006")("connection failure"),
], ids=["refused", "lost", "closed", "shut-down", "starting-up", "connection-failure"])
def test_postgresql_out_of_reach_is_unreachable(error):
    assert outage(raised_from(error)) is UNREACHABLE


def test_postgresql_disk_full_is_full_raised_through_django_or_by_the_driver():
    error = psycopg.errors.lookup("53100")("could not extend file: No space left on device")
    assert outage(error) is FULL
    assert outage(raised_from(error)) is FULL


@pytest.mark.parametrize("error", [
    psycopg.errors.lookup("57014")("canceling statement due to statement timeout"),
    psycopg.errors.lookup("40P01")("deadlock detected"),
])
def test_other_postgresql_operational_errors_are_faults(error):
    assert outage(raised_from(error)) is None


def test_sqlite_held_beyond_its_wait_is_unreachable_and_full_is_full(tmp_path):
    busy, full = sqlite_error(tmp_path, "busy"), sqlite_error(tmp_path, "full")
    assert (str(busy), str(full)) == ("database is locked", "database or disk is full")
    assert outage(raised_from(busy)) is UNREACHABLE
    assert outage(raised_from(full)) is FULL


def test_a_broken_rule_is_a_fault_on_either_database(tmp_path):
    unique = psycopg.errors.lookup("23505")("duplicate key value violates unique constraint")
    assert outage(raised_from(unique, IntegrityError)) is None
    assert outage(raised_from(sqlite_error(tmp_path, "unique"), IntegrityError)) is None


def test_no_room_for_a_temporary_file_is_full_and_other_file_errors_are_faults():
    assert outage(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) is FULL
    assert outage(OSError(errno.EACCES, os.strerror(errno.EACCES))) is None
    assert outage(ValueError("not a number")) is None


def test_the_middleware_leaves_other_errors_to_the_500_page():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    broken = raised_from(psycopg.errors.lookup("23505")("duplicate key"), IntegrityError)
    assert middleware.process_exception(request, broken) is None


# ---- pages that meet a failure --------------------------------------------------------

@pytest.fixture
def sender(client_as):
    """A data owner's partner analyst, signed in, who has opened the upload page."""
    client = client_as("pct")
    assert client.get("/returns/upload/").status_code == 200
    return client


def send(client, content: bytes = FIGURES):
    return client.post("/returns/upload/", {"file": SimpleUploadedFile("figures.csv", content)})


def assert_page(response, status: int, text: str, caplog):
    assert response.status_code == status
    body = response.content.decode()
    assert text in body and SAVED_NOTHING in body
    assert "style=" not in body and "<script" not in body
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    warnings = [r for r in caplog.records if r.name == "joinedup.common.outages"]
    assert [(r.levelno, r.exc_info is not None) for r in warnings] == [(logging.WARNING, True)]


class DiskFullUploadHandler(TemporaryFileUploadHandler):
    """Writes an upload to a temporary file on a disk with no room left."""

    def receive_data_chunk(self, raw_data, start):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_no_room_for_the_uploaded_file_is_a_507_and_keeps_nothing(sender, settings, caplog):
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.DiskFullUploadHandler"]
    before = kept()
    response = send(sender)
    assert_page(response, 507, FULL_TEXT, caplog)
    assert "Retry-After" not in response
    assert kept() == before


def test_a_database_failure_in_a_middleware_is_a_503_too(client_as, tmp_path, monkeypatch,
                                                         caplog):
    """The session is saved as the page goes out, after the view: by the session middleware,
    whose failure Django has turned into a 500 before this middleware sees it."""
    from django.contrib.sessions.backends.db import SessionStore

    busy = raised_from(sqlite_error(tmp_path, "busy"))

    def refuse(self, must_create=False):
        raise busy

    client = client_as("pct")
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "save", refuse)
    response = client.get("/returns/upload/")
    assert_page(response, 503, UNREACHABLE_TEXT, caplog)
    assert response["Retry-After"] == "60"
    assert 'href="/returns/upload/">Try this page again</a>' in response.content.decode()


def test_any_other_database_error_is_still_the_500_page(sender, monkeypatch, caplog):
    from joinedup.returns import importing

    def broken(*args, **kwargs):
        raise raised_from(psycopg.errors.lookup("23505")("duplicate key"), IntegrityError)

    monkeypatch.setattr(importing, "receive_file", broken)
    sender.raise_request_exception = False
    response = send(sender)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert [r for r in caplog.records if r.name == "joinedup.common.outages"] == []


# ---- SQLite: a file of its own --------------------------------------------------------

@contextmanager
def database_file(path, **options):
    """The pages' database swapped for a copy of the test database in ``path``, with
    ``options`` in place of its settings' (a shorter wait, say)."""
    original = connections[DEFAULT_DB_ALIAS]
    if path.parent.exists():
        original.ensure_connection()
        path.write_bytes(original.connection.serialize())
    settings_dict = {**original.settings_dict, "NAME": str(path),
                     "OPTIONS": {**original.settings_dict["OPTIONS"], **options}}
    own = original.__class__(settings_dict, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = own
    try:
        yield own
    finally:
        own.close()
        connections[DEFAULT_DB_ALIAS] = original


@sqlite_only
def test_sqlite_file_that_cannot_be_opened_is_a_503(client, db, tmp_path, caplog):
    with database_file(tmp_path / "gone" / "joinedup.sqlite3"):
        response = client.get("/")
    assert_page(response, 503, UNREACHABLE_TEXT, caplog)
    assert response["Retry-After"] == "60"


@sqlite_only
def test_sqlite_held_by_another_writer_beyond_the_wait_is_a_503(sender, token_for, tmp_path,
                                                                 caplog):
    token = token_for("pct")
    path = tmp_path / "joinedup.sqlite3"
    with database_file(path, timeout=0.2):
        assert sender.get("/returns/upload/").status_code == 200
        before = kept()
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            response = send(sender)
            assert_page(response, 503, UNREACHABLE_TEXT, caplog)
            assert response["Retry-After"] == "60"
            figure = {"indicator": "HW 02", "area": GATESHEAD, "period": "2090/91", "value": 1}
            sent = sender.post("/api/values", json.dumps({"values": [figure]}),
                               content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert (sent.status_code, sent["Retry-After"]) == (503, "60")
        assert sent.json() == {"detail": UNREACHABLE.detail}
        assert kept() == before
        # The other writer is done: the same file goes in, without a restart.
        assert send(sender).status_code == 302
        assert kept() == (before[0] + 1, before[1] + 1, before[2])


@sqlite_only
def test_sqlite_file_full_is_a_507_and_keeps_nothing(sender, tmp_path, caplog):
    with database_file(tmp_path / "joinedup.sqlite3") as database:
        assert sender.get("/returns/upload/").status_code == 200
        before = kept()
        with database.cursor() as cursor:
            size, pages, free = (cursor.execute(f"PRAGMA {name}").fetchone()[0]
                                 for name in ("page_size", "page_count", "freelist_count"))
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        # More than the free pages hold, so the file must grow, and cannot.
        content = FIGURES + b"#" * (size * (free + 4))
        response = send(sender, content)
        assert_page(response, 507, FULL_TEXT, caplog)
        assert kept() == before
        with database.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
        assert send(sender, content).status_code == 302
        assert kept()[:2] == (before[0] + 1, before[1] + 1)


# ---- PostgreSQL: disk full ------------------------------------------------------------

def refuse_inserts_for_disk_full(table: str) -> None:
    """Make inserts into ``table`` fail as PostgreSQL fails when it cannot extend a file:
    SQLSTATE 53100, disk_full. The trigger goes with the test's transaction."""
    name = f"disk_full_{uuid.uuid4().hex[:8]}"
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'could not extend file: No space left on device'
                USING ERRCODE = 'disk_full';
            END $$""")
        cursor.execute(f'CREATE TRIGGER {name} BEFORE INSERT ON "{table}" '
                       f"FOR EACH ROW EXECUTE FUNCTION {name}()")


@postgres_only
def test_postgresql_disk_full_while_keeping_a_file_is_a_507_and_keeps_nothing(sender,
                                                                              caplog):
    """PostgreSQL raises disk_full (53100) when it cannot extend a table's file: here a
    trigger on the kept files' table raises it, as the server would."""
    refuse_inserts_for_disk_full(UploadFile._meta.db_table)
    before = kept()
    response = send(sender)
    assert_page(response, 507, FULL_TEXT, caplog)
    assert kept() == before


@postgres_only
def test_postgresql_disk_full_through_the_api_is_a_507_in_json(api, caplog):
    """As above, for figures sent to the API: the trigger is on the figures' table."""
    last = (DataValue.objects.filter(indicator__code="HW 02", area__code=GATESHEAD,
                                     state="approved").order_by("-period_start").first())
    figure = {"indicator": "HW 02", "area": GATESHEAD, "value": float(last.value),
              "period": parse_period(last.period).shift(1).label}
    refuse_inserts_for_disk_full(DataValue._meta.db_table)
    before = kept()
    response = api("pct").post("/api/values", {"values": [figure]})
    assert (response.status_code, response.json()) == (507, {"detail": FULL.detail})
    assert kept() == before
    warnings = [r for r in caplog.records if r.name == "joinedup.common.outages"]
    assert [(r.levelno, r.exc_info is not None) for r in warnings] == [(logging.WARNING, True)]


# ---- PostgreSQL: a restart, as a live server sees it ----------------------------------

class Proxy:
    """Passes connections on to the database server, until told the server is "down":
    then it cuts every connection and closes each new one at once, until it is "up"."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.up, self.stopped = True, False
        self.sockets: set[socket.socket] = set()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.upstream, timeout=10) if self.up else None
            except OSError:
                server = None
            with self.lock:
                if server is None or not self.up:
                    for end in (client, server):
                        if end is not None:
                            end.close()
                    continue
                server.settimeout(None)
                self.sockets |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def down(self) -> None:
        with self.lock:
            self.up = False
            cut, self.sockets = self.sockets, set()
        for end in cut:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def restore(self) -> None:
        with self.lock:
            self.up = True

    def close(self) -> None:
        self.down()
        self.stopped = True
        self.thread.join(timeout=5)
        self.listener.close()


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read().decode()


@pytest.fixture
def server_behind_proxy(django_db_setup, tmp_path):
    """A live server (``joinedup serve``) on the test database, through a ``Proxy``."""
    database = connections[DEFAULT_DB_ALIAS].settings_dict
    proxy = Proxy(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": f"postgres://{quote(database['USER'], safe='')}:"
                        f"{quote(database['PASSWORD'], safe='')}@127.0.0.1:{proxy.port}/"
                        f"{database['NAME']}",
        "SECRET_KEY": "database-tests-only-" + uuid.uuid4().hex,
        "JOINEDUP_DATA_DIR": str(tmp_path),
        "DEBUG": "false",
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "joinedup.cli", "serve", "--no-worker", "--workers", "1",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/health/", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log.close()
                proxy.close()
                pytest.fail("the server did not start:\n" + log_path.read_text())
            time.sleep(0.2)
    try:
        yield url, proxy, server, log_path
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        proxy.close()


@postgres_only
def test_postgresql_restart_is_a_503_then_the_same_server_recovers(server_behind_proxy):
    url, proxy, server, log_path = server_behind_proxy
    assert fetch(url + "/")[0] == 200

    # A quick restart between two pages: the connection kept from the first is found
    # dead (CONN_HEALTH_CHECKS) and replaced, and nobody notices.
    proxy.down()
    proxy.restore()
    assert fetch(url + "/")[0] == 200

    proxy.down()
    status, headers, body = fetch(url + "/")
    assert (status, headers["Retry-After"]) == (503, "60")
    assert UNREACHABLE_TEXT in body and SAVED_NOTHING in body
    status, headers, body = fetch(url + "/api/indicators")
    assert (status, headers["Retry-After"], json.loads(body)) == (
        503, "60", {"detail": UNREACHABLE.detail})
    status, _, body = fetch(url + "/health/")
    assert (status, json.loads(body)) == (503, {"status": "unavailable",
                                                "database": "unreachable"})

    proxy.restore()
    status, _, body = fetch(url + "/")
    assert status == 200 and UNREACHABLE_TEXT not in body
    assert fetch(url + "/api/indicators")[0] == 200
    assert server.poll() is None
    log = log_path.read_text()
    assert "WARNING joinedup.common.outages: GET / answered 503" in log
    assert "Internal Server Error" not in log
