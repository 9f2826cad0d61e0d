"""Public answers carry an ETag from the data's stamp and may be kept by any cache for five
minutes; a caller holding the tag gets 304 with no page made; a signed-in person's copy is
private to them."""

from __future__ import annotations

import pytest
from django.test import Client

from joinedup.history.recording import recorded_as
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db
PAGES = ["/public/", "/public/strategy/", "/public/indicators/", "/public/indicators/hw-02/",
         "/public/indicators/sc-04/map/", "/public/maps/", "/public/packs/",
         "/public/data/datapackage.json", "/public/data/figures.csv",
         "/public/data/public-data.zip", "/public/indicators/hw-02/status.json"]


def test_each_public_answer_is_tagged_and_kept_for_five_minutes_by_any_cache():
    anonymous = Client()
    tags = set()
    for path in PAGES:
        answer = anonymous.get(path)
        assert (answer.status_code, answer["Cache-Control"], answer["Vary"]) == (
            200, "public, max-age=300", "Cookie"), path
        assert answer["ETag"].startswith('"') and len(answer["ETag"]) == 42
        tags.add(answer["ETag"])
    assert len(tags) == len(PAGES)


def test_a_caller_holding_the_tag_gets_304_from_one_query(django_assert_num_queries):
    anonymous = Client()
    tag = anonymous.get("/public/indicators/hw-02/")["ETag"]
    with django_assert_num_queries(1):  # the stamp
        again = anonymous.get("/public/indicators/hw-02/", headers={"If-None-Match": tag})
    assert (again.status_code, again.content, again["ETag"], again["Cache-Control"]) == (
        304, b"", tag, "public, max-age=300")
    other = anonymous.get("/public/indicators/hw-02/", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_a_recorded_change_gives_a_new_tag_and_the_new_content():
    anonymous = Client()
    first = anonymous.get("/public/indicators/hw-02/")
    indicator = Indicator.objects.get(code="HW 02")
    with recorded_as(actor="test", reason="Clearer title"):
        indicator.title = "Excess weight in children in Year 6, measured"
        indicator.save()
    changed = anonymous.get("/public/indicators/hw-02/", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert "Excess weight in children in Year 6, measured" in changed.content.decode()


def test_a_signed_in_persons_copy_is_theirs_alone(client_as):
    anonymous = Client().get("/public/indicators/")
    officer = client_as("officer").get("/public/indicators/")
    assert (officer.status_code, officer["Cache-Control"], officer["Vary"]) == (
        200, "private, no-cache", "Cookie")
    assert officer["ETag"] != anonymous["ETag"]
    assert "Signed in as Priya Shaw" in officer.content.decode()
    # The server keeps the anonymous copy only: the next visitor gets no one's name.
    assert "Signed in as" not in Client().get("/public/indicators/").content.decode()
