"""An area forum chooses five or six outcomes, each with its reason; a new choice replaces
the last one whole, and every change is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from joinedup.history.models import Change
from joinedup.localities.choosing import choose_outcomes
from joinedup.localities.models import AreaPriority
from joinedup.partnership.models import Body, Person
from joinedup.strategy.models import Outcome

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2009, 3, 12, 19, 0, tzinfo=dt.UTC)


def east():
    return Body.objects.get(slug="east-area-forum")


def chair():
    return Person.objects.get(username="cllr.east")


def outcomes(count: int) -> list[Outcome]:
    return list(Outcome.objects.order_by("theme__order", "order", "pk")[:count])


def test_the_forums_chair_chooses_six_outcomes_with_reasons():
    AreaPriority.objects.filter(forum=east()).delete()
    before = Change.objects.filter(reason="East Area Forum chose its outcomes").count()
    chosen = outcomes(6)
    kept = choose_outcomes(east(), [(o, f"It matters in East Gateshead: {o.title}")
                                    for o in chosen], person=chair(), now=NOW)
    assert [(p.outcome_id, p.order, p.chosen_by.username) for p in kept] == [
        (o.pk, n, "cllr.east") for n, o in enumerate(chosen, start=1)]
    assert list(AreaPriority.objects.filter(forum=east()).values_list("outcome_id", flat=True)
                ) == [o.pk for o in chosen]
    assert Change.objects.filter(reason="East Area Forum chose its outcomes").count() == (
        before + 6)


def test_a_new_choice_replaces_the_last_one_whole():
    first, second = outcomes(7)[:6], outcomes(7)[1:]
    choose_outcomes(east(), [(o, "First reason") for o in first], person=chair(), now=NOW)
    choose_outcomes(east(), [(o, "Second reason") for o in second], person=chair(), now=NOW)
    held = AreaPriority.objects.filter(forum=east())
    assert sorted(held.values_list("outcome_id", flat=True)) == sorted(o.pk for o in second)
    assert set(held.values_list("reason", flat=True)) == {"Second reason"}


def test_four_outcomes_a_repeat_and_a_missing_reason_are_refused():
    before = list(AreaPriority.objects.filter(forum=east()).values_list("pk", "reason"))
    picked = outcomes(4)
    with pytest.raises(ValidationError) as refused:
        choose_outcomes(east(), [(o, "Why") for o in picked] + [(picked[0], " ")],
                        person=chair(), now=NOW)
    assert refused.value.messages == [
        "Choose five or six outcomes; 4 are chosen.", "Choose each outcome once.",
        f"Say why “{picked[0].title}” matters in the forum's area."]
    assert list(AreaPriority.objects.filter(forum=east()).values_list("pk", "reason")
                ) == before


def test_only_the_forums_members_and_the_officer_choose():
    with pytest.raises(PermissionDenied) as refused:
        choose_outcomes(east(), [(o, "Why") for o in outcomes(5)],
                        person=Person.objects.get(username="cllr.south"), now=NOW)
    assert str(refused.value) == ("Only the members of East Area Forum and the partnership "
                                  "officer may choose its outcomes.")
    kept = choose_outcomes(east(), [(o, "Why") for o in outcomes(5)],
                           person=Person.objects.get(username="officer"), now=NOW)
    assert len(kept) == 5


def test_only_an_area_forum_chooses():
    with pytest.raises(ValidationError) as refused:
        choose_outcomes(Body.objects.get(slug="safer-gateshead"),
                        [(o, "Why") for o in outcomes(5)],
                        person=Person.objects.get(username="officer"), now=NOW)
    assert refused.value.messages == [
        "Safer Gateshead Partnership is not an area forum: area forums choose outcomes."]
