"""Rounds keep their own questions; scores are one per member and question; who sees and
scores what; and what counts as evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from joinedup.reviews.models import OwnQuestion, Response, Score, SelfAssessmentRound
from joinedup.reviews.querysets import may_score, may_see_results
from joinedup.reviews.scoring import Answer, checked_link, open_round, save_scores

from .rounds import scored_rounds

pytestmark = pytest.mark.django_db


def test_a_round_keeps_the_questions_it_asked_when_the_questionnaire_changes():
    own = OwnQuestion.objects.create(code="own-2", element="steering",
                                     text="Does the Board see every pooled budget?")
    round_ = open_round("Test round 2102", opens=dt.date(2102, 1, 1), closes=dt.date(2102, 2, 1))
    asked = round_.questions.get(code="own-2")
    assert (asked.text, asked.element_name, asked.sources) == (
        "Does the Board see every pooled budget?", "Steering", "")
    own.text = "Does the Board see every pooled and aligned budget?"
    own.save()
    asked.refresh_from_db()
    assert asked.text == "Does the Board see every pooled budget?"
    assert list(round_.questions.filter(element="steering").values_list("code", flat=True)) \
        == ["steering-1", "steering-2", "steering-3", "own-2"]
    assert round_.questions.get(code="goals-2").sources == (
        "Narrowing the gap — Warwickshire Public Service Board")


def test_a_round_cannot_close_before_it_opens():
    with pytest.raises(ValidationError, match="close on or after the day it opens"):
        open_round("Backwards", opens=dt.date(2102, 2, 1), closes=dt.date(2102, 1, 1))


def test_one_score_per_member_and_question(person):
    _, later = scored_rounds()
    response = Response.objects.get(round=later, person=person("board"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(response=response, question=later.questions.get(code="goals-1"),
                             value=3)


@pytest.mark.parametrize("persona, scores, sees_results", [
    ("board", True, True), ("steering", True, True), ("theme_lead", True, True),
    ("officer", True, True), ("pct", False, False), ("finance", False, False),
])
def test_who_scores_and_who_sees_results(person, persona, scores, sees_results):
    assert (may_score(person(persona)), may_see_results(person(persona))) == (scores,
                                                                             sees_results)


def test_a_draft_is_seen_by_its_author_alone(person):
    _, later = scored_rounds()
    draft = Response.objects.get(round=later, person__username="chamber.rep")
    assert draft.status == "draft"
    for persona in ("board", "pct"):
        assert not Response.objects.visible_to(person(persona)).filter(pk=draft.pk).exists()
    assert Response.objects.visible_to(draft.person).filter(pk=draft.pk).exists()
    assert Response.objects.visible_to(person("officer")).filter(pk=draft.pk).exists()


def test_submitted_scores_are_seen_by_members_and_not_by_other_partners(person):
    _, later = scored_rounds()
    submitted = Score.objects.filter(response__round=later, response__status="submitted")
    assert Score.objects.visible_to(person("steering")).filter(
        pk__in=submitted).count() == submitted.count() == 3 * 16
    assert not Score.objects.visible_to(person("pct")).filter(pk__in=submitted).exists()


def test_anonymous_visitors_see_nothing():
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert not SelfAssessmentRound.objects.visible_to(nobody).exists()
    assert not Response.objects.visible_to(nobody).exists()
    assert not Score.objects.visible_to(nobody).exists()


def test_a_partner_on_neither_body_cannot_score(person):
    round_ = SelfAssessmentRound.objects.get(status="open")
    with pytest.raises(PermissionDenied, match="Only members of the Board"):
        save_scores(round_, person("pct"), {"goals-1": Answer(value=3)}, submit=False)


@pytest.mark.parametrize("link", [
    "/bodies/gsp-board/packs/", "/resources/lines/", "/resources/lines/?theme=x",
    "https://www.gateshead.gov.uk/", "http://example.org/report.pdf",
])
def test_evidence_that_is_accepted(link):
    assert checked_link(f"  {link} ") == link


@pytest.mark.parametrize("link, message", [
    ("/no/such/page/", "/no/such/page/ is not a page of JoinedUp. Copy the address of the "
                       "page from the browser, from the first /."),
    ("/api/self-assessment", "/api/self-assessment is not a page a reader can open as "
                             "evidence."),
    ("//elsewhere.example/resources/", "//elsewhere.example/resources/ is not a page of "
                                       "JoinedUp. Copy the address of the page from the "
                                       "browser, from the first /."),
    ("/\\elsewhere.example/resources/", "/\\elsewhere.example/resources/ is not a page of "
                                        "JoinedUp. Copy the address of the page from the "
                                        "browser, from the first /."),
    ("/\t/elsewhere.example/", "/\t/elsewhere.example/ is not a page of JoinedUp. Copy "
                               "the address of the page from the browser, from the first /."),
    ("board pack", "board pack is neither a web address starting https:// nor a page of "
                   "JoinedUp starting /."),
    ("javascript:alert(1)", "javascript:alert(1) is neither a web address starting https:// "
                            "nor a page of JoinedUp starting /."),
])
def test_evidence_that_is_refused(link, message):
    with pytest.raises(ValidationError) as refused:
        checked_link(link)
    assert refused.value.messages == [message]


def test_a_submitted_response_stays_whole(person):
    _, later = scored_rounds()
    with pytest.raises(ValidationError) as refused:
        save_scores(later, person("board"), {"goals-1": Answer(value=None)}, submit=False)
    assert refused.value.message_dict == {
        "score-goals-1": ["Score goals-1 before you submit: choose from 1 to 5."]}
    response = Response.objects.get(round=later, person=person("board"))
    assert response.status == "submitted"
    assert response.scores.get(question__code="goals-1").value == 5
