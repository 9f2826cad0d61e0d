"""Packs on the public site: only those their body marked public, exactly as issued; who
may publish one, and the record kept."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from joinedup.history.models import Change
from joinedup.partnership.models import Body, Person
from joinedup.reports import building
from joinedup.reports.models import PackPublication

from .helpers import issued_pack

pytestmark = pytest.mark.django_db


def test_a_published_pack_is_listed_and_downloaded_as_issued():
    pack = issued_pack(public=True)
    anonymous = Client()
    listed = anonymous.get("/public/packs/").content.decode()
    assert f'href="/public/packs/{pack.pk}/download/"' in listed and pack.sha256 in listed
    answer = anonymous.get(f"/public/packs/{pack.pk}/download/")
    assert (answer.status_code, answer["ETag"], answer["Cache-Control"]) == (
        200, f'"{pack.sha256}"', "public, max-age=300")
    assert hashlib.sha256(answer.content).hexdigest() == pack.sha256
    assert answer["Content-Disposition"] == f'attachment; filename="{pack.file_name}"'
    again = anonymous.get(f"/public/packs/{pack.pk}/download/",
                          headers={"If-None-Match": answer["ETag"]})
    assert (again.status_code, again.content) == (304, b"")


def test_a_pack_not_marked_public_is_not_found_by_the_public():
    unpublished = issued_pack("steering-group", public=False)
    assert Client().get(f"/public/packs/{unpublished.pk}/download/").status_code == 404
    assert f"/public/packs/{unpublished.pk}/" not in Client().get("/public/packs/").content.decode()


def test_the_officer_publishes_and_withdraws_a_pack_with_a_record(client_as):
    pack = issued_pack(public=False)
    officer = client_as("officer")
    page = officer.get(f"/packs/{pack.pk}/").content.decode()
    assert "Not published: only the partners may read it." in page
    answer = officer.post(f"/packs/{pack.pk}/public/", {"public": "yes"})
    assert answer.status_code == 302
    assert PackPublication.objects.get(pack=pack).published_by.username == "officer"
    assert Client().get(f"/public/packs/{pack.pk}/download/").status_code == 200
    officer.post(f"/packs/{pack.pk}/public/", {"public": "no"})
    assert not PackPublication.objects.filter(pack=pack).exists()
    assert Client().get(f"/public/packs/{pack.pk}/download/").status_code == 404
    recorded = Change.objects.filter(content_type__model="packpublication", object_id=pack.pk)
    assert list(recorded.order_by("id").values_list("action", "reason")) == [
        ("create", "Pack published"), ("delete", "Pack withdrawn from the public site")]


def test_a_board_member_who_does_not_issue_packs_cannot_publish_one(client_as):
    pack = issued_pack(public=False)
    answer = client_as("board").post(f"/packs/{pack.pk}/public/", {"public": "yes"})
    assert answer.status_code == 403
    assert not PackPublication.objects.filter(pack=pack).exists()


def test_a_pack_is_published_through_the_api_and_a_draft_is_refused(api):
    pack = issued_pack(public=False)
    officer = api("officer")
    answer = officer.post(f"/api/packs/{pack.pk}/public", {"public": True})
    assert (answer.status_code, answer.json()["public"]) == (200, True)
    assert officer.get(f"/api/packs/{pack.pk}").json()["public"] is True
    draft = building.draft_for(Body.objects.get(slug="gsp-board"),
                               Person.objects.get(username="officer"), format="html",
                               period="2026/27 Q2")
    refused = officer.post(f"/api/packs/{draft.pk}/public", {"public": True})
    assert (refused.status_code, refused.json()["detail"]) == (
        409, f"Pack {draft.pk} is a draft; only an issued pack can be published.")
