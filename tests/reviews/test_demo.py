"""The demo's self-assessment: last year's round closed, this year's open, every member
of the Board and the Steering Group scoring except those left for the browser test."""

from __future__ import annotations

import pytest
from django.utils import timezone

from joinedup.demo.reviews import NOT_YET_SCORED, build_self_assessment
from joinedup.reviews.models import Response, Score, SelfAssessmentRound
from joinedup.reviews.results import round_results

pytestmark = pytest.mark.django_db


def test_two_rounds_last_years_closed_this_years_open():
    current, last = SelfAssessmentRound.objects.order_by("-opens")
    assert (current.status, last.status) == ("open", "closed")
    assert current.questions.filter(code="own-1").exists()
    assert not last.questions.filter(code="own-1").exists()
    assert last.agreed_actions.get().action.status == "complete"


def test_some_members_have_yet_to_score_this_year():
    current = SelfAssessmentRound.objects.get(status="open")
    scored = set(Response.objects.filter(round=current).values_list("person__username",
                                                                    flat=True))
    assert not scored & set(NOT_YET_SCORED)
    assert len(scored) == 9


def test_the_scores_are_the_same_every_build_and_show_steering_and_systems_improving(person):
    current = SelfAssessmentRound.objects.get(status="open")
    changes = [(row["element"], round(row["mean"], 2), round(row["change"], 2))
               for row in round_results(current, person("officer")).elements]
    assert changes == [
        ("goals", 3.89, 0.71), ("staff-and-skills", 3.0, 0.09), ("style", 2.5, -0.5),
        ("synergies", 2.94, 0.04), ("standards", 3.17, 0.03), ("steering", 2.96, 1.21),
        ("systems", 2.96, 0.93)]


def test_building_again_changes_nothing(demo_sources):
    before = list(Score.objects.order_by("pk").values_list("pk", "value", "comment"))
    build_self_assessment({}, timezone.localdate())
    assert list(Score.objects.order_by("pk").values_list("pk", "value", "comment")) == before
