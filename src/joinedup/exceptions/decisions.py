"""Deciding about exceptions, layer by layer: commentary, triage, and the Board's minute.

Every function here checks who may act (``partnership.roles``), takes all of what it is
given or none of it, and records each change in the history with who, when and why. The
page, the command line and the API all call these, so the rules are the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from joinedup.assessment.models import Assessment
from joinedup.core.periods import PeriodError, parse_period
from joinedup.exceptions.models import (
    BoardDecision,
    Commentary,
    IndicatorException,
    RemedialAction,
    RemedialPlan,
    TriageDecision,
)
from joinedup.common.querysets import manages_framework
from joinedup.history.recording import recorded_as
from joinedup.partnership import roles
from joinedup.places.models import LEVEL_RANK
from joinedup.returns import workflow
from joinedup.returns.models import DataValue

Decision = IndicatorException.Decision


class DecisionRefused(Exception):
    """A decision that cannot be taken, with a one-line reason for the person who tried."""


class NotAllowed(DecisionRefused):
    """A decision refused because the person who tried may not take it."""


@dataclass
class PlanDetails:
    """What a performance decision needs: a remedial plan."""

    owner: object = None
    due: dt.date | None = None
    actions: list[str] = field(default_factory=list)
    review_period: str = ""


def _chosen(exception_ids, user) -> list[IndicatorException]:
    ids = sorted({int(pk) for pk in exception_ids})
    if not ids:
        raise DecisionRefused("Choose at least one exception.")
    found = {e.pk: e for e in IndicatorException.objects.visible_to(user)
             .select_for_update(of=("self",)).filter(pk__in=ids)
             .select_related("indicator", "layer")}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise DecisionRefused(f"There is no exception {missing[0]} that you may see.")
    return [found[pk] for pk in ids]


def _named(exception: IndicatorException) -> str:
    return f"Exception {exception.pk} ({exception.indicator.code} {exception.period})"


def triage(exception_ids, user, decision: str, note: str, *, recommendation: str = "",
           board_asked_for: str = "", plan: PlanDetails | None = None,
           now: dt.datetime | None = None) -> list[TriageDecision]:
    """Give each exception one decision (replacing any it had), all of them or none.

    - **anomaly**: the flagged figures go back to their owners as returned, with the note
      as the reason; the exception waits for corrected figures.
    - **performance**: the theme partnership handles it, with a remedial plan (an owner,
      actions with a due date, and the period whose figure will show if it worked).
    - **escalate**: to the Board, with a recommendation and what the Board is asked to
      decide.
    """
    if not roles.may_triage(user):
        raise NotAllowed(roles.TRIAGE_REFUSAL)
    note = (note or "").strip()
    if decision not in Decision.values:
        raise DecisionRefused(f"The decision must be one of {', '.join(Decision.values)}, "
                              f"not {decision!r}.")
    if not note:
        raise DecisionRefused("Write a note saying why, for the record.")
    recommendation = (recommendation or "").strip()
    if decision == Decision.ESCALATE:
        if not recommendation:
            raise DecisionRefused("An escalation needs a recommendation to the Board.")
        if board_asked_for not in TriageDecision.BoardAsk.values:
            raise DecisionRefused("Say what the Board is asked to decide: a change of "
                                  "strategy, a move of resources, or a partner's action.")
    if decision == Decision.PERFORMANCE:
        plan = _checked_plan(plan, note)
    now = now or timezone.now()
    with transaction.atomic(), recorded_as(user, reason=note):
        chosen = _chosen(exception_ids, user)
        closed = [e for e in chosen if e.state == IndicatorException.State.CLOSED]
        if closed:
            raise DecisionRefused(f"{_named(closed[0])} is closed: it is no longer flagged.")
        if decision == Decision.PERFORMANCE:
            may_own = commenting(plan.owner)
            unfit = [e for e in chosen if not may_own(e)]
            if unfit:
                raise DecisionRefused(
                    f"{plan.owner} cannot own the plan for {_named(unfit[0])}: a plan's owner "
                    f"works for its owner organisation, sits on {unfit[0].layer}, or is a "
                    "partnership officer.")
        figures = _flagged_figures(chosen) if decision == Decision.ANOMALY else {}
        if decision == Decision.ANOMALY:
            waiting = [e for e in chosen
                       if e.state == IndicatorException.State.AWAITING_CORRECTION]
            if waiting:
                raise DecisionRefused(f"{_named(waiting[0])} is already waiting for its owner "
                                      "to correct the figures sent back.")
            bare = [e for e in chosen if not figures.get(e.pk)]
            if bare:
                raise DecisionRefused(
                    f"{_named(bare[0])} has no approved figure to send back: its flags are for "
                    "missing returns.")
        made = []
        for exception in chosen:
            current = exception.decisions.filter(replaced_by__isnull=True).first()
            made.append(TriageDecision.objects.create(
                exception=exception, decision=decision, note=note,
                recommendation=recommendation if decision == Decision.ESCALATE else "",
                board_asked_for=board_asked_for if decision == Decision.ESCALATE else "",
                decided_by=user, decided_at=now, replaces=current,
                figures_returned=len(figures.get(exception.pk, ()))))
            exception.decision = decision
            exception.save(update_fields=["decision"])
            if decision == Decision.PERFORMANCE:
                _make_plan(exception, made[-1], plan, note, now)
        if decision == Decision.ANOMALY:
            pks = sorted({pk for values in figures.values() for pk in values})
            workflow.send_back(DataValue.objects.filter(pk__in=pks), user, note)
    return made


def _checked_plan(plan: PlanDetails | None, note: str) -> PlanDetails:
    if plan is None or plan.owner is None:
        raise DecisionRefused("A performance issue needs a remedial plan with an owner.")
    if not getattr(plan.owner, "is_active", False):
        raise DecisionRefused(f"{plan.owner} cannot own a plan: their account is not active.")
    if plan.due is None:
        raise DecisionRefused("A remedial plan needs a due date for its actions.")
    actions = [a.strip() for a in plan.actions if a and a.strip()] or [note]
    too_long = [a for a in actions if len(a) > 300]
    if too_long:
        raise DecisionRefused("Each action must be at most 300 characters; split longer ones.")
    if plan.review_period:
        try:
            parse_period(plan.review_period)
        except PeriodError as error:
            raise DecisionRefused(f"The review period is not a period: {error}.") from None
    return PlanDetails(owner=plan.owner, due=plan.due, actions=actions,
                       review_period=plan.review_period)


def _flagged_figures(exceptions) -> dict[int, set[int]]:
    """For each exception, its approved figures with an open flag (in two queries)."""
    exceptions = list(exceptions)
    keys: dict[int, set[tuple]] = defaultdict(set)
    for exception_id, area, start, end in (
            IndicatorException.flags.through.objects
            .filter(indicatorexception_id__in=[e.pk for e in exceptions],
                    flag__cleared_at__isnull=True)
            .values_list("indicatorexception_id", "flag__area_id", "flag__period_start",
                         "flag__period_end")):
        keys[exception_id].add((area, start, end))
    figures: dict[tuple, set[int]] = defaultdict(set)
    if keys:
        for pk, indicator, area, start, end in (
                DataValue.objects.filter(
                    indicator_id__in={e.indicator_id for e in exceptions},
                    area_id__in={key[0] for flagged in keys.values() for key in flagged},
                    state=DataValue.State.APPROVED)
                .values_list("pk", "indicator_id", "area_id", "period_start", "period_end")):
            figures[(indicator, area, start, end)].add(pk)
    return {exception.pk: {pk for area, start, end in keys.get(exception.pk, ())
                           for pk in figures.get((exception.indicator_id, area, start, end), ())}
            for exception in exceptions}


def headline_flag_area(exception: IndicatorException, flags=None):
    """The widest of the exception's flagged areas (its raised flags', else any it had):
    the one its story is told for. ``flags`` may be its flags, already loaded with their
    areas."""
    flags = list(exception.flags.select_related("area")) if flags is None else list(flags)
    areas = {f.area for f in flags if f.cleared_at is None} or {f.area for f in flags}
    return min(areas, key=lambda a: (LEVEL_RANK[a.level], a.name), default=None)


def _make_plan(exception, decision, plan: PlanDetails, note: str, now) -> RemedialPlan:
    area = headline_flag_area(exception)
    baseline = (Assessment.objects.filter(indicator_id=exception.indicator_id, area=area,
                                          is_latest=True).first() if area else None)
    review = plan.review_period or next_period(exception.period)
    made = RemedialPlan.objects.create(
        exception=exception, decision=decision, owner=plan.owner, summary=note,
        review_period=review, area=area, created_at=now,
        baseline_period=baseline.period if baseline else "",
        baseline_value=baseline.value if baseline else None,
        baseline_p_meet_target=baseline.p_meet_target if baseline else None)
    for text in plan.actions:
        RemedialAction.objects.create(plan=made, action=text, due=plan.due,
                                      lead=plan.owner.organisation)
    return made


def next_period(label: str) -> str:
    """The period after ``label``: a plan's review period unless one is given. A label
    that is not a period, or has no next one, is given back as it is."""
    try:
        return parse_period(label).shift(1).label
    except PeriodError:
        return label


def may_comment(user, exception: IndicatorException) -> bool:
    """The indicator's owner organisation, the members of the exception's layer, and the
    partnership officer write an exception's commentary."""
    return commenting(user)(exception)


