"""Two facts about deciding: the decisions made and followed up, and how long exceptions
take from flag to decision. Part of ``facts``; each reads only what the person may see."""

from __future__ import annotations

import polars as pl
from django.contrib.contenttypes.models import ContentType
from django.db.models import Min
from django.utils import timezone

from joinedup.exceptions.models import (
    BoardDecision,
    IndicatorException,
    RemedialAction,
    TriageDecision,
)
from joinedup.history.models import Change
from joinedup.partnership.meetings import Meeting
from joinedup.reviews import facts_figures as figures
from joinedup.reviews.facts_shapes import Breakdown, Column, Fact, percent

Decision = IndicatorException.Decision

DECISIONS_DEFINITION = (
    "Made: the management group's triage decisions and the Board's minuted decisions dated "
    "in the period. Followed up, for the decisions that set something to be done by a date "
    "that has come by the end of the period: a performance issue is followed up when every "
    "action of its remedial plan was marked done on or before that action's due date (the "
    "history records when), and it falls due on the latest of those dates; an escalation "
    "is followed up when the Board minuted its decision on the exception by the day of the "
    "Board's first meeting after the escalation, and falls due at that meeting. A data "
    "anomaly sends figures back to their owner, and is followed up in the returns; the "
    "Board's own decisions record no completion, so neither is counted as due.")

WAITS_DEFINITION = (
    "For each exception first decided in the period: the days from its earliest flag being "
    "raised (or the exception, if it keeps no flag) to the management group's first "
    "decision on it. The median and the 90th percentile are sample quantiles by linear "
    "interpolation (Hyndman and Fan's definition 7, as R and NumPy give by default). "
    "Layers are the bodies that own the exceptions. Awaiting: exceptions open now with no "
    "decision yet.")


def decisions_fact(user, window) -> Fact:
    triage = list(TriageDecision.objects.visible_to(user).filter(window.has("decided_at"))
                  .select_related("plan"))
    board = list(BoardDecision.objects.visible_to(user).filter(window.has("recorded_at")))
    performance = _performance_followed_up(
        user, [d for d in triage if d.decision == Decision.PERFORMANCE], window)
    escalations = _escalations_followed_up(
        user, [d for d in triage if d.decision == Decision.ESCALATE], window)
    rows = []
    for value, label in Decision.choices:
        made = sum(1 for d in triage if d.decision == value)
        followed = {Decision.PERFORMANCE: performance, Decision.ESCALATE: escalations}.get(value)
        rows.append({"decision": f"Management group: {_lower(label)}", "made": made,
                     "due": len(followed) if followed is not None else None,
                     "followed_up": sum(followed) if followed is not None else None})
    for value, label in BoardDecision.Outcome.choices:
        rows.append({"decision": f"Board: {_lower(label)}",
                     "made": sum(1 for d in board if d.outcome == value),
                     "due": None, "followed_up": None})
    made = len(triage) + len(board)
    due = len(performance) + len(escalations)
    followed_up = sum(performance) + sum(escalations)
    rows.append({"decision": figures.ALL, "made": made, "due": due, "followed_up": followed_up})
    for row in rows:
        row["followed_up_share"] = (row["followed_up"] / row["due"]
                                    if row["due"] else None)
    share = followed_up / due if due else None
    summary = (f"{made} decision{'s' if made != 1 else ''} made; "
               + (f"{followed_up} of the {due} due for follow-up followed up ({percent(share)})."
                  if due else "none was due for follow-up by the end of the period."))
    return Fact(
        key="decisions", name="Decisions made and followed up",
        definition=DECISIONS_DEFINITION, summary=summary,
        values={"made": made, "due": due, "followed_up": followed_up,
                "followed_up_share": share},
        breakdowns=[Breakdown("By kind of decision", [
            Column("decision", "Decision", "text"), Column("made", "Made"),
            Column("due", "Due for follow-up"), Column("followed_up", "Followed up"),
            Column("followed_up_share", "Followed up", "share")], rows)])


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def _performance_followed_up(user, decisions, window) -> list[bool]:
    """For each performance decision whose plan fell due by the end of the period: were
    all its actions marked done by their due dates?"""
    plans = [d.plan.pk for d in decisions if hasattr(d, "plan")]
    actions = list(RemedialAction.objects.visible_to(user).filter(plan_id__in=plans))
    done_on = _first_done(actions)
    by_plan: dict[int, list[RemedialAction]] = {}
    for action in actions:
        by_plan.setdefault(action.plan_id, []).append(action)
    followed = []
    for plan_actions in by_plan.values():
        if max(a.due for a in plan_actions) > window.until:
            continue
        followed.append(all(a.status == RemedialAction.Status.DONE and a.pk in done_on
                            and done_on[a.pk] <= a.due for a in plan_actions))
    return followed


