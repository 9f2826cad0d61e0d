"""Two web servers on one PostgreSQL: nothing kept in a server, no approval lost between them.

The web processes keep nothing of their own: a session begun on one server is honoured by
the other, work asked for on one is done by a worker that is neither, and the file it keeps
is served by both. Theme leads approving at once through both servers each approve what
they meant to, once; and where two people act on the same figure from the same copy, the
database lets exactly one of them, and tells the others their copy was out of date.

To make the race certain rather than likely, the test holds the lock the step waits for
(the figure's row for an approval, the table of figures for a change) until every request
is waiting on it, then lets them all go at once.

PostgreSQL only: SQLite is one file on one machine, so there is nothing to scale out.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from joinedup.assessment.models import Assessment
from joinedup.demo.sources import DemoSources
from joinedup.history.models import Change
from joinedup.reports.models import Pack
from joinedup.returns.models import DataValue

from .conftest import run_joinedup
from .servers import Site, Visitor, postgres_copy, site_environment

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite is one file on one machine: there is nothing to scale out"),
    # The servers' database is a copy of the test database, made only for tests marked so.
    pytest.mark.django_db,
]

LEAD, OWNER, OFFICER = "theme.lead", "pct.analyst", "officer"
PEOPLE = {p["username"]: p for p in DemoSources().catalogue["person"]}
#: Figures of different indicators approved at once, half through each server.
APART = 4
#: Requests sent at once for the same figure, half to each server.
CONTENDERS = 4
#: Seconds to wait for every request to be waiting on the held lock.
GATHERING = 60
FIGURES = DataValue._meta.db_table
CHANGES = Change._meta.db_table
TASKS = DBTaskResult._meta.db_table
PACKS = Pack._meta.db_table
ASSESSMENTS = Assessment._meta.db_table

# Run in the new database: figures for the theme lead to approve. The demo's figures are
# all approved, so the partnership officer sends some back as an anomaly and their owner
# submits them again, as happens in a quarter. Each is the latest of its series and has a
# value alone (no numerator, no interval), so a change to it is a change to one number.
PREPARE = """
import json
from joinedup.partnership.models import Person
from joinedup.returns import workflow
from joinedup.returns.models import DataValue

lead, owner, officer = (Person.objects.get(username=name) for name in (LEAD, OWNER, OFFICER))
plain = (DataValue.objects.approvable_by(lead)
         .filter(pk__in=DataValue.objects.editable_by(owner).values("pk"), state="approved",
                 value__isnull=False, numerator__isnull=True, denominator__isnull=True,
                 lower_ci__isnull=True, upper_ci__isnull=True)
         .order_by("indicator__code", "area__code", "-period_start"))
series = {}
for figure in plain:
    series.setdefault(figure.indicator_id, {}).setdefault(figure.area_id, figure.pk)
indicators = [list(areas.values()) for areas in series.values()]
chosen = {"apart": [pks[0] for pks in indicators[:APART]], "contested": indicators[APART][0],
          "edited": indicators[APART + 1][0], "together": indicators[APART + 2][:2]}
