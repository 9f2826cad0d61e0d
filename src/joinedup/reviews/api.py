"""The 7S self-assessment in the API: the rounds, the questions a round asks, a member's
own scores (read and sent), and a round's results by element and by question.

Who sees what is the querysets' rule, as on the pages and the command line. Anyone
signed in sees the rounds and their questions; an anonymous caller's list is empty and
any one round is a 404, exactly as if it did not exist. Members of the Board and of the
management group send their own scores, with a token (403 for anyone else, with the
rule's sentence); they and the partnership officer read the results (403 for anyone
else). Scores that break a rule (a closed round, a question the round does not ask, a
link that is neither a web address nor a page of JoinedUp, a submission with a question
unscored) are a 422 naming each problem, and nothing is saved.
"""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, Error, PageQuery, invalid, page,
)
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.reviews import scoring
from joinedup.reviews.api_schemas import (
    SelfAssessmentQuestionsOut, ResultsOut, SelfAssessmentRoundPage, ScoresIn, ScoresOut, results_item,
)
from joinedup.reviews.models import Response, SelfAssessmentRound
from joinedup.reviews.querysets import SCORING_REFUSAL, may_score
from joinedup.reviews.results import round_results

router = Router(auth=READ)

RoundId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _round(user, round_id: int) -> SelfAssessmentRound:
    found = SelfAssessmentRound.objects.visible_to(user).filter(pk=round_id).first()
    if found is None:
        raise HttpError(404, f"There is no self-assessment round {round_id} that you may see.")
    return found


def _rounds_listed(user):
    scorer = may_score(user)
    mine = ({r.round_id: r.status for r in Response.objects.filter(person=user)}
            if scorer else {})

    def item(round_: SelfAssessmentRound) -> dict:
        return {"id": round_.pk, "title": round_.title, "opens": round_.opens,
                "closes": round_.closes, "status": round_.status,
                "questions": round_.questions.count(),
                "my_status": mine.get(round_.pk, "not started") if scorer else None}

    return item


def _problems(error: ValidationError) -> Status:
    """A 422 listing each problem, under the question and field it names."""
    if hasattr(error, "error_dict"):
        listed = [(column, message) for column, messages in error.message_dict.items()
                  for message in messages]
    else:
        listed = [("", message) for message in error.messages]
    detail = (listed[0][1] if len(listed) == 1
              else f"There are {len(listed)} problems: see problems.")
    return Status(422, invalid(detail, [
        {"row": None, "column": "" if column == "__all__" else column, "message": message,
         "severity": "error"} for column, message in listed]))


def _scores_item(response: Response | None, round_: SelfAssessmentRound) -> dict:
    scores = (response.scores.select_related("question").order_by("question__order")
              if response else [])
    return {"round": round_.pk, "status": response.status if response else "draft",
            "submitted_at": response.submitted_at if response else None,
            "answers": [{"question": s.question.code, "score": s.value, "comment": s.comment,
                         "evidence": s.evidence} for s in scores]}


@router.get("", response={200: SelfAssessmentRoundPage, **READ_ERRORS},
            summary="List the self-assessment rounds", openapi_extra=OPTIONAL_TOKEN)
def list_self_assessment_rounds(request, query: Query[PageQuery]):
    """The rounds, newest first, each open or closed, with how many questions it asks and,
    for a member of the Board or the management group, where their own scores stand.
    Partners only: an anonymous caller gets an empty list."""
    user = request.auth
    rounds = SelfAssessmentRound.objects.visible_to(user).order_by("-opens", "-pk")
    return page(rounds, query, _rounds_listed(user))


@router.get("/{round_id}/questions", response={200: SelfAssessmentQuestionsOut, **DETAIL_ERRORS},
            summary="The questions a self-assessment round asks", openapi_extra=OPTIONAL_TOKEN)
def list_self_assessment_questions(request, round_id: RoundId):
    """The questions as the round asked them, element by element in the 7S model's order,
    with the words for the scores 1 to 5. 404 if the caller may not see the round."""
    round_ = _round(request.auth, round_id)
    return {"round": round_.pk, "score_labels": round_.score_labels,
            "questions": [{"code": q.code, "element": q.element,
                           "element_name": q.element_name, "text": q.text,
                           "sources": q.sources} for q in round_.questions.all()]}


@router.get("/{round_id}/scores", response={200: ScoresOut, **DETAIL_ERRORS, 403: Error},
            summary="My scores in a self-assessment round", openapi_extra=OPTIONAL_TOKEN)
def get_my_self_assessment_scores(request, round_id: RoundId):
    """The caller's own scores, comments and evidence in the round, and whether they are a
    draft or submitted. 403 for anyone who is not a member of the Board or the management
    group."""
    user = request.auth
    round_ = _round(user, round_id)
    if not may_score(user):
        return Status(403, {"detail": SCORING_REFUSAL})
    return _scores_item(Response.objects.filter(round=round_, person=user).first(), round_)


@router.put("/{round_id}/scores", auth=WRITE, response={200: ScoresOut, **WRITE_ERRORS},
            summary="Send my scores for a self-assessment round")
def put_my_self_assessment_scores(request, round_id: RoundId, body: ScoresIn):
    """Keep the caller's scores for the questions sent (others keep what was sent before),
    as a draft, or submitted with `submit: true` once every question has a score. Members
    of the Board and the management group only (403 otherwise); 422 for a closed round, a
    question the round does not ask, a question sent twice, a link that is neither a web
    address nor a page of JoinedUp, or a submission with a question unscored."""
    user = request.auth
    round_ = _round(user, round_id)
    answers: dict[str, scoring.Answer] = {}
    for answer in body.answers:
        if answer.question in answers:
            return _problems(ValidationError({"question": [
                f"{answer.question} is sent twice: send each question once."]}))
        answers[answer.question] = scoring.Answer(value=answer.score, comment=answer.comment,
                                                  evidence=tuple(answer.evidence))
    try:
        response = scoring.save_scores(round_, user, answers, submit=body.submit)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return _problems(error)
    return _scores_item(response, round_)


@router.get("/{round_id}/results", response={200: ResultsOut, **DETAIL_ERRORS, 403: Error},
            summary="A self-assessment round's results by element and by question",
            openapi_extra=OPTIONAL_TOKEN)
def get_self_assessment_results(request, round_id: RoundId):
    """By element, in the 7S model's order: how many members scored it, the mean of their
    element scores (each the mean of the member's scores for its questions), the lowest
    and highest member, the sample standard deviation between members, each sector's mean
    and the gap between the highest and lowest sector, and the change since the previous
    round; by question, the mean, spread and how many gave each score. Only submitted
    scores count. Members of the Board and the management group and the partnership
    officer only (403 otherwise)."""
    user = request.auth
    round_ = _round(user, round_id)
    try:
        found = round_results(round_, user)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    return results_item(found)
