"""Exceptions in the API: reading them, triaging them, their commentary, the Board's minute.

Exceptions are the partnership's own business: an anonymous caller's lists are empty and
any one exception is a 404, as the rounds are. Every decision goes through
``exceptions.decisions``, as the pages and the command line do, so who may decide and what
each decision needs are the same everywhere. A caller who may not take the step gets a 403
with the rule's own sentence; a decision that cannot be taken as asked (an escalation with
no recommendation, an exception already closed) gets a 422 with the reason, and nothing is
changed.
"""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, invalid, page,
)
from joinedup.core.periods import PeriodError, parse_period
from joinedup.exceptions import decisions
from joinedup.exceptions.api_schemas import (
    BoardDecisionIn,
    BoardDecisionOut,
    CommentaryIn,
    CommentaryOut,
    ExceptionDetail,
    ExceptionPage,
    ExceptionQuery,
    Triaged,
    TriageIn,
    board_decision_item,
    decision_item,
    exception_detail,
    exception_item,
    pence,
)
from joinedup.exceptions.models import IndicatorException
from joinedup.exceptions.pages import exception_items
from joinedup.partnership import roles
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.partnership.models import Meeting, Organisation, Person

router = Router(auth=READ)

ExceptionId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _problem(detail: str, column: str = "", message: str = "") -> Status:
    """A 422 with one problem, in the shape every invalid request is answered in."""
    return Status(422, invalid(detail, [{"row": None, "column": column,
                                         "message": message or detail, "severity": "error"}]))


def _unseen(exception_id: int) -> str:
    return f"There is no exception {exception_id} that you may see."


def _one(user, exception_id: int) -> IndicatorException:
    exception = (IndicatorException.objects.visible_to(user).select_related("indicator", "layer")
                 .filter(pk=exception_id).first())
    if exception is None:
        raise HttpError(404, _unseen(exception_id))
    return exception


@router.get("", response={200: ExceptionPage, **READ_ERRORS}, summary="List exceptions",
            openapi_extra=OPTIONAL_TOKEN)
def list_exceptions(request, query: Query[ExceptionQuery]):
    """Exceptions the caller may see, by indicator code, layer and latest period first;
    filter by period, state, decision, layer or indicator. Partners only: an anonymous
    caller gets an empty list."""
    user = request.auth
    rows = (IndicatorException.objects.visible_to(user)
            .order_by("indicator__code", "layer__order", "-period_start", "pk"))
    if query.period:
        try:
            rows = rows.as_at(parse_period(query.period).label)
        except PeriodError as error:
            return _problem("The period is not one this service can read.", "period",
                            str(error))
    if query.state:
        rows = rows.filter(state=query.state)
    if query.decision:
        rows = rows.filter(decision="" if query.decision == "undecided" else query.decision)
    if query.layer:
        rows = rows.filter(layer__slug=query.layer.strip().lower())
    if query.indicator:
        chosen = query.indicator.strip()
        rows = rows.filter(Q(indicator__code__iexact=chosen) | Q(indicator__slug=chosen.lower()))
    listed = page(rows.values_list("pk", flat=True), query, lambda pk: pk)
    found = {item.exception.pk: item for item in exception_items(
        IndicatorException.objects.filter(pk__in=listed["items"]), user)}
    listed["items"] = [exception_item(found[pk]) for pk in listed["items"]]
    return listed


# Declared before "/{exception_id}", so that "triage" is not read as an exception's id.
@router.post("/triage", auth=WRITE, response={201: Triaged, **WRITE_ERRORS},
             summary="Triage exceptions")
