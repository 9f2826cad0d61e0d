"""The generated stages of a delivery plan, written from the engine and the resources table.

Stage 2 (current performance and trends) and stage 3 (the forecast, and whether the target
will be met; the resources behind it) answer the questions marked generated, for the
partnership's own area, from:

- each indicator's latest stored assessment: its figure, status against target, direction
  of travel and SPC variation (stage 2), and its forecast, the target it aims at and the
  probability of meeting it (stage 3);
- the budget lines of the plan's theme in the latest financial year held: capital and
  revenue, single, aligned and pooled (stage 3). These are totals over every partner's
  lines, as the partnership's resource mapping adds them up; no partner's line is named.

A plan's indicators are its own indicator, or every indicator of its outcome. Answers are
refreshed (and each change recorded) while the plan is a draft or open to challenge; once
agreed, a plan keeps what it was agreed on. Every stored assessment run refreshes the plans
of the indicators it covered.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Q

from joinedup.assessment.models import Assessment
from joinedup.assessment.words import DIRECTION, STATUS, VARIATION
from joinedup.history.recording import recorded_as
from joinedup.resources import finance
from joinedup.resources.models import BudgetLine
from joinedup.resources.templatetags.money import pounds
from joinedup.strategy.delivery import DeliveryPlan, PlanAnswer, PlanQuestion
from joinedup.strategy.models import Indicator, Strategy

REFRESHED = (DeliveryPlan.State.DRAFT, DeliveryPlan.State.CHALLENGE)


def indicators_of(plan: DeliveryPlan) -> list[Indicator]:
    if plan.indicator_id:
        return [plan.indicator]
    return list(plan.outcome.indicators.order_by("code"))


def theme_of(plan: DeliveryPlan):
    return (plan.indicator.outcome if plan.indicator_id else plan.outcome).theme


def _latest(indicators: list[Indicator]) -> dict[int, Assessment]:
    area = Strategy.objects.get().area_id
    found = Assessment.objects.filter(indicator__in=indicators, area_id=area, is_latest=True)
    return {a.indicator_id: a for a in found}


def _number(value: float | None, indicator: Indicator) -> str:
    if value is None:
        return "no figure"
    shown = f"{value:,.{indicator.decimals}f}"
    if indicator.unit == "%":
        return f"{shown}%"
    return f"£{shown}" if indicator.unit == "£" else f"{shown} {indicator.unit}"


def _variation(found: Assessment) -> str:
    mark = VARIATION.get(found.variation)
    return mark.sentence.lower() if mark else "no SPC judgement"


def performance(indicators: list[Indicator], latest: dict[int, Assessment]) -> str:
    sentences = []
    for indicator in indicators:
        found = latest.get(indicator.pk)
        if found is None:
            sentences.append(f"{indicator.code} {indicator.title}: no figure assessed yet.")
            continue
        sentences.append(
            f"{indicator.code} {indicator.title}: {_number(found.value, indicator)} in "
            f"{found.period}; {STATUS[found.status].sentence.lower()}; "
            f"{DIRECTION[found.direction].label.lower()} on the period before; "
            f"{_variation(found)}.")
    return "\n".join(sentences)


def forecast(indicators: list[Indicator], latest: dict[int, Assessment]) -> str:
    sentences = []
    for indicator in indicators:
        found = latest.get(indicator.pk)
        if found is None or found.forecast is None:
            sentences.append(f"{indicator.code}: no forecast yet.")
            continue
        target = (f" against the target of {_number(found.target, indicator)}; a "
                  f"{found.p_meet_target:.0%} chance of meeting it"
                  if found.target is not None and found.p_meet_target is not None
                  else "; no target to meet")
        sentences.append(f"{indicator.code}: {_number(found.forecast, indicator)} forecast for "
                         f"{found.forecast_period}{target}.")
    return "\n".join(sentences)


def resources(theme) -> str:
    year = BudgetLine.objects.order_by("-financial_year").values_list(
        "financial_year", flat=True).first()
    if year is None:
        return f"No partner's spend on {theme.name} is held yet."
    lines = finance.lines_frame(None, year=year, everyone=True, theme=theme)
    if lines.is_empty():
        return f"No partner's spend on {theme.name} is held for {year}."
    totals = (lines.group_by("spend_kind", "arrangement").agg(pl.col("budget").sum())
              .sort("spend_kind", "arrangement"))
    parts = [f"{kind} {arrangement} {pounds(budget)}"
             for kind, arrangement, budget in totals.iter_rows()]
    return (f"{theme.name}, {year}: {pounds(lines['budget'].sum())} budgeted by partners in "
            f"{lines.height:,} lines ({'; '.join(parts)}).")


#: Each generated question's writer, by the question's key.
WRITERS = {
    "performance-and-trend": lambda plan, latest: performance(indicators_of(plan), latest),
    "forecast": lambda plan, latest: forecast(indicators_of(plan), latest),
    "resources": lambda plan, latest: resources(theme_of(plan)),
}


def refresh(plan: DeliveryPlan, *, now: dt.datetime) -> int:
    """Write ``plan``'s generated answers again; how many changed. An agreed plan keeps
    what it was agreed on."""
    if plan.state not in REFRESHED:
        return 0
    latest = _latest(indicators_of(plan))
    changed = 0
    with recorded_as(actor="delivery plans", reason="Generated stages written again from "
                                                    "the engine and the resources table"):
        for question in PlanQuestion.objects.filter(generated=True, key__in=WRITERS):
            text = WRITERS[question.key](plan, latest)
            answer, made = PlanAnswer.objects.get_or_create(
                plan=plan, question=question, defaults={"text": text, "generated_at": now})
            if not made and answer.text != text:
                answer.text, answer.generated_at = text, now
                answer.save()
            changed += made or answer.generated_at == now
    return changed


def refresh_for(indicator_ids, *, now: dt.datetime) -> int:
    """Refresh the plans of ``indicator_ids`` (every plan when None) still being made."""
    plans = DeliveryPlan.objects.filter(state__in=REFRESHED).select_related(
        "indicator__outcome__theme", "outcome__theme")
    if indicator_ids is not None:
        ids = list(indicator_ids)
        plans = plans.filter(Q(indicator_id__in=ids) | Q(outcome__indicators__in=ids)).distinct()
    return sum(refresh(plan, now=now) for plan in plans)