def commenting(user) -> Callable[[IndicatorException], bool]:
    """``may_comment`` for any number of exceptions, asking the database once."""
    if not (user and user.is_authenticated):
        return lambda exception: False
    if manages_framework(user):
        return lambda exception: True
    organisation = user.organisation_id
    layers = set(user.memberships.values_list("body_id", flat=True))

    def ask(exception: IndicatorException) -> bool:
        return bool(organisation and organisation == exception.indicator.owner_id) \
            or exception.layer_id in layers

    return ask


def write_commentary(exception: IndicatorException, user, *, what_happened: str, why: str,
                     what_is_being_done: str, now: dt.datetime | None = None) -> Commentary:
    """Write (or rewrite) the story behind the curve for an exception."""
    if not may_comment(user, exception):
        raise NotAllowed("Only the indicator's owner, the members of "
                         f"{exception.layer} and the partnership officer may write "
                         "this commentary.")
    parts = {"what_happened": what_happened, "why": why,
             "what_is_being_done": what_is_being_done}
    parts = {name: (text or "").strip() for name, text in parts.items()}
    empty = [name.replace("_", " ") for name, text in parts.items() if not text]
    if empty:
        raise DecisionRefused(f"Say {' and '.join(empty)}.")
    with transaction.atomic(), recorded_as(user, reason="Commentary written"):
        commentary = Commentary.objects.filter(exception=exception).first() or Commentary(
            exception=exception)
        for name, text in parts.items():
            setattr(commentary, name, text)
        commentary.written_by, commentary.written_at = user, now or timezone.now()
        commentary.save()
    return commentary