ids = [*chosen["apart"], chosen["contested"], chosen["edited"], *chosen["together"]]
workflow.send_back(DataValue.objects.filter(pk__in=ids), officer, "Looks out of line")
workflow.submit(DataValue.objects.filter(pk__in=ids), owner)
print(json.dumps(chosen))
"""


@dataclass
class Cluster:
    a: Site
    b: Site
    database_url: str
    env: dict[str, str]
    #: Submitted figures: ``apart``, of different indicators; ``contested``, one figure to
    #: approve; ``edited``, one to change; ``together``, two areas' of one indicator.
    figures: dict

    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as database:
            return database.execute(sql, params).fetchall()

    def figure(self, pk: int) -> dict:
        row = self.query(f"SELECT state, version, value::numeric, approved_by_id, indicator_id "
                         f"FROM {FIGURES} WHERE id = %s", pk)[0]
        return dict(zip(("state", "version", "value", "approved_by", "indicator"), row,
                        strict=True))

    def changes_since(self, change_id: int, pk: int) -> list[tuple]:
        """The figure's recorded changes after ``change_id``: action, actor, state before
        and after, version and value after."""
        return self.query(
            f"SELECT c.action, c.actor, c.before ->> 'state', c.after ->> 'state', "
            f"(c.after ->> 'version')::integer, (c.after ->> 'value')::numeric "
            f"FROM {CHANGES} c JOIN django_content_type t ON t.id = c.content_type_id "
            "WHERE c.id > %s AND t.app_label = %s AND t.model = %s AND c.object_id = %s "
            "ORDER BY c.id", change_id, DataValue._meta.app_label,
            DataValue._meta.model_name, pk)

    def assessed(self, pk: int) -> list[tuple]:
        """The stored assessment's value for the figure's indicator, area and period."""
        return self.query(
            f"SELECT a.value::numeric FROM {ASSESSMENTS} a JOIN {FIGURES} v "
            "ON (a.indicator_id, a.area_id, a.period_start, a.period_end) = "
            "(v.indicator_id, v.area_id, v.period_start, v.period_end) WHERE v.id = %s", pk)

    def last_change(self) -> int:
        return self.query(f"SELECT coalesce(max(id), 0) FROM {CHANGES}")[0][0]

    def person(self, username: str) -> int:
        return self.query("SELECT id FROM partnership_person WHERE username = %s",
                          username)[0][0]

    def logs(self) -> str:
        return f"--- server a\n{self.a.log()}\n--- server b\n{self.b.log()}"


@pytest.fixture(scope="module")
def cluster(_demo_template, tmp_path_factory):
    """Two servers, A and B, on one copy of the demo partnership, with the same key."""
    folder = tmp_path_factory.mktemp("scale-out")
    with postgres_copy(_demo_template["server"], _demo_template["name"],
                       "joinedup_scale") as url:
        env = site_environment(url, folder, "scale-out-tests-only-" + uuid.uuid4().hex)
        script = (PREPARE.replace("LEAD", repr(LEAD)).replace("OWNER", repr(OWNER))
                  .replace("OFFICER", repr(OFFICER)).replace("APART", str(APART)))
        prepared = run_joinedup("shell", "-c", script, env=env)
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        figures = json.loads(prepared.stdout.strip().splitlines()[-1])
        a, b = Site("a", env, folder), Site("b", env, folder)
        try:
            a.start()
            b.start()
            a.wait_until_up()
            b.wait_until_up()
            yield Cluster(a, b, url, env, figures)
        finally:
            a.stop()
            b.stop()


def signed_in(site: Site, username: str) -> Visitor:
    visitor = Visitor(site)
    visitor.sign_in(username, PEOPLE[username]["password"])
    return visitor


def full_name(username: str) -> str:
    return f"{PEOPLE[username]['first_name']} {PEOPLE[username]['last_name']}"


def banner(page: str) -> str:
    """The one message a page shows after a step (a Django message), as text."""
    found = re.findall(r'notification-banner__heading">([^<]*)<', page)
    assert len(found) == 1, page
    return html.unescape(found[0])


def together(jobs: list[Callable[[], tuple]]) -> list[tuple]:
    """Run each job in a thread of its own, all started at once; their results, in order."""
    results: list = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = jobs[index]()
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            results[index] = ("failed", repr(error), "")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a request did not finish"
    return results


def approving(visitor: Visitor, pk: int) -> Callable[[], tuple[int, str, str]]:
    """A job: approve one figure on the approvals page; the answer and the message shown."""
    def job() -> tuple[int, str, str]:
        answer = visitor.post("/returns/approvals/", {"figure": str(pk), "action": "approve"})
        shown = visitor.get(answer.location).text if answer.status == 302 else ""
        return answer.status, answer.location, shown
    return job


class HeldLock:
    """A lock the test takes in the servers' database and holds until ``count`` requests
    wait on it: then they all go at once, and the race between them is certain."""

    def __init__(self, cluster: Cluster, statement: str, *params):
        import psycopg

        self.cluster = cluster
        self.database = psycopg.connect(cluster.database_url)
        self.database.execute(statement, params)

    def release_when_waited_on_by(self, count: int) -> None:
        deadline = time.monotonic() + GATHERING
        try:
            while True:
                # Those behind the first wait for it rather than for the test: all wait.
                waiting = self.cluster.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")[0][0]
                if waiting == count:
                    break
                assert time.monotonic() < deadline, f"{waiting} of {count} requests waited"
                time.sleep(0.05)
        finally:
            self.database.commit()
            self.database.close()


def test_a_session_begun_on_one_server_is_honoured_by_the_other(cluster):
    on_a = signed_in(cluster.a, LEAD)
    on_b = on_a.at(cluster.b)
    page = on_b.get("/returns/approvals/")
    assert page.status == 200
    assert f"Signed in as {full_name(LEAD)}," in page.text
    assert Visitor(cluster.b).get("/returns/approvals/").location.startswith(
        "/account/sign-in/")
    # Signing out on B ends the session on A too: it was only ever in the database.
    assert on_b.post("/account/sign-out/", {}).status == 302
    assert on_a.get("/returns/approvals/").location.startswith("/account/sign-in/")


def test_approvals_of_different_figures_at_once_through_both_servers_all_land(cluster):
    lead = signed_in(cluster.a, LEAD)
    figures = cluster.figures["apart"]
    before = {pk: cluster.figure(pk) for pk in figures}
    assert {f["state"] for f in before.values()} == {"submitted"}
    assert len({f["indicator"] for f in before.values()}) == APART
    since = cluster.last_change()

    results = together([approving(lead.at(cluster.a if i % 2 else cluster.b), pk)
                        for i, pk in enumerate(figures)])

    assert [(status, location) for status, location, _ in results] == [
        (302, "/returns/approvals/")] * APART, cluster.logs()
    assert [banner(page) for _, _, page in results] == [
        "1 figure approved. The indicators have been assessed again."] * APART
    lead_id = cluster.person(LEAD)
    for pk in figures:
        after = cluster.figure(pk)
        assert (after["state"], after["version"], after["approved_by"]) == (
            "approved", before[pk]["version"] + 1, lead_id)
        assert cluster.changes_since(since, pk) == [
            ("update", LEAD, "submitted", "approved", after["version"], after["value"])]
        # Returned, the figure had left the assessment; approved, it is assessed again.
        assert cluster.assessed(pk) == [(after["value"],)]


def test_approvals_of_one_figure_at_once_through_both_servers_approve_it_once(cluster):
    lead = signed_in(cluster.a, LEAD)
    pk = cluster.figures["contested"]
    before = cluster.figure(pk)
    assert before["state"] == "submitted"
    since = cluster.last_change()

    # Every request has read the figure as submitted, at its version, and waits for it.
    held = HeldLock(cluster, f"SELECT id FROM {FIGURES} WHERE id = %s FOR UPDATE", pk)
    jobs = [approving(lead.at(cluster.a if i % 2 else cluster.b), pk)
            for i in range(CONTENDERS)]
    results: list = []
    sender = threading.Thread(target=lambda: results.extend(together(jobs)))
    sender.start()
    held.release_when_waited_on_by(CONTENDERS)
    sender.join(timeout=120)

    assert [(status, location) for status, location, _ in results] == [
        (302, "/returns/approvals/")] * CONTENDERS, cluster.logs()
    code = cluster.query(
        f"SELECT i.code || ' ' || a.code || ' ' || v.period FROM {FIGURES} v "
        "JOIN strategy_indicator i ON i.id = v.indicator_id "
        "JOIN places_area a ON a.id = v.area_id WHERE v.id = %s", pk)[0][0]
    stale = (f"{code} changed while you were working; nothing was changed. "
             "Look again and repeat.")
    assert sorted(banner(page) for _, _, page in results) == sorted(
        ["1 figure approved. The indicators have been assessed again."]
        + [stale] * (CONTENDERS - 1))
    after = cluster.figure(pk)
    assert (after["state"], after["version"]) == ("approved", before["version"] + 1)
    assert cluster.changes_since(since, pk) == [
        ("update", LEAD, "submitted", "approved", after["version"], after["value"])]



def test_approvals_of_two_figures_of_one_indicator_at_once_are_both_assessed(cluster):
    lead = signed_in(cluster.a, LEAD)
    figures = cluster.figures["together"]
    before = {pk: cluster.figure(pk) for pk in figures}
    assert len({f["indicator"] for f in before.values()}) == 1

    # Both approvals are saved; each then re-assesses the indicator, and both wait to
    # store what they found.
    held = HeldLock(cluster, f"LOCK TABLE {ASSESSMENTS} IN SHARE MODE")
    jobs = [approving(lead.at(site), pk) for site, pk in zip((cluster.a, cluster.b), figures,
                                                             strict=True)]
    results: list = []
    sender = threading.Thread(target=lambda: results.extend(together(jobs)))
    sender.start()
    held.release_when_waited_on_by(len(figures))
    sender.join(timeout=120)

    assert [(status, location) for status, location, _ in results] == [
        (302, "/returns/approvals/")] * len(figures)
    assert [banner(page) for _, _, page in results] == [
        "1 figure approved. The indicators have been assessed again."] * len(figures)
    for pk in figures:
        assert cluster.figure(pk)["state"] == "approved"
        assert cluster.assessed(pk) == [(before[pk]["value"],)]

def test_changes_to_one_figure_from_the_same_copy_through_both_servers_save_one(cluster):
    owner = signed_in(cluster.a, OWNER)
    pk = cluster.figures["edited"]
    before = cluster.figure(pk)
    since = cluster.last_change()
    values = [before["value"] + Decimal(i + 1) / 10 for i in range(CONTENDERS)]

    def changing(visitor: Visitor, value: Decimal) -> Callable[[], tuple[int, str, str]]:
        def job() -> tuple[int, str, str]:
            answer = visitor.post(f"/returns/figures/{pk}/", {
                "version": str(before["version"]), "value": str(value),
                "note": "Checked against the source", "action": "save"})
            return answer.status, answer.location, answer.text
        return job

    # Every request has checked its copy's version and waits to write.
    held = HeldLock(cluster, f"LOCK TABLE {FIGURES} IN SHARE ROW EXCLUSIVE MODE")
    jobs = [changing(owner.at(cluster.a if i % 2 else cluster.b), value)
            for i, value in enumerate(values)]
    results: list = []
    sender = threading.Thread(target=lambda: results.extend(together(jobs)))
    sender.start()
    held.release_when_waited_on_by(CONTENDERS)
    sender.join(timeout=120)

    saved = [i for i, (status, _, _) in enumerate(results) if status == 302]
    assert len(saved) == 1, cluster.logs()
    won = values[saved[0]]
    refused = (f"Someone changed this figure after you opened it (your copy is version "
               f"{before['version']}, it is now version {before['version'] + 1}). Your "
               "change was not saved")
    for i, (status, _, page) in enumerate(results):
        if i != saved[0]:
            assert status == 200
            assert refused in html.unescape(page)
    after = cluster.figure(pk)
    assert (after["state"], after["value"], after["version"]) == (
        "draft", won, before["version"] + 1)
    assert cluster.changes_since(since, pk) == [
        ("update", OWNER, "submitted", "draft", after["version"], won)]


def test_work_asked_of_one_server_is_done_by_a_worker_and_its_file_served_by_both(cluster):
    officer = signed_in(cluster.a, OFFICER)
    asked = officer.post("/bodies/gsp-board/packs/",
                         {"meeting": "none", "format": "xlsx", "period": "2019/20"})
    assert asked.status == 302
    pack = int(re.fullmatch(r"/packs/(\d+)/", asked.location)[1])
    # Neither server runs the work: it waits in the database for a worker.
    assert cluster.query(f"SELECT status FROM {TASKS}") == [("READY",)]
    assert officer.at(cluster.b).get(f"/packs/{pack}/download/").location == f"/packs/{pack}/"

    worked = run_joinedup("db_worker", "--batch", "--queue-name=*", "--no-startup-delay",
                          env=cluster.env)
    assert worked.returncode == 0, worked.stdout + worked.stderr
    assert cluster.query(f"SELECT status FROM {TASKS}") == [("SUCCESSFUL",)]

    files = [officer.at(site).get(f"/packs/{pack}/download/") for site in (cluster.a, cluster.b)]
    assert [f.status for f in files] == [200, 200]
    assert files[0].body == files[1].body
    assert files[0].body.startswith(b"PK\x03\x04")
    digest = hashlib.sha256(files[0].body).hexdigest()
    assert [f.headers["etag"] for f in files] == [f'"{digest}"'] * 2
    assert cluster.query(f"SELECT sha256 FROM {PACKS} WHERE id = %s", pack) == [(digest,)]
