"""A live JoinedUp server and a real Chromium for the browser tests.

The server is the production one (``joinedup serve``, gunicorn and whitenoise) in its own
process, on a database of its own built with ``joinedup demo``: SQLite in a temporary
folder, or, when ``DATABASE_URL`` points at PostgreSQL, a fresh database on that server.
Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; axe-core comes from npm.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules/axe-core/axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerDatabase:
    """A database for the live server, made and removed around the test session."""

    def __init__(self, tmp: Path):
        base = os.environ.get("DATABASE_URL", "")
        self.postgres = base.startswith(("postgres:", "postgresql:"))
        if self.postgres:
            self.name = f"joinedup_browser_{uuid.uuid4().hex[:8]}"
            parts = urlsplit(base)
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.url = f"sqlite:///{tmp / 'browser.sqlite3'}"

    def create(self):
        if self.postgres:
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, statement: str):
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(statement)


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """Base URL of a running server with the demo partnership in it."""
    tmp = tmp_path_factory.mktemp("live-site")
    database = ServerDatabase(tmp)
    database.create()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": database.url,
        "SECRET_KEY": "browser-tests-only-" + uuid.uuid4().hex,
        "JOINEDUP_DATA_DIR": str(tmp),
        "DEBUG": "false",
    }
    cli = [sys.executable, "-m", "joinedup.cli"]
    built = subprocess.run([*cli, "demo", "--quiet"], env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    port = _free_port()
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("the server did not start:\n" + (tmp / "server.log").read_text())
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=20)
    log.close()
    database.drop()


@pytest.fixture(scope="module")
def browser():
    # Per module, not per session: while Playwright runs, its event loop is the thread's
    # running loop, and Django refuses database work from later tests in the same worker.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-system-packages")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    return AXE.read_text()


@pytest.fixture
def axe(axe_source):
    """Run axe-core on the current page; return its violations in readable form."""

    def check(tab) -> list[str]:
        # Evaluated through the browser's debugging protocol, not added as an inline
        # <script>, which the pages' Content Security Policy would refuse.
        tab.evaluate(axe_source)
        result = tab.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in result["violations"]
        ]

    return check