def record_board_decision(exception: IndicatorException, user, *, outcome: str, minute: str,
                          meeting=None, partner=None, due: dt.date | None = None,
                          amount=None, now: dt.datetime | None = None) -> BoardDecision:
    """Minute the Board's decision on an escalated exception."""
    if not roles.may_minute(user):
        raise NotAllowed(roles.MINUTE_REFUSAL)
    if exception.decision != Decision.ESCALATE:
        raise DecisionRefused(f"{exception} was not escalated to the Board.")
    if outcome not in BoardDecision.Outcome.values:
        raise DecisionRefused(f"The outcome must be one of "
                              f"{', '.join(BoardDecision.Outcome.values)}.")
    minute = (minute or "").strip()
    if not minute:
        raise DecisionRefused("Write the minute: what the Board decided.")
    if outcome == BoardDecision.Outcome.ACTION_AGREED and (partner is None or due is None):
        raise DecisionRefused("An agreed action needs the partner who will act and a due "
                              "date.")
    if meeting is not None and meeting.body.kind != "board":
        raise DecisionRefused(f"{meeting} is not a meeting of the Board.")
    with transaction.atomic(), recorded_as(user, reason=minute):
        return BoardDecision.objects.create(
            exception=exception, meeting=meeting, outcome=outcome, minute=minute,
            partner=partner if outcome == BoardDecision.Outcome.ACTION_AGREED else None,
            due=due if outcome == BoardDecision.Outcome.ACTION_AGREED else None,
            amount=amount if outcome == BoardDecision.Outcome.MOVE_RESOURCES else None,
            recorded_by=user, recorded_at=now or timezone.now())
