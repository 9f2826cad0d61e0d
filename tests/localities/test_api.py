"""Places in the API: forums' choices, residents' priorities, operations with their impact,
and locality profiles, with the pages' permissions."""

from __future__ import annotations

import pytest

from joinedup.localities.models import AreaPriority
from joinedup.places.models import Area
from joinedup.strategy.models import Outcome

pytestmark = pytest.mark.django_db


def test_an_anonymous_caller_sees_no_forums_priorities_or_operations(api):
    anonymous = api(None)
    assert anonymous.get("/api/places/forums").json() == {
        "count": 0, "limit": 100, "offset": 0, "items": []}
    assert anonymous.get("/api/places/priorities").json() == []
    assert anonymous.get("/api/places/operations").json()["count"] == 0


def test_a_partner_reads_each_forums_choice_in_its_order(api):
    forums = api("board").get("/api/places/forums").json()
    east = next(f for f in forums["items"] if f["slug"] == "east-area-forum")
    held = AreaPriority.objects.filter(forum__slug="east-area-forum").select_related(
        "outcome")
    assert forums["count"] == 5
    assert [(c["order"], c["outcome"], c["reason"]) for c in east["outcomes"]] == [
        (c.order, c.outcome.title, c.reason) for c in held]


def test_the_forums_chair_chooses_through_the_api_and_others_are_refused(api):
    picked = list(Outcome.objects.order_by("theme__order", "order")[:5])
    body = {"outcomes": [{"outcome": o.title, "reason": f"Because of {o.pk}"} for o in picked]}
    refused = api("police").put("/api/places/forums/east-area-forum/outcomes", body)
    assert (refused.status_code, refused.json()["detail"]) == (
        403, "Only the members of East Area Forum and the partnership officer may choose "
             "its outcomes.")
    chosen = api("officer").put("/api/places/forums/east-area-forum/outcomes", body)
    assert chosen.status_code == 200
    assert [c["outcome"] for c in chosen.json()["outcomes"]] == [o.title for o in picked]
    four = api("officer").put("/api/places/forums/east-area-forum/outcomes",
                              {"outcomes": body["outcomes"][:4]})
    assert (four.status_code, four.json()["detail"]) == (
        422, "Choose five or six outcomes; 4 are chosen.")
    unknown = api("officer").put("/api/places/forums/east-area-forum/outcomes", {
        "outcomes": [*body["outcomes"][:4], {"outcome": "World peace", "reason": "Why"}]})
    assert (unknown.status_code, unknown.json()["problems"]) == (422, [
        {"row": 5, "column": "outcome", "message": "there is no outcome “World peace”",
         "severity": "error"}])


def test_priorities_are_ranked_per_area_with_the_surveys_margin(api):
    groups = api("board").get("/api/places/priorities", area="E05001076").json()
    survey = next(g for g in groups if g["consultation"].startswith("East Gateshead"))
    assert (survey["area"], survey["sample_size"]) == ("E05001076", 412)
    first = survey["issues"][0]
    assert (first["rank"], first["issue"], first["count"]) == (1, "Anti-social behaviour", 187)
    assert round(first["share"], 4) == round(187 / 412, 4)
    assert api("board").get("/api/places/priorities", area="X1").status_code == 422


def test_a_profile_is_the_pages_for_anyone(api):
    answer = api(None).get("/api/profiles/E05001076")
    profile = answer.json()
    assert answer.status_code == 200
    assert (profile["name"], profile["level"], profile["parent"]) == (
        "Felling", "ward", "GSP-LOC-EAST")
    lsoas = Area.objects.filter(parent__code="E05001076", level="lsoa")
    assert sum(profile["ages"].values()) == sum(sum(a.age_bands.values()) for a in lsoas)
    assert profile["open_exceptions"] == 0 and profile["risks"] == []
    assert api(None).get("/api/profiles/NOWHERE").status_code == 404
