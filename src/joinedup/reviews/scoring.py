"""The rules of the self-assessment, taken the same way from the pages, the command line
and the API: opening and closing a round, a member's scores, their evidence, and the
actions agreed from the results.

A round opens with its own copy of the questionnaire: the shipped questions and the
partnership's own, in the model's order. A member keeps a draft as they go, and submits
it once every question has a score; until the round closes they may change it. Evidence
is a web address (``https://…``) or a page of JoinedUp itself, given by its path
(``/bodies/gsp-board/packs/``, ``/resources/lines/``), which must be a page that exists.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from joinedup.history.recording import current_context, recorded_as
from joinedup.partnership.models import Membership
from joinedup.reviews.models import (
    AgreedAction,
    OwnQuestion,
    Response,
    RoundQuestion,
    Score,
    SelfAssessmentRound,
)
from joinedup.reviews.questionnaire import (
    Question,
    add_own_questions,
    load_questionnaire,
)
from joinedup.reviews.querysets import (
    AGREE_REFUSAL,
    SCORING_BODIES,
    SCORING_REFUSAL,
    may_agree_actions,
    may_score,
)
from joinedup.strategy.models import PathwayAction

MAX_LINKS = 10
MAX_LINK_LENGTH = 500
MAX_COMMENT = 4000
#: Paths that are not pages a reader can be sent to as evidence.
NOT_PAGES = ("/api/", "/admin/", "/account/")


@dataclass(frozen=True)
class Answer:
    """What a member says of one question: a score (none yet, in a draft), a comment
    and links to the evidence."""

    value: int | None
    comment: str = ""
    evidence: tuple[str, ...] = field(default_factory=tuple)


def _recording(person, reason: str) -> AbstractContextManager:
    """Record the change as ``person``'s, or, with no person, as whoever is recorded now
    (the demo builder, a command), with ``reason``."""
    if person is not None:
        return recorded_as(person, reason=reason)
    context = current_context()
    return recorded_as(context.person, actor=context.actor, reason=reason)


# ---- rounds ---------------------------------------------------------------------------

def open_round(title: str, *, opens: dt.date, closes: dt.date, strategy=None,
               person=None) -> SelfAssessmentRound:
    """A new open round asking the questionnaire as it stands now, with the partnership's
    own questions that are not retired."""
    if closes < opens:
        raise ValidationError({"closes": ["A round must close on or after the day it opens."]})
    if SelfAssessmentRound.objects.filter(title=title).exists():
        raise ValidationError({"title": [f"There is a round called {title!r} already."]})
    own = [Question(code=q.code, text=q.text, element=q.element)
           for q in OwnQuestion.objects.filter(retired=False)]
    questionnaire = add_own_questions(load_questionnaire(), own)
    with transaction.atomic(), _recording(person, f"Opened the self-assessment {title}"):
        round_ = SelfAssessmentRound.objects.create(
            title=title, opens=opens, closes=closes, strategy=strategy,
            score_labels=[score.label for score in questionnaire.scores])
        order = 0
        for element in questionnaire.elements:
            for question in element.questions:
                order += 1
                RoundQuestion.objects.create(
                    round=round_, code=question.code, element=element.key,
                    element_name=element.name, text=question.text, order=order,
                    sources="; ".join(dict.fromkeys(s.title for s in question.sources)))
    return round_


def close_round(round_: SelfAssessmentRound, person=None) -> SelfAssessmentRound:
    with _recording(person, f"Closed the self-assessment {round_.title}"):
        round_.status = SelfAssessmentRound.Status.CLOSED
        round_.save()
    return round_


def previous_round(round_: SelfAssessmentRound) -> SelfAssessmentRound | None:
    """The round before this one: the latest that opened earlier."""
    return (SelfAssessmentRound.objects.filter(opens__lt=round_.opens)
            .order_by("-opens", "-pk").first())


# ---- evidence -------------------------------------------------------------------------

def checked_link(link: str) -> str:
    """The link, trimmed, if it is a web address or a page of JoinedUp; otherwise a
    ``ValidationError`` saying why."""
    link = link.strip()
    if len(link) > MAX_LINK_LENGTH:
        raise ValidationError(f"{link[:40]}… is longer than {MAX_LINK_LENGTH} characters.")
    if link.startswith("/"):
        try:
            parts = urlsplit(link)
            # "//host/…", "/\host/…" and "/<tab>/host/…" lead browsers to another site.
            if (parts.netloc or "\\" in link or link.startswith("//")
                    or any(c.isspace() or not c.isprintable() for c in link)):
                raise ValueError
            path = parts.path
            resolve(path)
        except (Resolver404, ValueError):
            raise ValidationError(f"{link} is not a page of JoinedUp. Copy the address of "
                                  "the page from the browser, from the first /.") from None
        if path.startswith(NOT_PAGES):
            raise ValidationError(f"{link} is not a page a reader can open as evidence.")
        return link
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError:
        raise ValidationError(f"{link} is neither a web address starting https:// nor a "
                              "page of JoinedUp starting /.") from None
    return link


def links_from_text(text: str) -> list[str]:
    """The links typed one a line, blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# ---- scoring --------------------------------------------------------------------------

