"""The risk item of a report, meeting page and pack, in sentences.

Warwickshire's quarterly reports "include financial planning and risk management"; the
Board sees the risks above the partnership's appetite, the risks whose score moved since
the last quarter, and the likelihoods the forecasts propose that still await their owners
(``risks.register.for_the_board``). A body other than the Board sees its own register's
risks in the same way, and each action overdue in its layer: pathway actions (of its
outcomes, its risks' controls and its delivery plans) and the actions of the remedial plans
on its exceptions. A theme partnership also sees
where its delivery plans stand, and the other partnerships' plans open to challenge that
it has not commented on yet.

A pack goes to every partner, so it leaves out restricted risks and says how many.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from joinedup.exceptions.models import RemedialAction
from joinedup.risks import register as registers
from joinedup.strategy.delivery import DeliveryPlan


@dataclass
class RiskSlot:
    lines: list[str] = field(default_factory=list)


def _risk(row: dict) -> str:
    return (f"{row['title']} ({row['owner_name']}, {row['body_name']}): score {row['score']} "
            f"({row['likelihood']} × {row['impact']}), {row['band'].lower()}, against an "
            f"appetite of {row['appetite']}.")


def risk_slot(user, *, body=None, for_everyone: bool = False,
              today: dt.date | None = None) -> RiskSlot:
    """The item's sentences. ``body``: a body other than the Board, whose register and
    layer it is; ``for_everyone``: a pack, which leaves restricted risks out."""
    today = today or timezone.localdate()
    slot = RiskSlot()
    board = body is None or body.kind == "board"
    found = registers.for_the_board(user, today=today, body=None if board else body,
                                    unrestricted=for_everyone)
    held = found["held"]
    whose = "the partnership's register" if board else f"{body.name}'s register"
    if not held and not found["left_out"]:
        slot.lines.append(f"No risk is held in {whose}.")
    else:
        slot.lines.append(
            f"{held} risk{'' if held == 1 else 's'} in {whose}; "
            f"{found['above_appetite'].height} above the appetite for its category.")
    slot.lines += [f"Above appetite: {_risk(row)}"
                   for row in found["above_appetite"].iter_rows(named=True)]
    slot.lines += [f"Moved {row['movement']} since last quarter, from {row['previous_score']}: "
                   f"{_risk(row)}" for row in found["moved"].iter_rows(named=True)]
    slot.lines += [f"Awaiting {p.risk.owner.get_full_name() or p.risk.owner.username}: the "
                   f"forecast proposes likelihood {p.proposed_likelihood} for “{p.risk.title}” "
                   f"(likelihood {p.recorded_likelihood} on record; {p.source})."
                   for p in found["awaiting"]]
    if found["left_out"]:
        slot.lines.append(f"{found['left_out']} restricted risk"
                          f"{' is' if found['left_out'] == 1 else 's are'} left out: "
                          "they are seen only by their bodies' members.")
    if not board:
        slot.lines += overdue_lines(user, body, today)
        if body.kind == "theme_partnership":
            slot.lines += plan_lines(body)
    return slot


def overdue_remedial(user, body, today: dt.date):
    """The actions of remedial plans on ``body``'s exceptions past their due date and not
    done."""
    return (RemedialAction.objects.visible_to(user)
            .filter(plan__exception__layer=body, due__lt=today)
            .exclude(status=RemedialAction.Status.DONE)
            .select_related("lead", "plan__exception__indicator").order_by("due", "pk"))


def overdue_lines(user, body, today: dt.date) -> list[str]:
    overdue = list(registers.overdue_actions(today, body=body, user=user))
    remedial = list(overdue_remedial(user, body, today))
    count = len(overdue) + len(remedial)
    if not count:
        return [f"No action is overdue in {body.name}'s layer."]
    return [f"{count} action{'' if count == 1 else 's'} overdue in {body.name}'s layer."] + [
        f"Overdue: {action.title} ({action.lead.display_name}"
        f"{', ' + _person(action.owner) if action.owner_id else ''}; due {action.due:%-d %B %Y}"
        f"; {action.get_status_display().lower()}, {action.progress}% done)."
        for action in overdue] + [
        f"Overdue, from the remedial plan for {action.plan.exception.indicator.code} "
        f"{action.plan.exception.period}: {action.action} ("
        f"{action.lead.display_name + '; ' if action.lead_id else ''}due "
        f"{action.due:%-d %B %Y}; {action.get_status_display().lower()})."
        for action in remedial]


def _person(person) -> str:
    return person.get_full_name() or person.get_username()


def _plan_state(plan: DeliveryPlan) -> str:
    if plan.state == DeliveryPlan.State.AGREED and plan.agreed_at:
        return f"agreed on {timezone.localtime(plan.agreed_at):%-d %B %Y}"
    if plan.state == DeliveryPlan.State.CHALLENGE:
        waiting = sum(1 for comment in plan.comments.all() if not comment.answer)
        return ("open to challenge; " + (f"{waiting} comment{'' if waiting == 1 else 's'} "
                                         "to answer" if waiting else "every comment answered"))
    return plan.get_state_display().lower()


def plan_lines(body) -> list[str]:
    """Where ``body``'s delivery plans stand, and the plans it may still challenge."""
    led = list(DeliveryPlan.objects.filter(lead=body).prefetch_related("comments"))
    lines = [f"Delivery plan “{plan.title}”: {_plan_state(plan)}." for plan in led]
    if not led:
        lines.append(f"{body.name} leads no delivery plan yet.")
    open_elsewhere = (DeliveryPlan.objects.filter(state=DeliveryPlan.State.CHALLENGE)
                      .exclude(lead=body).exclude(comments__body=body)
                      .select_related("lead").distinct())
    lines += [f"Open to challenge, with no comment from {body.name} yet: “{plan.title}” "
              f"(led by {plan.lead.name})." for plan in open_elsewhere]
    return lines
