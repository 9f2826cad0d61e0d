"""Exceptions and the decisions on them, as the API and the command line give and take them.

An exception's summary (``exception_summary``) is the same nine fields wherever it is read:
``joinedup exceptions`` writes them as CSV or JSON rows, and the API lists them. Its flag
kinds are in the order the assessment names them; its areas are widest first, as the
pages list them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import Strict

from joinedup.assessment.models import Flag
from joinedup.common.api import Body, Code, LongText, Page, PageQuery, text
from joinedup.exceptions.models import BoardDecision, RemedialPlan, TriageDecision
from joinedup.exceptions.pages import ExceptionItem
from joinedup.exceptions.progress import plan_progress
from joinedup.returns.api_figures import MAX_ITEMS, Id, Number, Period

#: Fields of an exception's summary, in the order the command line writes them.
SUMMARY_FIELDS = ("id", "indicator", "title", "period", "layer", "flags", "areas", "state",
                  "decision")

State = Literal["open", "awaiting_correction", "closed"]
DecisionKind = Literal["anomaly", "performance", "escalate"]
BoardAsk = Literal["strategy", "resources", "partner_action"]
Outcome = Literal["noted", "action_agreed", "move_resources", "change_strategy"]
#: A date written as YYYY-MM-DD (a JSON body has no date type of its own).
Day = Annotated[date, Strict(False)]
Username = text(150, 1)
#: Pounds, to the penny, below a million million (what a minute's amount can hold).
Pounds = Annotated[Number, Field(ge=0, le=999_999_999_999.99)]


def exception_summary(item: ExceptionItem) -> dict:
    """The nine fields every listing of exceptions gives."""
    exception = item.exception
    return {
        "id": exception.pk,
        "indicator": exception.indicator.code,
        "title": exception.indicator.title,
        "period": exception.period,
        "layer": exception.layer.slug,
        "flags": sorted({f.kind for f in item.flags}, key=Flag.Kind.values.index),
        "areas": [area.code for area in item.areas],
        "state": exception.state,
        "decision": exception.decision,
    }


# ---- reading --------------------------------------------------------------------------

class ExceptionOut(Schema):
    id: int
    indicator: str = Field(description="The indicator's code.")
    title: str = Field(description="The indicator's title.")
    period: str
    layer: str = Field(description="The slug of the body whose exception it is: the theme "
                       "partnership that leads the indicator, or the area forum of its area.")
    flags: list[str] = Field(description="The kinds of flag raised (red, concern, "
                             "likely_to_miss, consistently_fails, outlier, missing).")
    areas: list[str] = Field(description="The codes of the flagged areas, widest first.")
    state: State
    decision: DecisionKind | Literal[""] = Field(
        description="The management group's current decision; empty until triaged.")
    period_start: date
    period_end: date = Field(description="The day after the period ends.")
    raised_at: datetime
    closed_at: datetime | None
    reopened: int = Field(description="Times it was flagged again after closing.")
    previous: int | None = Field(description="The same indicator's exception for this layer "
                                 "in an earlier period, if there was one.")
    url: str = Field(description="The exception's page on the site.")


class ExceptionPage(Page):
    items: list[ExceptionOut]


class ExceptionQuery(PageQuery):
    period: Period | None = Field(None, description="Exceptions for periods ending by the "
                                  "end of this one, as that period's reports show them.")
    state: State | None = None
    decision: DecisionKind | Literal["undecided"] | None = Field(
        None, description="A decision, or 'undecided' for those still waiting for one.")
    layer: Code | None = Field(None, description="A body's slug, such as "
                               "'active-healthy-gateshead'.")
    indicator: Code | None = Field(None, description="An indicator code, such as 'HW 02'.")


def exception_item(item: ExceptionItem) -> dict:
    exception = item.exception
    return {
        **exception_summary(item),
        "period_start": exception.period_start, "period_end": exception.period_end,
        "raised_at": exception.raised_at, "closed_at": exception.closed_at,
        "reopened": exception.reopened, "previous": exception.previous_id,
        "url": exception.get_absolute_url(),
    }


class FlagOut(Schema):
    kind: str
    area: str
    period: str
    reason: str
    raised_at: datetime
    cleared_at: datetime | None = Field(description="When a later assessment stopped "
                                        "raising it; empty while it is raised.")


class CommentaryOut(Schema):
    what_happened: str
    why: str = Field(description="The story behind the curve.")
    what_is_being_done: str
    written_by: str
    written_at: datetime


class DecisionOut(Schema):
    id: int
    exception: int
    decision: DecisionKind
    note: str
    recommendation: str = Field(description="For an escalation: what the Board should do.")
    board_asked_for: BoardAsk | Literal[""]
    decided_by: str
    decided_at: datetime
    replaces: int | None = Field(description="The decision this one replaced.")
    figures_returned: int = Field(description="For an anomaly: figures sent back.")


class RemedialActionOut(Schema):
    action: str
    lead: str | None = Field(description="The slug of the partner that leads it.")
    due: date
    status: Literal["planned", "under_way", "done"]


class RemedialPlanOut(Schema):
    id: int
    decision: int
    owner: str
    summary: str
    review_period: str = Field(description="The period whose figure shows if it worked.")
    area: str | None
    baseline_period: str
    baseline_value: float | None
    baseline_p_meet_target: float | None
    created_at: datetime
    progress: str = Field(description="Whether it is working, as the figures since show.")
    actions: list[RemedialActionOut]


class BoardDecisionOut(Schema):
    id: int
    exception: int
    outcome: Outcome
    minute: str
    meeting: int | None
    partner: str | None = Field(description="For an agreed action: the partner's slug.")
    due: date | None
    amount: Decimal | None = Field(description="For resources to be moved: pounds.")
    recorded_by: str
    recorded_at: datetime


class ExceptionDetail(ExceptionOut):
    flag_details: list[FlagOut] = Field(description="The flags still raised; once none "
                                        "is, the ones it had.")
    commentary: CommentaryOut | None
    current_decision: DecisionOut | None
    decisions: list[DecisionOut] = Field(description="Every decision on it, latest first, "
                                         "each naming the one it replaced.")
    earlier_decisions: list[DecisionOut] = Field(
        description="Decisions on its earlier occurrences, most recent first.")
    plan: RemedialPlanOut | None = Field(description="The remedial plan of a performance issue.")
    board_decisions: list[BoardDecisionOut] = Field(description="The Board's minutes.")


def decision_item(decision: TriageDecision) -> dict:
    return {
        "id": decision.pk, "exception": decision.exception_id, "decision": decision.decision,
        "note": decision.note, "recommendation": decision.recommendation,
        "board_asked_for": decision.board_asked_for,
        "decided_by": decision.decided_by.get_username(), "decided_at": decision.decided_at,
        "replaces": decision.replaces_id, "figures_returned": decision.figures_returned,
    }


def plan_item(plan: RemedialPlan) -> dict:
    return {
        "id": plan.pk, "decision": plan.decision_id, "owner": plan.owner.get_username(),
        "summary": plan.summary, "review_period": plan.review_period,
        "area": plan.area.code if plan.area else None,
        "baseline_period": plan.baseline_period, "baseline_value": plan.baseline_value,
        "baseline_p_meet_target": plan.baseline_p_meet_target,
        "created_at": plan.created_at, "progress": plan_progress(plan).words(),
        "actions": [{"action": a.action, "lead": a.lead.slug if a.lead else None,
                     "due": a.due, "status": a.status} for a in plan.actions.all()],
    }


def board_decision_item(minute: BoardDecision) -> dict:
    return {
        "id": minute.pk, "exception": minute.exception_id, "outcome": minute.outcome,
        "minute": minute.minute, "meeting": minute.meeting_id,
        "partner": minute.partner.slug if minute.partner else None, "due": minute.due,
        "amount": minute.amount, "recorded_by": minute.recorded_by.get_username(),
        "recorded_at": minute.recorded_at,
    }


def exception_detail(item: ExceptionItem) -> dict:
    commentary = item.commentary
    return {
        **exception_item(item),
        "flag_details": [{"kind": f.kind, "area": f.area.code, "period": f.period,
                          "reason": f.reason, "raised_at": f.raised_at,
                          "cleared_at": f.cleared_at} for f in item.flags],
        "commentary": None if commentary is None else {
            "what_happened": commentary.what_happened, "why": commentary.why,
            "what_is_being_done": commentary.what_is_being_done,
            "written_by": commentary.written_by.get_username(),
            "written_at": commentary.written_at},
        "current_decision": decision_item(item.decision) if item.decision else None,
        "decisions": [decision_item(d) for d in item.decisions],
        "earlier_decisions": [decision_item(d) for d in item.earlier],
        "plan": plan_item(item.plan) if item.plan else None,
        "board_decisions": [board_decision_item(m) for m in item.board_decisions],
    }


# ---- deciding -------------------------------------------------------------------------

class RemedialPlanIn(Body):
    owner: Username = Field(description="The username of the person who owns the plan.")
    due: Day = Field(description="When its actions are due, as YYYY-MM-DD.")
    actions: list[text(300)] = Field(default_factory=list, max_length=50,
                                     description="What will be done; the note when empty.")
    review_period: Period | None = Field(None, description="The period whose figure will "
                                         "show if it worked (default: the next one).")


class TriageIn(Body):
    ids: list[Id] = Field(min_length=1, max_length=MAX_ITEMS,
                          description="The exceptions to decide, all alike.")
    decision: DecisionKind
    note: LongText = Field(description="Why, for the record; for an anomaly, what the "
                           "figures' owner must check.")
    recommendation: LongText = Field("", description="For an escalation: what the Board "
                                     "should do.")
    board_asked_for: BoardAsk | None = Field(None, description="For an escalation: what the "
                                             "Board is asked to decide.")
    plan: RemedialPlanIn | None = Field(None, description="For a performance issue: its remedial "
                                "plan.")


class Triaged(Schema):
    detail: str
    count: int
    ids: list[int]
    decisions: list[DecisionOut]


class CommentaryIn(Body):
    what_happened: LongText
    why: LongText = Field(description="The story behind the curve.")
    what_is_being_done: LongText


class BoardDecisionIn(Body):
    outcome: Outcome
    minute: LongText = Field(description="What the Board decided, as minuted.")
    meeting: Id | None = Field(None, description="The id of the Board meeting that decided.")
    partner: text(80, 1) | None = Field(None, description="For an agreed action: the slug "
                                        "of the partner who will act.")
    due: Day | None = Field(None, description="For an agreed action: when, as YYYY-MM-DD.")
    amount: Pounds | None = Field(None, description="For resources to be moved: how many "
                                  "pounds.")


def pence(amount: float | None) -> Decimal | None:
    """Pounds sent as a JSON number, to the penny the minute keeps."""
    return None if amount is None else Decimal(f"{amount:.2f}")

