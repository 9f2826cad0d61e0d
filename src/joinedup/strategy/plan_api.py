"""Delivery plans in the API: the plans, one plan with its five stages, option appraisal and
challenge; starting a plan, writing its answers and options, choosing, commenting and
answering, and moving it from draft to agreed.

Every write goes through ``strategy.planning``, as on the plan's page, so the rules are the
same: a member of the lead theme partnership, the plan's owner or the partnership officer
writes and moves a plan; the members of another theme partnership comment in its name while
it is open to challenge. A write the rule refuses is a 403 with its sentence; one that
cannot be taken as asked (an unanswered question, a short list without business as usual,
a comment left unanswered) is a 422 listing each reason. Nothing is changed by a refused
request.

Plans are the partnership's own business: an anonymous caller's list is empty and any one
plan is a 404, as is a plan that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, Code, invalid, page,
    refused_by_rule,
)
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.partnership.models import Body
from joinedup.strategy import planning
from joinedup.strategy.delivery import DeliveryPlan, PlanAnswer, PlanQuestion
from joinedup.strategy.models import Indicator, Outcome
from joinedup.strategy.plan_api_schemas import (
    AnswerIn,
    ChoiceIn,
    CommentIn,
    CommentOut,
    MoveIn,
    OptionIn,
    OptionOut,
    PlanDetail,
    PlanIn,
    PlanPage,
    PlanQuery,
    QuestionOut,
    ReplyIn,
    comment_item,
    option_item,
    pence,
    plan_item,
    question_item,
    stages,
)

router = Router(auth=READ)

PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]

#: The moves a plan is made by, each by its rule.
MOVES = {"open": planning.open_to_challenge, "agree": planning.agree,
         "review": planning.review, "redraft": planning.redraft}


def _problem(column: str, message: str) -> Status:
    """A 422 naming the field the problem is in."""
    return Status(422, invalid(f"The request is not valid: see {column}.", [
        {"row": None, "column": column, "message": message, "severity": "error"}]))


def _refused(messages: list[str]) -> Status:
    """A 422 listing each reason the rule gives."""
    return Status(422, refused_by_rule(messages))


def _by_the_rules(work):
    """``(result, None)`` once ``work`` is done, or ``(None, the answer to its refusal)``."""
    try:
        return work(), None
    except PermissionDenied as refused:
        return None, Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return None, _refused(error.messages)


def _plans(user):
    return (DeliveryPlan.objects.visible_to(user)
            .select_related("outcome", "indicator", "lead", "owner", "agreed_by")
            .order_by("lead__order", "title", "pk"))


def _plan(user, plan_id: int) -> DeliveryPlan:
    found = _plans(user).filter(pk=plan_id).first()
    if found is None:
        raise HttpError(404, f"There is no plan {plan_id} that you may see.")
    return found


def _body(user, slug: str) -> Body | None:
    return Body.objects.visible_to(user).filter(slug=slug.strip().lower()).first()


def _detail(plan: DeliveryPlan, user) -> dict:
    answers = {answer.question_id: answer for answer in plan.answers.all()}
    return {
        **plan_item(plan),
        "may_lead": planning.may_lead(plan, user),
        "stages": stages(list(PlanQuestion.objects.all()), answers),
        "options": [option_item(option) for option in plan.options.all()],
        "choice_reason": plan.choice_reason,
        "comments": [comment_item(comment) for comment in plan.comments.select_related(
            "body", "written_by", "answered_by")],
        "actions": [{"id": action.pk, "title": action.title}
                    for action in plan.actions.order_by("due", "title", "pk")],
        "agreed_by": plan.agreed_by.get_username() if plan.agreed_by_id else None,
        "agreed_at": plan.agreed_at,
    }


# ---- reading --------------------------------------------------------------------------

@router.get("", response={200: PlanPage, **READ_ERRORS}, summary="List the delivery plans",
            openapi_extra=OPTIONAL_TOKEN)
def list_plans(request, query: Query[PlanQuery]):
    """The delivery plans, by lead partnership and title; filter by `state` and by the
    `lead` theme partnership. Partners only: an anonymous caller gets an empty list."""
    user = request.auth
    plans = _plans(user)
    if query.state:
        plans = plans.filter(state=query.state)
    if query.lead:
        lead = _body(user, query.lead)
        if lead is None:
            return _problem("lead", f"there is no body {query.lead!r}")
        plans = plans.filter(lead=lead)
    return page(plans, query, plan_item)


@router.get("/{plan_id}", response={200: PlanDetail, **DETAIL_ERRORS},
            summary="One delivery plan, with its stages, options and challenge",
            openapi_extra=OPTIONAL_TOKEN)
def get_plan(request, plan_id: PlanId):
    """A plan with its five stages (each question with its answer, generated or written),
    its option appraisal and the reason for the choice, the other partnerships' comments
    with the lead's answers, its actions, who agreed it, and whether the caller may write
    and move it. 404 if the caller may not see it."""
    user = request.auth
    return _detail(_plan(user, plan_id), user)


# ---- starting and writing a plan ------------------------------------------------------

def _outcome(user, title: str, lead: Body):
    found = Outcome.objects.visible_to(user).filter(title__iexact=title.strip())
    if found.count() > 1:
        found = found.filter(theme__body=lead)
    return found.first() if found.count() == 1 else None


@router.post("", auth=WRITE, response={201: PlanDetail, **WRITE_ERRORS},
             summary="Start a delivery plan")
def start_plan(request, body: PlanIn):
    """A new draft plan for one `outcome` (by title) or one `indicator` (by code), led by a
    theme partnership (`lead`, by slug) and owned by the caller. A member of that
    partnership or the partnership officer may (403 for anyone else); 422 if the lead is
    not a theme partnership, or there is not exactly one outcome or indicator."""
    user = request.auth
    lead = _body(user, body.lead)
    if lead is None:
        return _problem("lead", f"there is no body {body.lead!r}")
    outcome = indicator = None
    if body.outcome is not None:
        outcome = _outcome(user, body.outcome, lead)
        if outcome is None:
            return _problem("outcome", f"there is no outcome {body.outcome!r}")
    if body.indicator is not None:
        code = body.indicator.strip()
        indicator = Indicator.objects.visible_to(user).filter(
            Q(code__iexact=code) | Q(slug=code.lower())).first()
        if indicator is None:
            return _problem("indicator", f"there is no indicator {body.indicator!r}")
    plan, refused = _by_the_rules(lambda: planning.start_plan(
        user, title=body.title, lead=lead, outcome=outcome, indicator=indicator))
    if refused:
        return refused
    return Status(201, _detail(_plan(user, plan.pk), user))


@router.put("/{plan_id}/answers/{key}", auth=WRITE,
            response={200: QuestionOut, **WRITE_ERRORS},
            summary="Write the answer to one of a plan's questions")
def write_plan_answer(request, plan_id: PlanId, key: Code, body: AnswerIn):
    """The answer to the question `key` (such as `priority`), in place of any before. Only
    while the plan is a draft, and only a question that is not generated: the generated
    ones are written from the engine and the resources table. 404 for a question that does
    not exist."""
    user = request.auth
    plan = _plan(user, plan_id)
    question = PlanQuestion.objects.filter(key=key.strip()).first()
    if question is None:
        raise HttpError(404, f"There is no question {key!r} in a plan's five stages.")
    if question.generated:
        return _problem("key", f"“{question.text}” is answered from the engine and the "
                        "resources table, not written.")
    if not body.text.strip():
        return _problem("text", "Write the answer.")
    _, refused = _by_the_rules(lambda: planning.write_answer(plan, question, body.text, user))
    if refused:
        return refused
    return question_item(question, PlanAnswer.objects.get(plan=plan, question=question))


@router.post("/{plan_id}/options", auth=WRITE, response={201: OptionOut, **WRITE_ERRORS},
             summary="Add an option to a plan's short list")
def add_plan_option(request, plan_id: PlanId, body: OptionIn):
    """An option for the appraisal, with its capital and revenue costs, expected effect and
    risks. The short list needs business as usual (`bau`) and `do_minimum` before the plan
    is opened to challenge. Only while the plan is a draft."""
    user = request.auth
    plan = _plan(user, plan_id)
    if not body.title.strip():
        return _problem("title", "Say what the option is.")
    if not body.expected_effect.strip():
        return _problem("expected_effect", "Say what effect the option is expected to have.")
    fields = {"kind": body.kind, "title": body.title.strip(),
              "capital_cost": pence(body.capital_cost),
              "revenue_cost": pence(body.revenue_cost),
              "expected_effect": body.expected_effect, "risks": body.risks}
    option, refused = _by_the_rules(lambda: planning.add_option(plan, fields, user))
    if refused:
        return refused
    option.refresh_from_db()
    return Status(201, option_item(option))


@router.post("/{plan_id}/choice", auth=WRITE, response={200: PlanDetail, **WRITE_ERRORS},
             summary="Choose an option from a plan's short list")
def choose_plan_option(request, plan_id: PlanId, body: ChoiceIn):
    """The chosen `option` (its id) and the `reason` for the choice; any option chosen
    before is chosen no longer. Only while the plan is a draft."""
    user = request.auth
    plan = _plan(user, plan_id)
    _, refused = _by_the_rules(lambda: planning.choose_option(plan, body.option, body.reason,
                                                              user))
    if refused:
        return refused
    return _detail(_plan(user, plan_id), user)


@router.post("/{plan_id}/moves", auth=WRITE, response={200: PlanDetail, **WRITE_ERRORS},
             summary="Move a plan on: open it to challenge, agree, review or redraft it")
def move_plan(request, plan_id: PlanId, body: MoveIn):
    """`open` a draft to challenge (every written question answered, and the short list
    with business as usual, do-minimum and a chosen option with its reason); `agree` it
    after its challenge (every comment answered); put an agreed plan under `review`; or
    `redraft` it from its challenge or a review."""
    user = request.auth
    plan = _plan(user, plan_id)
    _, refused = _by_the_rules(lambda: MOVES[body.move](plan, user))
    if refused:
        return refused
    return _detail(_plan(user, plan_id), user)


# ---- the challenge --------------------------------------------------------------------

@router.post("/{plan_id}/comments", auth=WRITE, response={201: CommentOut, **WRITE_ERRORS},
             summary="Comment on a plan open to challenge")
def comment_on_plan(request, plan_id: PlanId, body: CommentIn):
    """A comment on a linkage, a gap or an alternative delivery channel, in the name of a
    theme partnership other than the lead (`body`, by slug) of which the caller is a
    member. Only while the plan is open to challenge."""
    user = request.auth
    plan = _plan(user, plan_id)
    commenting = _body(user, body.body)
    if commenting is None:
        return _problem("body", f"there is no body {body.body!r}")
    made, refused = _by_the_rules(lambda: planning.comment(
        plan, body=commenting, person=user, kind=body.kind, text=body.text))
    if refused:
        return refused
    return Status(201, comment_item(made))


@router.post("/{plan_id}/comments/{comment_id}/answer", auth=WRITE,
             response={200: CommentOut, **WRITE_ERRORS},
             summary="Answer a comment on a plan")
def answer_plan_comment(request, plan_id: PlanId, comment_id: CommentId, body: ReplyIn):
    """The lead partnership's answer to another partnership's comment; a plan is agreed
    only once every comment is answered."""
    user = request.auth
    plan = _plan(user, plan_id)
    challenge = (plan.comments.select_related("plan__lead", "body", "written_by")
                 .filter(pk=comment_id).first())
    if challenge is None:
        raise HttpError(404, f"There is no comment {comment_id} on plan {plan_id}.")
    answered, refused = _by_the_rules(lambda: planning.answer(challenge, person=user,
                                                              text=body.answer))
    if refused:
        return refused
    return comment_item(answered)
