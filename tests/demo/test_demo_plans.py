"""The demo's delivery plans: one agreed, one in challenge, one draft, moved by the rules."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from joinedup.demo.plans import build_plans
from joinedup.history.models import Change
from joinedup.strategy import planning
from joinedup.strategy.delivery import (
    ChallengeComment,
    DeliveryPlan,
    Option,
    PlanAnswer,
    PlanQuestion,
)

pytestmark = pytest.mark.django_db


def plan(title: str) -> DeliveryPlan:
    return DeliveryPlan.objects.get(title=title)


def counts() -> tuple[int, ...]:
    return (DeliveryPlan.objects.count(), PlanAnswer.objects.count(), Option.objects.count(),
            ChallengeComment.objects.count(), Change.objects.count())


def test_the_three_plans_are_illustrative_in_their_states():
    assert sorted(DeliveryPlan.objects.values_list("title", "state", "illustrative")) == [
        ("Healthy weight in Year 6", "agreed", True),
        ("Less harm from alcohol", "challenge", True),
        ("More people in work", "draft", True)]


def test_the_agreed_plan_is_for_hw_02_led_and_owned_by_healthy_gateshead():
    agreed = plan("Healthy weight in Year 6")
    assert (agreed.indicator.code, agreed.lead.slug, agreed.owner.username,
            agreed.agreed_by.username) == ("HW 02", "active-healthy-gateshead", "theme.lead",
                                           "theme.lead")


def test_the_agreed_plan_answers_every_question():
    agreed = plan("Healthy weight in Year 6")
    answered = set(agreed.answers.exclude(text="").values_list("question__key", flat=True))
    assert answered == set(PlanQuestion.objects.values_list("key", flat=True))


def test_the_agreed_plan_weighs_three_options_and_chose_one_with_reasons():
    agreed = plan("Healthy weight in Year 6")
    assert (list(agreed.options.values_list("kind", "chosen")),
            planning.appraisal_problems(agreed)) == (
        [("bau", False), ("do_minimum", False), ("other", True)], [])


def test_the_agreed_plans_challenge_came_from_safer_gateshead_and_was_answered():
    comments = plan("Healthy weight in Year 6").comments.all()
    assert [(c.body.slug, c.kind, c.answered_by.username) for c in comments] == [
        ("safer-gateshead", "linkage", "theme.lead")]


def test_the_plan_in_challenge_has_one_comment_not_answered():
    comments = plan("Less harm from alcohol").comments.all()
    assert [(c.body.slug, c.answer) for c in comments] == [("active-healthy-gateshead", "")]


def test_the_moves_are_in_the_plans_history():
    kind = ContentType.objects.get_for_model(DeliveryPlan)
    reasons = list(Change.objects.filter(content_type=kind,
                                         object_id=plan("Healthy weight in Year 6").pk)
                   .order_by("pk").values_list("reason", flat=True))
    assert [r for r in reasons if r in ("Opened to challenge by the other partnerships",
                                        "Agreed after its challenge")] == [
        "Opened to challenge by the other partnerships", "Agreed after its challenge"]


def test_building_the_plans_again_changes_nothing():
    before = counts()
    assert (build_plans(timezone.now()), counts()) == (
        {"plans": 3, "draft": 1, "challenge": 1, "agreed": 1}, before)


def test_the_demo_run_again_keeps_the_same_counts():
    before = counts()
    call_command("demo", "--no-migrate", "--quiet", verbosity=0)
    assert counts()[:4] == before[:4]