def _first_done(actions) -> dict:
    """Each action's first recorded change that left it done, as a local date."""
    if not actions:
        return {}
    changes = (Change.objects.filter(
        content_type=ContentType.objects.get_for_model(RemedialAction),
        object_id__in=[a.pk for a in actions], after__status=RemedialAction.Status.DONE.value)
        .order_by().values("object_id").annotate(first=Min("time")))
    return {row["object_id"]: timezone.localdate(row["first"]) for row in changes}


def _escalations_followed_up(user, decisions, window) -> list[bool]:
    """For each escalation with a Board meeting after it by the end of the period: did
    the Board minute its decision on the exception by the day of that meeting?"""
    followed = []
    boards = list(Meeting.objects.visible_to(user).filter(body__kind="board",
                                                          starts__lt=window.end)
                  .order_by("starts").values_list("starts", flat=True))
    for decision in decisions:
        meeting = next((s for s in boards if s > decision.decided_at), None)
        if meeting is None:
            continue
        minuted = (BoardDecision.objects.visible_to(user)
                   .filter(exception_id=decision.exception_id,
                           recorded_at__gte=decision.decided_at)
                   .order_by("recorded_at").values_list("recorded_at", flat=True).first())
        followed.append(minuted is not None
                        and timezone.localdate(minuted) <= timezone.localdate(meeting))
    return followed


def waits_fact(user, window) -> Fact:
    exceptions = IndicatorException.objects.visible_to(user)
    first = dict(TriageDecision.objects.visible_to(user).order_by().values("exception_id")
                 .annotate(first=Min("decided_at")).values_list("exception_id", "first"))
    decided = {pk: when for pk, when in first.items() if window.holds(when)}
    found = list(exceptions.filter(pk__in=decided).select_related("layer"))
    flagged = dict(IndicatorException.flags.through.objects
                   .filter(indicatorexception_id__in=decided).order_by()
                   .values("indicatorexception_id").annotate(first=Min("flag__raised_at"))
                   .values_list("indicatorexception_id", "first"))
    frame = pl.DataFrame({
        "layer": [e.layer.name for e in found],
        "days": [(decided[e.pk] - flagged.get(e.pk, e.raised_at)).total_seconds() / 86400
                 for e in found]}, schema={"layer": pl.String, "days": pl.Float64})
    rows = figures.waits(frame, "layer").to_dicts()
    awaiting = exceptions.current().filter(decision="").count()
    total = rows[-1]
    summary = (f"{total['decided']} exception{'s' if total['decided'] != 1 else ''} decided: "
               f"a median of {total['median_days']:.1f} days from flag to decision, and 90% "
               f"within {total['p90_days']:.1f} days; {awaiting} awaiting a decision."
               if total["decided"] else
               f"No exception was first decided in the period; {awaiting} awaiting a decision.")
    return Fact(
        key="flag_to_decision", name="From flag to decision", definition=WAITS_DEFINITION,
        summary=summary,
        values={"decided": total["decided"], "median_days": total["median_days"],
                "p90_days": total["p90_days"], "awaiting": awaiting},
        breakdowns=[Breakdown("By layer", [
            Column("layer", "Layer", "text"), Column("decided", "Decided"),
            Column("median_days", "Median days", "days"),
            Column("p90_days", "90th percentile, days", "days")], rows)])
