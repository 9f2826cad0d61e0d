"""The generated stages of a delivery plan, written from the engine and the resources table.

Stage 2 (current performance and trends) and stage 3 (the forecast, and whether the target
will be met; the resources behind it) answer the questions marked generated, for the
partnership's own area, from:

- each indicator's latest stored assessment: its figure, status against target, direction
  of travel and SPC variation (stage 2), and its forecast, the target it aims at and the
  probability of meeting it (stage 3);
- the budget lines of the latest financial year held that name the plan's outcome (or, when
  none does, every line of its theme): capital and revenue by single, aligned and pooled,
  with totals (stage 3). These are totals over every partner's lines, as the
  partnership's resource mapping adds them up; no partner's line is named.

A plan's indicators are its own indicator, or every indicator of its outcome. Answers are
refreshed (and each change recorded) while the plan is a draft or open to challenge; once
agreed, a plan keeps what it was agreed on. Every stored assessment run refreshes the plans
of the indicators it covered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db.models import Q

from joinedup.assessment.models import Assessment
from joinedup.assessment.words import DIRECTION, STATUS, VARIATION
from joinedup.history.recording import recorded_as
from joinedup.resources import finance
from joinedup.resources.models import BudgetLine
from joinedup.resources.templatetags.money import pounds
from joinedup.strategy.delivery import DeliveryPlan, PlanAnswer, PlanQuestion
from joinedup.strategy.models import Indicator

REFRESHED = (DeliveryPlan.State.DRAFT, DeliveryPlan.State.CHALLENGE)


def indicators_of(plan: DeliveryPlan) -> list[Indicator]:
    if plan.indicator_id:
        return [plan.indicator]
    return list(plan.outcome.indicators.order_by("code"))


def _latest(indicators: list[Indicator], area: int) -> dict[int, Assessment]:
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


ARRANGEMENTS = ("single", "aligned", "pooled")
SPEND_KINDS = ("capital", "revenue")


@dataclass
class Resources:
    """The money behind a plan: the budget lines of the latest financial year held, as a
    grid of capital and revenue (rows) by single, aligned and pooled (columns), each with
    its total. ``scope`` says which lines: those naming the plan's outcome, or, when none
    does, every line of its theme."""

    scope: str
    year: str | None
    lines: int
    grid: pl.DataFrame

    @property
    def total(self) -> float:
        return float(self.grid.filter(pl.col("spend_kind") == "total")["total"].sum())


def _grid(lines: pl.DataFrame) -> pl.DataFrame:
    cells = pl.DataFrame({"spend_kind": [k for k in SPEND_KINDS for _ in ARRANGEMENTS],
                          "arrangement": [a for _ in SPEND_KINDS for a in ARRANGEMENTS]})
    sums = lines.group_by("spend_kind", "arrangement").agg(pl.col("budget").sum())
    long = cells.join(sums, on=["spend_kind", "arrangement"], how="left").with_columns(
        pl.col("budget").fill_null(0.0))
    wide = (long.pivot(on="arrangement", index="spend_kind", values="budget")
            .select("spend_kind", *ARRANGEMENTS)
            .with_columns(total=pl.sum_horizontal(*ARRANGEMENTS)))
    totals = wide.select(pl.lit("total").alias("spend_kind"),
                         *[pl.col(c).sum() for c in (*ARRANGEMENTS, "total")])
    return pl.concat([wide, totals])


def plan_resources(plan: DeliveryPlan) -> Resources:
    outcome = plan.indicator.outcome if plan.indicator_id else plan.outcome
    theme = outcome.theme
    year = BudgetLine.objects.order_by("-financial_year").values_list(
        "financial_year", flat=True).first()
    if year is None:
        return Resources(f"No partner's spend on {theme.name} is held yet", None, 0,
                         _grid(finance.lines_frame(None, everyone=True, pk__in=[])))
    lines = finance.lines_frame(None, year=year, everyone=True, outcome=outcome)
    scope = f"Lines for “{outcome.title}”"
    if lines.is_empty():
        lines = finance.lines_frame(None, year=year, everyone=True, theme=theme)
        scope = f"No line names “{outcome.title}”, so every line of {theme.name}"
    return Resources(scope, year, lines.height, _grid(lines))


def resources(plan: DeliveryPlan) -> str:
    found = plan_resources(plan)
    if found.year is None:
        return f"{found.scope}."
    if not found.lines:
        return f"{found.scope}: none is held for {found.year}."
    rows = {row["spend_kind"]: row for row in found.grid.iter_rows(named=True)}
    parts = [f"{kind} {pounds(rows[kind]['total'])} (" + ", ".join(
        f"{arrangement} {pounds(rows[kind][arrangement])}" for arrangement in ARRANGEMENTS)
        + ")" for kind in SPEND_KINDS]
    return (f"{found.scope}, {found.year}: {pounds(found.total)} budgeted by partners in "
            f"{found.lines:,} lines. " + "; ".join(parts).capitalize() + ".")


#: Each generated question's writer, by the question's key.
WRITERS = {
    "performance-and-trend": lambda plan, latest: performance(indicators_of(plan), latest),
    "forecast": lambda plan, latest: forecast(indicators_of(plan), latest),
    "resources": lambda plan, latest: resources(plan),
}


def refresh(plan: DeliveryPlan, *, now: dt.datetime) -> int:
    """Write ``plan``'s generated answers again; how many changed. An agreed plan keeps
    what it was agreed on."""
    if plan.state not in REFRESHED:
        return 0
    latest = _latest(indicators_of(plan), plan.strategy.area_id)
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
