"""The constitution and the charter in the API: read by whom the pages allow, changed by
the partnership officer only, and a change to the charter seen at once in what the
partner's people may read."""

from __future__ import annotations

import pytest
from django.utils import timezone

from joinedup.constitution.models import CharterEntry, Document
from joinedup.history.reading import history_of
from joinedup.partnership.models import Body

pytestmark = pytest.mark.django_db


def test_anyone_reads_each_bodys_documents(api):
    caller = api(None)
    listed = caller.get("/api/constitution/bodies", limit=500).json()
    assert listed["count"] == Body.objects.count()
    board = caller.get("/api/constitution/bodies/gsp-board").json()
    assert [(d["kind"], d["version"]["number"], d["versions"], d["inherited_from"])
            for d in board["documents"]] == [("terms", 2, 2, None), ("membership", 1, 1, None),
                                              ("conduct", 1, 1, None)]
    theme = caller.get("/api/constitution/bodies/safer-gateshead").json()
    assert theme["documents"][2]["inherited_from"] == "gsp-board"
    versions = caller.get("/api/constitution/bodies/gsp-board/terms/versions").json()
    assert [(v["number"], v["in_force"]) for v in versions["items"]] == [(2, True), (1, False)]
    assert caller.get("/api/constitution/bodies/no-such-body").status_code == 404


def test_only_the_officer_writes_a_version(api):
    sent = {"text": "Terms, rewritten.", "reason": "A review of the theme partnerships."}
    refused = api("theme_lead").post("/api/constitution/bodies/safer-gateshead/terms/versions",
                                     sent)
    assert refused.status_code == 403
    written = api("officer").post("/api/constitution/bodies/safer-gateshead/terms/versions",
                                  sent)
    assert written.status_code == 201
    assert (written.json()["number"], written.json()["written_by"]) == (2, "officer")
    document = Document.objects.get(body__slug="safer-gateshead", kind="terms")
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    again = api("officer").post("/api/constitution/bodies/safer-gateshead/terms/versions", sent)
    assert again.status_code == 422
    assert again.json()["problems"][0]["column"] == "text"


def test_the_charter_is_read_by_partners_only(api):
    assert api(None).get("/api/constitution/charter").json()["count"] == 0
    entry = CharterEntry.objects.in_force().first()
    assert api(None).get(f"/api/constitution/charter/{entry.pk}").status_code == 404
    listed = api("pct").get("/api/constitution/charter").json()
    assert sorted(item["id"] for item in listed["items"]) == sorted(
        CharterEntry.objects.in_force().values_list("pk", flat=True))
    ended = api("pct").get("/api/constitution/charter", state="ended").json()
    assert [item["id"] for item in ended["items"]] == list(
        CharterEntry.objects.past().values_list("pk", flat=True))
    reaching = api("pct").get("/api/constitution/charter", recipient="gateshead-council").json()
    assert {(i["provider"], i["recipient"]) for i in reaching["items"]} == {
        ("nhs-gateshead", "gateshead-council"), ("northumbria-police", "gateshead-council")}
    unknown = api("pct").get("/api/constitution/charter", provider="nobody")
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["column"] == "provider"


def test_adding_and_ending_an_entry_in_the_api_changes_what_the_police_read(api, person):
    police = api("police")
    assert police.get("/api/indicators/cy-07").status_code == 404
    sent = {"provider": "nhs-gateshead", "recipient": "northumbria-police",
            "data": "indicators", "theme": "children-and-young-people",
            "purpose": "Safeguarding.", "agreed_by": "The Board",
            "starts": timezone.localdate().isoformat(), "reason": "Agreed by the Board."}
    assert api("pct").post("/api/constitution/charter", sent).status_code == 403
    added = api("officer").post("/api/constitution/charter", sent)
    assert added.status_code == 201
    item = added.json()
    assert (item["in_force"], item["recorded_by"], item["theme"]) == (
        True, "officer", "children-and-young-people")
    assert api("police").get("/api/indicators/cy-07").status_code == 200
    twice = api("officer").post("/api/constitution/charter", sent)
    assert twice.status_code == 422 and twice.json()["problems"][0]["column"] == "provider"
    ended = api("officer").post(f"/api/constitution/charter/{item['id']}/end",
                                {"reason": "Work done."})
    assert ended.status_code == 200
    assert (ended.json()["in_force"], ended.json()["end_reason"]) == (False, "Work done.")
    assert api("police").get("/api/indicators/cy-07").status_code == 404
    entry = CharterEntry.objects.get(pk=item["id"])
    assert [(c.action, c.actor, c.reason) for c in history_of(entry, person("officer"))] == [
        ("update", "officer", "Work done."), ("create", "officer", "Agreed by the Board.")]


def test_an_unknown_theme_is_named(api):
    sent = {"provider": "nhs-gateshead", "recipient": None, "data": "spend",
            "theme": "no-such-theme", "purpose": "x", "agreed_by": "The Board",
            "starts": "2024-04-01", "reason": "x"}
    answer = api("officer").post("/api/constitution/charter", sent)
    assert answer.status_code == 422
    assert answer.json()["problems"][0] == {"row": None, "column": "theme", "severity": "error",
                                            "message": "there is no theme 'no-such-theme'"}
