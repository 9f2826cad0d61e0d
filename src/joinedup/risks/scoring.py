"""Scoring a risk, and its owner's decision on a proposed likelihood: each kept with why.

A risk's current score may sit below its inherent score only because of controls that
are in place: a control whose actions are all complete. Free text does not lower a score.
A likelihood accepted from the forecast is evidence of the risk itself rather than of its
controls: where no control is in place, the inherent likelihood follows it down.
Every score recorded adds a row to the risk's history (``Score``), counted in the quarter
of the financial year it was recorded in, as a Board Assurance Framework shows it.

A control or mitigation is added by whoever keeps the risk, linked to the actions that
deliver it: actions towards the risk's outcomes or its body's themes' outcomes, or ones
that hang off no outcome. The page and the API both add one through ``add_control``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from joinedup.history.recording import recorded_as
from joinedup.risks.models import Control, Proposal, Risk, Score
from joinedup.strategy.models import PathwayAction


def quarter_of(day: dt.date) -> str:
    """The quarter of the financial year (April to March): 2023-12-01 is "2023/24 Q3"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d} Q{(day.month - 4) % 12 // 3 + 1}"


def in_place(control: Control) -> bool:
    """A control is in place when it has actions and every one is complete."""
    statuses = [action.status for action in control.actions.all()]
    return bool(statuses) and all(status == "complete" for status in statuses)


def controls_in_place(risk: Risk) -> list[Control]:
    return [c for c in risk.controls.prefetch_related("actions")
            if c.kind == Control.Kind.CONTROL and in_place(c)]


def check_justified(risk: Risk, likelihood: int, impact: int) -> None:
    """Refuse a current score below the inherent one with no control in place."""
    if likelihood * impact < risk.inherent_score and not controls_in_place(risk):
        raise ValidationError(
            f"A current score of {likelihood * impact} is below the inherent score of "
            f"{risk.inherent_score}, but no control is in place: link a control to the "
            "actions that deliver it, and complete them, before scoring the risk down.")


def _may_keep(risk: Risk, person, doing: str = "score it") -> None:
    if not Risk.objects.editable_by(person).filter(pk=risk.pk).exists():
        raise PermissionDenied("Only the risk's owner, its body's members and the "
                               f"partnership officer may {doing}.")


def control_actions(risk: Risk):
    """Actions a control of ``risk`` may be delivered by: those towards its outcomes or its
    body's themes' outcomes, and those that hang off no outcome."""
    return PathwayAction.objects.filter(
        Q(outcome__in=risk.outcomes.all()) | Q(outcome__theme__body=risk.body)
        | Q(outcome__isnull=True)).select_related("lead").distinct().order_by("due", "title")


@transaction.atomic
def add_control(risk: Risk, *, kind: str, description: str, actions, person) -> Control:
    """A control or mitigation of ``risk``, linked to the actions (or their ids) that
    deliver it. Only those who keep the risk may add one."""
    _may_keep(risk, person, "change it")
    problems = {}
    if kind not in Control.Kind.values:
        problems["kind"] = ["Choose whether it is a control or a mitigation."]
    if not description.strip():
        problems["description"] = ["Say what the control or mitigation is."]
    wanted = {getattr(action, "pk", action) for action in actions}
    found = list(control_actions(risk).filter(pk__in=wanted))
    if not wanted:
        problems["actions"] = ["Choose at least one action that delivers it."]
    elif len(found) != len(wanted):
        missing = sorted(wanted - {action.pk for action in found})
        problems["actions"] = [
            f"Action {pk} cannot deliver this risk's controls: choose an action towards its "
            "outcomes or its body's themes' outcomes, or one that hangs off no outcome."
            for pk in missing]
    if problems:
        raise ValidationError(problems)
    with recorded_as(person, reason=f"A {kind} added to the risk"):
        control = Control.objects.create(risk=risk, kind=kind,
                                         description=description.strip())
        control.actions.set(found)
    return control


@transaction.atomic
def score_risk(risk: Risk, *, likelihood: int, impact: int, reason: str, person,
               source: str = Score.Source.OWNER, now: dt.datetime | None = None,
               from_forecast: bool = False) -> Score:
    """Record ``risk``'s current score, with why. The inherent score rises to meet a
    current score above it (the risk was understated, not made worse by its controls)."""
    _may_keep(risk, person)
    if not reason.strip():
        raise ValidationError("Say why the score is what it is.")
    # Read again, locked, so that two people scoring at once take turns.
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
        raise ValidationError("Likelihood and impact are each scored from 1 to 5.")
    if from_forecast and likelihood * impact < risk.inherent_score \
            and not controls_in_place(risk):
        risk.inherent_likelihood = min(risk.inherent_likelihood, likelihood)
    check_justified(risk, likelihood, impact)
    now = now or timezone.now()
    with recorded_as(person, reason=reason):
        risk.likelihood, risk.impact = likelihood, impact
        if risk.score > risk.inherent_score:
            risk.inherent_likelihood = max(risk.inherent_likelihood, likelihood)
            risk.inherent_impact = max(risk.inherent_impact, impact)
        if risk.target_score > risk.score:
            risk.target_likelihood, risk.target_impact = likelihood, impact
        risk.full_clean()
        risk.save()
        return Score.objects.create(risk=risk, likelihood=likelihood, impact=impact,
                                    quarter=quarter_of(timezone.localdate(now)), source=source,
                                    reason=reason, recorded_by=person, recorded_at=now)


@transaction.atomic
def decide(proposal: Proposal, *, accept: bool, person, reason: str = "",
           likelihood: int | None = None, now: dt.datetime | None = None) -> Proposal:
    """The owner accepts the proposed likelihood, or overrides it with another (or keeps
    the one on record) and says why. Both the proposal and the decision are kept."""
    risk = proposal.risk
    _may_keep(risk, person)
    if proposal.state != Proposal.State.OPEN:
        raise ValidationError("This proposal has been decided already.")
    if not accept and not reason.strip():
        raise ValidationError("Say why the forecast's likelihood is overridden.")
    chosen = proposal.proposed_likelihood if accept else (likelihood or risk.likelihood)
    if not accept and chosen == proposal.proposed_likelihood:
        raise ValidationError("Overriding keeps a likelihood other than the one proposed.")
    now = now or timezone.now()
    words = reason.strip() or f"Accepted the forecast's likelihood: {proposal.source}."
    score_risk(risk, likelihood=chosen, impact=risk.impact, reason=words, person=person,
               source=Score.Source.PROPOSAL_ACCEPTED if accept
               else Score.Source.PROPOSAL_OVERRIDDEN, now=now, from_forecast=accept)
    with recorded_as(person, reason=words):
        proposal.state = Proposal.State.ACCEPTED if accept else Proposal.State.OVERRIDDEN
        proposal.decided_likelihood, proposal.decision_reason = chosen, words
        proposal.decided_by, proposal.decided_at = person, now
        proposal.save()
    return proposal
