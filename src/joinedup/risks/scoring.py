"""Scoring a risk, and its owner's decision on a proposed likelihood: each kept with why.

A risk's current score may sit below its inherent score only because of controls that
are in place: a control whose actions are all complete. Free text does not lower a score.
A likelihood accepted from the forecast is evidence of the risk itself rather than of its
controls: where no control is in place, the inherent likelihood follows it down.
Every score recorded adds a row to the risk's history (``Score``), counted in the quarter
of the financial year it was recorded in, as a Board Assurance Framework shows it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.history.recording import recorded_as
from joinedup.risks.models import Control, Proposal, Risk, Score


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


def _may_keep(risk: Risk, person) -> None:
    if not Risk.objects.editable_by(person).filter(pk=risk.pk).exists():
        raise PermissionDenied("Only the risk's owner, its body's members and the "
                               "partnership officer may score it.")


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
