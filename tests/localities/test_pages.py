"""The places pages: the forums' choices counted for the Board, a forum choosing its
outcomes, and residents' priorities entered and imported."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from joinedup.localities.models import AreaPriority, ResidentPriority
from joinedup.partnership.models import Body, Person
from joinedup.strategy.models import Outcome

pytestmark = pytest.mark.django_db
FORUM = "/places/forums/east-area-forum/"


@pytest.fixture
def forum_chair(client):
    client.force_login(Person.objects.get(username="cllr.east"))
    return client


def choice_form(outcomes, reasons=None) -> dict:
    data = {}
    for outcome in outcomes:
        data[f"chosen_{outcome.pk}"] = "on"
        data[f"reason_{outcome.pk}"] = (reasons or {}).get(outcome.pk, f"Why {outcome.pk}")
    return data


def test_the_forums_chair_chooses_its_outcomes_on_its_page(forum_chair):
    picked = list(Outcome.objects.order_by("theme__order", "order")[:5])
    answer = forum_chair.post(FORUM, choice_form(picked))
    assert (answer.status_code, answer["Location"]) == (302, FORUM)
    east = Body.objects.get(slug="east-area-forum")
    assert list(AreaPriority.objects.filter(forum=east).values_list("outcome_id", "reason")
                ) == [(o.pk, f"Why {o.pk}") for o in picked]
    page = forum_chair.get(FORUM).content.decode()
    assert all(o.title in page for o in picked)


def test_a_refused_choice_shows_why_and_keeps_what_was_ticked(forum_chair):
    held = list(AreaPriority.objects.filter(forum__slug="east-area-forum")
                .values_list("outcome_id", "reason"))
    picked = list(Outcome.objects.order_by("theme__order", "order")[:3])
    answer = forum_chair.post(FORUM, choice_form(picked))
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Choose five or six outcomes; 3 are chosen." in page
    assert page.count('type="checkbox" value="on" checked') == 3
    assert list(AreaPriority.objects.filter(forum__slug="east-area-forum")
                .values_list("outcome_id", "reason")) == held


def test_someone_outside_the_forum_sees_no_form_and_may_not_choose(client_as):
    client = client_as("police")
    assert 'data-testid="choose-form"' not in client.get(FORUM).content.decode()
    picked = list(Outcome.objects.order_by("theme__order", "order")[:5])
    assert client.post(FORUM, choice_form(picked)).status_code == 403


def test_the_board_sees_how_often_each_outcome_was_chosen(client_as, person):
    from django.utils import timezone

    from joinedup.localities.choosing import choose_outcomes

    outcomes = list(Outcome.objects.order_by("theme__order", "order")[:7])
    for slug, chosen in (("east-area-forum", outcomes[:5]), ("south-area-forum",
                                                              outcomes[2:7])):
        choose_outcomes(Body.objects.get(slug=slug), [(o, "Because") for o in chosen],
                        person=person("officer"), now=timezone.now())
    page = client_as("board").get("/places/").content.decode()
    table = page[page.index('data-testid="chosen-outcomes"'):]
    first = table.index(outcomes[2].title)
    assert first < table.index(outcomes[0].title)
    assert "East Area Forum, South Area Forum" in table[first:table.index("</tr>", first)]


def test_a_priority_raised_at_a_meeting_is_entered(forum_chair):
    felling = "E05001076"
    from joinedup.places.models import Area

    answer = forum_chair.post("/places/priorities/", {
        "form": "meeting", "area": Area.objects.get(code=felling).pk,
        "issue": "Speeding on Sunderland Road", "consultation": "East Area Forum, 12 March 2009",
        "collected_on": "2009-03-12", "count": "14"})
    assert (answer.status_code, answer["Location"]) == (302, "/places/priorities/?saved=1")
    saved = ResidentPriority.objects.get(issue="Speeding on Sunderland Road")
    assert (saved.source, saved.count, saved.sample_size, saved.area.code) == (
        "forum_meeting", 14, None, felling)
    page = forum_chair.get(f"/places/priorities/?area={felling}").content.decode()
    assert "Speeding on Sunderland Road" in page
    assert "Felling: East Area Forum, 12 March 2009</caption>" in page


def test_a_file_with_a_wrong_row_is_refused_on_the_page_and_nothing_saved(forum_chair):
    data = (b"area,issue,consultation,collected_on,count\n"
            b"E05001076,Litter,Felling survey,2009-03-01,40\n"
            b"E05001069,Parking,Felling survey,2009-03-01,12\n")
    before = ResidentPriority.objects.count()
    page = forum_chair.post("/places/priorities/", {
        "form": "file", "file": SimpleUploadedFile("survey.csv", data, "text/csv")})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Row 3, area: E05001069 is outside the areas of your area forums" in text
    assert ResidentPriority.objects.count() == before


def test_no_one_signed_out_reaches_the_places_pages(client_as):
    client = client_as(None)
    for url in ("/places/", FORUM, "/places/priorities/"):
        assert client.get(url).status_code == 302
