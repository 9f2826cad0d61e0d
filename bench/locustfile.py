"""The load test's people, for Locust (run by ``bench/load.py``, not on its own).

Three kinds of user, as a partnership uses JoinedUp in the week before a Board meeting:

- **partners** (all but three of the users): each signs in as one of the demo's people
  and browses the overview, a theme, an indicator, an area, the Board's page and the
  Board's report, pausing 1–3 s between pages as a reader does;
- **two data owners** (NHS Gateshead and Northumbria Police): each downloads its return's
  template for the open round, fills in every figure and uploads it as a CSV, as a draft,
  then looks at the upload's page; again and again;
- **one partnership officer**: builds the Board's pack (PDF) through the API, waits for
  the background worker to build it, issues it, and waits for that too.

Every request is named by its page, so the results are per page, not per address.
The setup (``bench/load.py``) passes the demo's passwords, an API token and the pages'
addresses in the environment.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import time

from locust import HttpUser, between, task

SETUP = json.loads(os.environ.get("JOINEDUP_LOAD", "{}"))
READERS = ["board.member", "steering.member", "theme.lead", "cllr.east", "finance.officer"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(user: HttpUser, username: str) -> None:
    form = user.client.get("/account/sign-in/", name="sign-in page")
    token = TOKEN.search(form.text).group(1)
    with user.client.post("/account/sign-in/", name="sign in", allow_redirects=False,
                          data={"csrfmiddlewaretoken": token, "username": username,
                                "password": SETUP["passwords"][username]},
                          headers={"Referer": f"{user.host}/account/sign-in/"},
                          catch_response=True) as answer:
        if answer.status_code != 302:
            answer.failure(f"{username} could not sign in: HTTP {answer.status_code}")


class Partner(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        sign_in(self, random.choice(READERS))

    @task(3)
    def overview(self):
        self.client.get("/", name="overview")

    @task(3)
    def theme(self):
        self.client.get(f"/themes/{random.choice(SETUP['themes'])}/", name="theme page")

    @task(4)
    def indicator(self):
        self.client.get(f"/indicators/{random.choice(SETUP['indicators'])}/",
                        name="indicator page")

    @task(2)
    def area(self):
        self.client.get(f"/areas/{random.choice(SETUP['areas'])}/", name="area page")

    @task(1)
    def board(self):
        self.client.get("/bodies/gsp-board/", name="the Board's page")

    @task(1)
    def board_report(self):
        self.client.get("/bodies/gsp-board/report/", name="the Board's report")


class DataOwner(HttpUser):
    fixed_count = 2
    wait_time = between(2, 5)
    owners = iter(["pct.analyst", "police.analyst"])

    def on_start(self):
        self.username = next(DataOwner.owners, "pct.analyst")
        sign_in(self, self.username)

    @task
    def upload_return(self):
        round_slug = SETUP["round"]
        template = self.client.get(f"/returns/rounds/{round_slug}/template.csv",
                                   name="return template")
        rows = list(csv.DictReader(io.StringIO(template.text.lstrip("\ufeff"))))
        for row in rows:
            previous = float(row["previous_value"] or 0)
            row["value"] = f"{previous * random.uniform(0.97, 1.03):.2f}"
        out = io.StringIO()
        writer = csv.DictWriter(out, list(rows[0]) if rows else ["indicator"])
        writer.writeheader()
        writer.writerows(rows)
        page = self.client.get("/returns/upload/", name="upload page")
        token = TOKEN.search(page.text).group(1)
        with self.client.post(
                "/returns/upload/", name="upload a return", allow_redirects=False,
                data={"csrfmiddlewaretoken": token, "round": round_slug, "submit": "no"},
                files={"file": (f"{self.username}.csv", out.getvalue().encode(), "text/csv")},
                headers={"Referer": f"{self.host}/returns/upload/"},
                catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"upload refused: HTTP {answer.status_code}")
                return
            where = answer.headers["Location"]
        self.client.get(where, name="the upload's page")


class Officer(HttpUser):
    fixed_count = 1
    wait_time = between(5, 10)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {SETUP['token']}"}

    @task
    def issue_pack(self):
        with self.client.post("/api/packs", name="build the Board's pack", headers=self.headers,
                              json={"body": "gsp-board", "format": "pdf"},
                              catch_response=True) as answer:
            if answer.status_code != 202:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
                return
            pack = answer.json()["id"]
        if not self.finished(pack, "built"):
            return
        with self.client.post(f"/api/packs/{pack}/issue", name="issue the Board's pack",
                              headers=self.headers, catch_response=True) as answer:
            if answer.status_code != 202:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
                return
        # Issuing is background work too: the officer sees it through before the next pack,
        # which would otherwise be the same draft, still being issued.
        self.finished(pack, "issued")

    def finished(self, pack: int, what: str) -> bool:
        """Wait, as the pack's page does, for the worker to finish with ``pack``."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = self.client.get(f"/api/packs/{pack}", name="the pack's state",
                                    headers=self.headers).json()
            if state["work_state"] in ("done", "failed"):
                break
            time.sleep(2)
        if state["work_state"] == "done":
            return True
        with self.client.get(f"/api/packs/{pack}", name="the pack's state",
                             headers=self.headers, catch_response=True) as answer:
            answer.failure(f"the pack was not {what}: {state['work_state']} "
                           f"{state['work_error']}")
        return False