def represented_organisation(person):
    """The partner a member represents on the Board (else the management group)."""
    for kind in SCORING_BODIES:
        membership = (Membership.objects.filter(person=person, body__kind=kind)
                      .select_related("organisation").order_by("body__order", "pk").first())
        if membership is not None:
            return membership.organisation
    return None


def answer_problems(round_: SelfAssessmentRound, answers: dict[str, Answer]) -> dict:
    """Each problem with the answers, under ``score-CODE``, ``comment-CODE`` or
    ``evidence-CODE`` (the form's fields), or ``question`` for a code the round lacks."""
    codes = set(round_.questions.values_list("code", flat=True))
    problems: dict[str, list[str]] = {}
    for code, answer in answers.items():
        if code not in codes:
            problems.setdefault("question", []).append(
                f"{code} is not a question of {round_.title}.")
            continue
        if answer.value is not None and answer.value not in (1, 2, 3, 4, 5):
            problems.setdefault(f"score-{code}", []).append(
                f"The score for {code} must be a whole number from 1 to 5.")
        if len(answer.comment) > MAX_COMMENT:
            problems.setdefault(f"comment-{code}", []).append(
                f"The comment on {code} must be {MAX_COMMENT} characters or fewer.")
        if len(answer.evidence) > MAX_LINKS:
            problems.setdefault(f"evidence-{code}", []).append(
                f"Give at most {MAX_LINKS} links of evidence for {code}.")
        for link in answer.evidence:
            try:
                checked_link(link)
            except ValidationError as error:
                problems.setdefault(f"evidence-{code}", []).extend(
                    f"Evidence for {code}: {message}" for message in error.messages)
    return problems


def save_scores(round_: SelfAssessmentRound, person, answers: dict[str, Answer], *,
                submit: bool) -> Response:
    """Keep ``person``'s answers (by question code) in ``round_``, as a draft or, with
    ``submit``, submitted. Questions not in ``answers`` keep what was saved before. Once
    submitted, a response stays submitted: a change to it is checked as a submission.

    ``PermissionDenied`` for anyone who is not a member of the Board or the management
    group; ``ValidationError`` (by field) for a closed round, a bad score, comment or
    link, or a submission with a question unscored. Nothing is saved unless all is well.
    """
    if not may_score(person):
        raise PermissionDenied(SCORING_REFUSAL)
    if not round_.is_open:
        raise ValidationError(f"{round_.title} closed on {round_.closes:%-d %B %Y}: its "
                              "scores can no longer change.")
    problems = answer_problems(round_, answers)
    response = Response.objects.filter(round=round_, person=person).first()
    # A submitted response stays submitted: changing it is submitting it again.
    submit = submit or (response is not None and response.status == Response.Status.SUBMITTED)
    kept = ({s.question.code: s.value for s in response.scores.select_related("question")}
            if response else {})
    if submit and not problems:
        for question in round_.questions.all():
            value = (answers[question.code].value if question.code in answers
                     else kept.get(question.code))
            if value is None:
                problems.setdefault(f"score-{question.code}", []).append(
                    f"Score {question.code} before you submit: choose from 1 to 5.")
    if problems:
        raise ValidationError(problems)
    verb = "Submitted" if submit else "Saved a draft of"
    with transaction.atomic(), _recording(person, f"{verb} scores in {round_.title}"):
        if response is None:
            organisation = represented_organisation(person)
            response = Response.objects.create(round=round_, person=person,
                                               organisation=organisation)
        questions = {q.code: q for q in round_.questions.filter(code__in=list(answers))}
        existing = {s.question_id: s for s in response.scores.all()}
        for code, answer in answers.items():
            question = questions[code]
            score = existing.get(question.pk) or Score(response=response, question=question)
            score.value = answer.value
            score.comment = answer.comment.strip()
            score.evidence = [checked_link(link) for link in answer.evidence]
            score.save()
        if submit:
            response.status = Response.Status.SUBMITTED
            response.submitted_at = timezone.now()
            response.save()
    return response


# ---- actions agreed from the results --------------------------------------------------

def agree_action(round_: SelfAssessmentRound, *, element: str, title: str, lead, due: dt.date,
                 person, owner=None) -> AgreedAction:
    """A pathway action agreed from ``round_``'s results for ``element``, delivered by
    ``lead`` by ``due``; both the action and its link to the round are recorded."""
    if not may_agree_actions(person):
        raise PermissionDenied(AGREE_REFUSAL)
    elements = dict(round_.questions.values_list("element", "element_name"))
    if element not in elements:
        raise ValidationError({"element": [f"{round_.title} asked nothing under {element!r}."]})
    title = title.strip()
    if not title:
        raise ValidationError({"title": ["Say what the action is."]})
    reason = f"Agreed from the self-assessment {round_.title}: {elements[element]}"
    with transaction.atomic(), _recording(person, reason):
        action = PathwayAction.objects.create(
            title=title[:250], lead=lead, owner=owner, due=due,
            note=f"{reason}.")
        return AgreedAction.objects.create(round=round_, element=element, action=action,
                                           agreed_by=person, agreed_at=timezone.now())
