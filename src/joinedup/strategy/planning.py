"""The rules a delivery plan moves by, each refusal worded for the person refused.

- draft → challenge: every question not generated is answered, and the option appraisal
  holds (its short list has business as usual and do-minimum, and one option is chosen,
  with the reasons for the choice);
- in challenge, every other theme partnership may comment, on linkages, gaps and
  alternative delivery channels; the lead partnership answers each comment;
- challenge → agreed: refused while any comment is unanswered;
- agreed → under review, and back to draft to change it;
- answers, options and the choice change only while the plan is a draft.

Who may start a plan: a member of the theme partnership that will lead it, or the
partnership officer, who then owns it. Who may move a plan: the members of its lead
partnership, its owner and the partnership officer; who may comment: the members of another
theme partnership, in its name.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.common.querysets import manages_framework
from joinedup.history.recording import recorded_as
from joinedup.strategy.delivery import (
    ChallengeComment,
    DeliveryPlan,
    Option,
    PlanAnswer,
    PlanQuestion,
)

State = DeliveryPlan.State
#: The bodies that lead delivery plans and challenge each other's: the theme partnerships,
#: and in a two-tier area the district partnerships too (their plans show how the county's
#: outcomes are delivered locally).
PLAN_LEADS = ("theme_partnership", "district_partnership")


def may_lead(plan: DeliveryPlan, person) -> bool:
    return bool(person and person.is_authenticated) and (
        manages_framework(person) or plan.owner_id == person.pk
        or plan.lead.memberships.filter(person=person).exists())


def _lead_only(plan: DeliveryPlan, person) -> None:
    if not may_lead(plan, person):
        raise PermissionDenied(f"Only the members of {plan.lead}, the plan's owner and the "
                               "partnership officer may do this.")


def may_start(lead, person) -> bool:
    return bool(person and person.is_authenticated) and (
        manages_framework(person) or lead.memberships.filter(person=person).exists())


@transaction.atomic
def start_plan(person, *, title: str, lead, outcome=None, indicator=None) -> DeliveryPlan:
    """A new draft plan for one outcome or one indicator, owned by ``person``."""
    if lead.kind not in PLAN_LEADS:
        raise ValidationError(f"{lead} is not a theme or district partnership: one of those "
                              "leads a delivery plan.")
    if not may_start(lead, person):
        raise PermissionDenied(f"Only the members of {lead} and the partnership officer may "
                               "start a plan it leads.")
    problems = []
    if not title.strip():
        problems.append("Give the plan a title.")
    if (outcome is None) == (indicator is None):
        problems.append("Choose one outcome or one indicator for the plan, not both.")
    if problems:
        raise ValidationError(problems)
    with recorded_as(person, reason=f"Plan started for {lead}"):
        return DeliveryPlan.objects.create(title=title.strip(), lead=lead, owner=person,
                                           outcome=outcome, indicator=indicator)


def appraisal_problems(plan: DeliveryPlan) -> list[str]:
    """What the option appraisal lacks: the short list must include business as usual and
    do-minimum, and say which option is chosen and why."""
    options = list(plan.options.all())
    kinds = {option.kind for option in options}
    problems = [f"The short list has no “{label}” option: add it, with its costs, effect and "
                "risks, so the chosen option is weighed against it."
                for kind, label in ((Option.Kind.BUSINESS_AS_USUAL, "business as usual"),
                                    (Option.Kind.DO_MINIMUM, "do minimum")) if kind not in kinds]
    chosen = [option for option in options if option.chosen]
    if len(chosen) != 1:
        problems.append("Choose one option from the short list.")
    if not plan.choice_reason.strip():
        problems.append("Say why the chosen option was chosen.")
    return problems


def unanswered_questions(plan: DeliveryPlan) -> list[PlanQuestion]:
    answered = {a.question_id for a in plan.answers.all() if a.text.strip()}
    return [q for q in PlanQuestion.objects.filter(generated=False) if q.pk not in answered]


def _in_draft(plan: DeliveryPlan) -> None:
    if plan.state != State.DRAFT:
        raise ValidationError("The plan is changed while it is a draft: put it back to draft "
                              "first.")


@transaction.atomic
def write_answer(plan: DeliveryPlan, question: PlanQuestion, text: str, person) -> None:
    _lead_only(plan, person)
    _in_draft(plan)
    with recorded_as(person, reason=f"Stage {question.stage} answered"):
        PlanAnswer.objects.update_or_create(plan=plan, question=question,
                                            defaults={"text": text})


@transaction.atomic
def add_option(plan: DeliveryPlan, fields: dict, person) -> Option:
    _lead_only(plan, person)
    _in_draft(plan)
    with recorded_as(person, reason="An option added to the short list"):
        return plan.options.create(**fields)


@transaction.atomic
def choose_option(plan: DeliveryPlan, option_id: int, reason: str, person) -> None:
    _lead_only(plan, person)
    _in_draft(plan)
    problems = []
    if not plan.options.filter(pk=option_id).exists():
        problems.append(f"There is no option {option_id} on this plan's short list.")
    if not reason.strip():
        problems.append("Say why the chosen option was chosen.")
    if problems:
        raise ValidationError(problems)
    with recorded_as(person, reason="An option chosen from the short list"):
        for option in plan.options.all():
            if option.chosen != (option.pk == option_id):
                option.chosen = option.pk == option_id
                option.save()
        plan.choice_reason = reason
        plan.save()


@transaction.atomic
def open_to_challenge(plan: DeliveryPlan, person) -> DeliveryPlan:
    _lead_only(plan, person)
    if plan.state != State.DRAFT:
        raise ValidationError("Only a draft plan is opened to challenge.")
    problems = [f"Stage {q.stage}: answer “{q.text}”" for q in unanswered_questions(plan)]
    problems += appraisal_problems(plan)
    if problems:
        raise ValidationError(problems)
    return _move(plan, State.CHALLENGE, person, "Opened to challenge by the other partnerships")


@transaction.atomic
def comment(plan: DeliveryPlan, *, body, person, kind: str, text: str,
            now: dt.datetime | None = None) -> ChallengeComment:
    if plan.state != State.CHALLENGE:
        raise ValidationError("Comments are made while the plan is open to challenge.")
    if body.kind not in PLAN_LEADS or body.pk == plan.lead_id:
        raise ValidationError("Comments come from the other theme and district partnerships.")
    if not body.memberships.filter(person=person).exists():
        raise PermissionDenied(f"Only members of {body} may comment in its name.")
    if not text.strip():
        raise ValidationError("Write the comment.")
    with recorded_as(person, reason=f"{body} commented on the plan"):
        return ChallengeComment.objects.create(plan=plan, body=body, kind=kind, text=text,
                                               written_by=person,
                                               written_at=now or timezone.now())


@transaction.atomic
def answer(challenge: ChallengeComment, *, person, text: str,
           now: dt.datetime | None = None) -> ChallengeComment:
    _lead_only(challenge.plan, person)
    if challenge.answer:
        raise ValidationError(f"{challenge.body}'s comment is answered already: the answer "
                              "stands as given.")
    if not text.strip():
        raise ValidationError("Write the answer.")
    with recorded_as(person, reason=f"{challenge.plan.lead} answered {challenge.body}"):
        challenge.answer, challenge.answered_by = text, person
        challenge.answered_at = now or timezone.now()
        challenge.save()
    return challenge


@transaction.atomic
def agree(plan: DeliveryPlan, person, *, now: dt.datetime | None = None) -> DeliveryPlan:
    _lead_only(plan, person)
    if plan.state != State.CHALLENGE:
        raise ValidationError("A plan is agreed after its challenge.")
    open_comments = plan.comments.filter(answer="").select_related("body")
    if open_comments:
        raise ValidationError([f"{c.body}'s comment on {c.get_kind_display().lower()} is not "
                               "answered yet." for c in open_comments])
    plan.agreed_by, plan.agreed_at = person, now or timezone.now()
    return _move(plan, State.AGREED, person, "Agreed after its challenge")


@transaction.atomic
def review(plan: DeliveryPlan, person) -> DeliveryPlan:
    _lead_only(plan, person)
    if plan.state != State.AGREED:
        raise ValidationError("Only an agreed plan is put under review.")
    return _move(plan, State.UNDER_REVIEW, person, "Put under review")


@transaction.atomic
def redraft(plan: DeliveryPlan, person) -> DeliveryPlan:
    _lead_only(plan, person)
    if plan.state not in (State.CHALLENGE, State.UNDER_REVIEW):
        raise ValidationError("A plan goes back to draft from its challenge or a review.")
    return _move(plan, State.DRAFT, person, "Back to draft to be changed")


def _move(plan: DeliveryPlan, state: str, person, reason: str) -> DeliveryPlan:
    with recorded_as(person, reason=reason):
        plan.state = state
        plan.save()
    return plan