def triage_exceptions(request, body: TriageIn):
    """Give each exception listed the same decision, replacing any it had; all of them, or
    none.

    - `anomaly`: the flagged figures go back to their owners, with the note as the reason.
    - `performance`: needs a `plan` with its `owner` and the `due` date of its actions.
    - `escalate`: needs a `recommendation` and what the Board is asked to decide
      (`board_asked_for`).

    Only members of the management group and the partnership officer may triage (403).
    """
    user = request.auth
    if not roles.may_triage(user):
        raise HttpError(403, roles.TRIAGE_REFUSAL)
    wanted = sorted(set(body.ids))
    unseen = sorted(set(wanted) - set(IndicatorException.objects.visible_to(user)
                                      .filter(pk__in=wanted).values_list("pk", flat=True)))
    if unseen:
        raise HttpError(404, f"There is no exception {unseen[0]} that you may see; nothing "
                             "was decided.")
    plan = None
    if body.decision == IndicatorException.Decision.PERFORMANCE and body.plan is not None:
        owner = Person.objects.filter(username=body.plan.owner.strip()).first()
        if owner is None:
            return _problem(f"There is no one with the username {body.plan.owner!r} to own "
                            "the remedial plan.", "plan.owner")
        if body.plan.review_period:
            # The service reads the period too; read here, the problem names its field.
            try:
                parse_period(body.plan.review_period)
            except PeriodError as error:
                return _problem(f"The review period is not a period: {error}",
                                "plan.review_period")
        plan = decisions.PlanDetails(owner=owner, due=body.plan.due, actions=body.plan.actions,
                                     review_period=body.plan.review_period or "")
    try:
        made = decisions.triage(wanted, user, body.decision, body.note,
                                recommendation=body.recommendation,
                                board_asked_for=body.board_asked_for or "", plan=plan)
    except decisions.DecisionRefused as refused:
        return _problem(str(refused))
    label = IndicatorException.Decision(body.decision).label
    label = label[0].lower() + label[1:]
    return Status(201, {
        "detail": f"{len(made)} exception{'s' if len(made) != 1 else ''} decided: {label}.",
        "count": len(made), "ids": wanted, "decisions": [decision_item(d) for d in made]})


@router.get("/{exception_id}", response={200: ExceptionDetail, **DETAIL_ERRORS},
            summary="One exception, with its flags, commentary and decisions",
            openapi_extra=OPTIONAL_TOKEN)
def get_exception(request, exception_id: ExceptionId):
    """An exception with its flags, its owner's commentary, every decision on it (and on its
    earlier occurrences), its remedial plan and the Board's minutes; 404 if the caller may
    not see it."""
    user = request.auth
    found = exception_items(IndicatorException.objects.visible_to(user).filter(pk=exception_id),
                            user)
    if not found:
        raise HttpError(404, _unseen(exception_id))
    return exception_detail(found[0])


@router.post("/{exception_id}/commentary", auth=WRITE,
             response={200: CommentaryOut, **WRITE_ERRORS},
             summary="Write an exception's commentary")
def write_exception_commentary(request, exception_id: ExceptionId, body: CommentaryIn):
    """Write, or rewrite, the story behind the curve: what happened, why, and what is being
    done. The indicator's owner, the members of the exception's layer and the partnership
    officer may (403 for anyone else)."""
    user = request.auth
    exception = _one(user, exception_id)
    try:
        written = decisions.write_commentary(exception, user, **body.model_dump())
    except decisions.NotAllowed as refused:
        return Status(403, {"detail": str(refused)})
    except decisions.DecisionRefused as refused:
        return _problem(str(refused))
    return {"what_happened": written.what_happened, "why": written.why,
            "what_is_being_done": written.what_is_being_done,
            "written_by": written.written_by.get_username(), "written_at": written.written_at}


@router.post("/{exception_id}/board-decisions", auth=WRITE,
             response={201: BoardDecisionOut, **WRITE_ERRORS},
             summary="Minute the Board's decision on an escalated exception")
def minute_board_decision(request, exception_id: ExceptionId, body: BoardDecisionIn):
    """Record what the Board decided about an exception escalated to it: `noted`,
    `action_agreed` (with the `partner` who will act and the `due` date),
    `move_resources` (with the `amount`, if known) or `change_strategy`. The partnership
    officer and the Board's chair, vice-chair and officer may (403 for anyone else)."""
    user = request.auth
    if not roles.may_minute(user):
        raise HttpError(403, roles.MINUTE_REFUSAL)
    exception = _one(user, exception_id)
    meeting = partner = None
    if body.meeting is not None:
        meeting = (Meeting.objects.visible_to(user).select_related("body")
                   .filter(pk=body.meeting).first())
        if meeting is None:
            return _problem(f"There is no meeting {body.meeting}.", "meeting")
    if body.partner is not None:
        partner = Organisation.objects.visible_to(user).filter(
            slug=body.partner.strip().lower()).first()
        if partner is None:
            return _problem(f"There is no partner {body.partner!r}.", "partner")
    try:
        made = decisions.record_board_decision(
            exception, user, outcome=body.outcome, minute=body.minute, meeting=meeting,
            partner=partner, due=body.due, amount=pence(body.amount))
    except decisions.DecisionRefused as refused:
        return _problem(str(refused))
    return Status(201, board_decision_item(made))
