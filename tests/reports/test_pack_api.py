"""Packs in the API: list, read with the manifest, download byte for byte, build, issue."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django_tasks_db.models import DBTaskResult

from joinedup.partnership.tokens import ApiToken
from joinedup.reports import building
from joinedup.reports.models import Pack

from . import helpers
from .helpers import board, escalate

pytestmark = pytest.mark.django_db
board_round = helpers.board_round


@pytest.fixture
def api(client, person):
    """Calls the API with the token of a persona."""

    def call(persona: str, method: str, path: str, body: dict | None = None):
        token = ApiToken.objects.issue(person(persona), "tests")[1]
        send = getattr(client, method)
        kwargs = {"content_type": "application/json", "data": body} if method == "post" else {}
        return send(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return call


@pytest.fixture
def issued(board_round, person) -> Pack:
    officer = person("officer")
    return building.issue(building.draft_for(board(), officer, format="xlsx"), officer)


def test_packs_are_listed_read_and_downloaded_as_issued(issued, api, person):
    listed = api("board", "get", "/api/packs?body=gsp-board").json()
    assert (listed["count"], [item["id"] for item in listed["items"]]) == (1, [issued.pk])
    item = listed["items"][0]
    assert (item["state"], item["format"], item["sha256"], item["issued_by"], item["url"]) == (
        "issued", "xlsx", issued.sha256, "officer", f"/packs/{issued.pk}/")
    assert api("board", "get", "/api/packs?body=steering-group").json()["count"] == 0
    one = api("board", "get", f"/api/packs/{issued.pk}").json()
    assert one["manifest"] == issued.manifest
    assert len(one["manifest"]["exceptions"]) == 2
    escalate(person("officer"), "SC 01", "2017/18", "Fund alcohol liaison nurses.")
    file = api("board", "get", f"/api/packs/{issued.pk}/file").json()
    data = base64.b64decode(file["content_base64"])
    assert data == building.file_bytes(issued)
    assert (file["sha256"], hashlib.sha256(data).hexdigest(), file["size"]) == (
        issued.sha256, issued.sha256, len(data))
    assert file["file_name"] == issued.file_name


def test_anonymous_callers_see_no_packs(issued, client):
    assert client.get("/api/packs").json()["count"] == 0
    answer = client.get(f"/api/packs/{issued.pk}")
    assert (answer.status_code, answer.json()) == (
        404, {"detail": f"There is no pack {issued.pk} that you may see."})


def test_the_officer_builds_in_the_background_and_a_board_member_may_not(api):
    answer = api("officer", "post", "/api/packs", {"body": "gsp-board", "format": "pdf"})
    assert answer.status_code == 202
    pack = Pack.objects.get()
    assert answer.json()["id"] == pack.pk
    assert (answer.json()["work_state"], pack.work_state) == ("queued", "queued")
    assert DBTaskResult.objects.get().args_kwargs == {
        "args": [pack.pk, pack.built_by.pk], "kwargs": {"issue": False}}
    refused = api("board", "post", "/api/packs", {"body": "gsp-board", "format": "pdf"})
    assert (refused.status_code, refused.json()["detail"]) == (
        403, "Only the partnership officer and the chair, vice-chair and officer of Gateshead "
             "Strategic Partnership may build and issue its packs.")
    issue = api("board", "post", f"/api/packs/{pack.pk}/issue")
    assert issue.status_code == 403
    assert DBTaskResult.objects.count() == 1


def test_issuing_through_the_api_is_refused_with_the_reason(board_round, api, person):
    officer = person("officer")
    bare = escalate(officer, "SC 01", "2017/18", "Fund alcohol liaison nurses.",
                    commentary=False)
    pack = building.draft_for(board(), officer, format="html")
    answer = api("officer", "post", f"/api/packs/{pack.pk}/issue")
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith(
        f"Exception {bare.pk} (SC 01 2017/18) is red and has no commentary")
    assert DBTaskResult.objects.count() == 0


def test_a_bad_period_or_meeting_is_a_problem_with_its_field(api):
    bad = api("officer", "post", "/api/packs", {"body": "gsp-board", "format": "html",
                                               "period": "someday"})
    assert bad.status_code == 422
    assert [p["column"] for p in bad.json()["problems"]] == ["period"]
    steering = board().children.get(slug="steering-group").meetings.first()
    wrong = api("officer", "post", "/api/packs", {"body": "gsp-board", "format": "html",
                                                 "meeting": steering.pk})
    assert (wrong.status_code, wrong.json()["problems"][0]["message"]) == (
        422, f"Gateshead Strategic Partnership has no meeting {steering.pk}")
    assert Pack.objects.count() == 0
