"""Running the site as production does, more than once, on a PostgreSQL database of its own.

The database is a copy of the test database (the demo partnership) made with PostgreSQL's
``CREATE DATABASE … TEMPLATE``, which takes a second where building the demo again takes
half a minute.

``Site`` is one ``joinedup serve --no-worker`` (gunicorn) in a process of its own;
``Visitor`` is a person at a browser: a cookie jar, the CSRF token in forms, and no
following of redirects, so a test sees each answer as it was given. A visitor can be copied
to send requests from several threads at once with the same session.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from .conftest import HIDDEN

#: Seconds a server has to answer its health check after starting.
STARTING = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def postgres_copy(server: dict, template: str, prefix: str):
    """A new database on ``server`` (psycopg's keywords) copied from ``template``; its URL.

    It is dropped afterwards, with any connection still open to it, whatever happened.
    """
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        password = f":{server['password']}" if server["password"] else ""
        yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_environment(database_url: str, data_dir: Path, secret_key: str) -> dict[str, str]:
    """What a server of the site is started with: the test run's own settings left out."""
    clean = {k: v for k, v in os.environ.items() if k not in HIDDEN}
    return {**clean, "DATABASE_URL": database_url, "JOINEDUP_DATA_DIR": str(data_dir),
            "SECRET_KEY": secret_key, "DEBUG": "false"}


class Site:
    """One web server, gunicorn with a worker process, without the background worker."""

    def __init__(self, name: str, env: dict[str, str], folder: Path):
        self.name, self.env = name, env
        self.port = free_port()
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "joinedup.cli", "serve", "--no-worker", "--host",
                 "127.0.0.1", "--port", str(self.port), "--workers", "1"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTING
        while True:
            with contextlib.suppress(OSError):
                if Visitor(self).get("/health/").status == 200:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server {self.name} did not start:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Visitor:
    """A browser's cookies, sent to whichever server it is pointed at."""

    site: Site
    cookies: dict[str, str] = field(default_factory=dict)

    def at(self, site: Site) -> Visitor:
        """The same person, with a copy of the same cookies, at ``site``."""
        return Visitor(site, dict(self.cookies))

    def get(self, path: str) -> Answer:
        return self._send("GET", path)

    def post(self, path: str, fields: dict[str, str | list[str]]) -> Answer:
        """Post a form as the page would, with the CSRF token from the cookie."""
        if "csrftoken" not in self.cookies:
            self.get(path)
        data = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **fields}
        return self._send("POST", path, urlencode(data, doseq=True).encode(),
                          {"Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, username: str, password: str) -> None:
        self.get("/account/sign-in/")
        answer = self.post("/account/sign-in/", {"username": username, "password": password})
        assert answer.status == 302, f"{username} was not signed in ({answer.status})"

    def _send(self, method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=120)
        sent = {**(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                            response.read())
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        finally:
            connection.close()
        return answer
