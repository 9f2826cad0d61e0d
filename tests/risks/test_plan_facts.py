"""A delivery plan's generated stages: written from the engine and the resources table,
refreshed until the plan is agreed."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.assessment.models import Assessment
from joinedup.assessment.services import run_assessment
from joinedup.partnership.models import Body
from joinedup.resources.models import BudgetLine
from joinedup.risks.plan_facts import plan_resources, refresh
from joinedup.strategy.delivery import DeliveryPlan, PlanAnswer
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def plan(person):
    return DeliveryPlan.objects.create(
        title="Year 6 healthy weight", indicator=Indicator.objects.get(code="HW 02"),
        lead=Body.objects.get(slug="active-healthy-gateshead"), owner=person("theme_lead"))


def answer(plan, key: str) -> str:
    return PlanAnswer.objects.get(plan=plan, question__key=key).text


def test_stages_two_and_three_are_written_from_the_stored_assessment(plan):
    assert refresh(plan, now=NOW) == 3
    latest = Assessment.objects.get(indicator__code="HW 02", area__code="E08000037",
                                    is_latest=True)
    assert answer(plan, "forecast") == (
        f"HW 02: {latest.forecast:,.1f}% forecast for {latest.forecast_period} against the "
        f"target of {latest.target:,.1f}%; a {latest.p_meet_target:.0%} chance of meeting it.")
    assert answer(plan, "performance-and-trend").startswith(
        f"HW 02 Year 6 children with excess weight: {latest.value:,.1f}% in {latest.period}; ")
    outcome = plan.indicator.outcome
    year = BudgetLine.objects.order_by("-financial_year").values_list(
        "financial_year", flat=True).first()
    lines = BudgetLine.objects.filter(outcome=outcome, financial_year=year)
    total = sum(line.budget for line in lines)
    assert answer(plan, "resources").startswith(
        f"Lines for “{outcome.title}”, {year}: £{total:,.0f} budgeted by partners in "
        f"{lines.count():,} lines. Capital £")
    assert PlanAnswer.objects.filter(plan=plan, generated_at=NOW).count() == 3


def test_an_agreed_plan_keeps_what_it_was_agreed_on(plan):
    refresh(plan, now=NOW)
    PlanAnswer.objects.filter(plan=plan, question__key="forecast").update(text="As agreed")
    DeliveryPlan.objects.filter(pk=plan.pk).update(state="agreed")
    plan.refresh_from_db()
    run_assessment(indicator=Indicator.objects.get(code="HW 02"))
    assert answer(plan, "forecast") == "As agreed"


def test_a_stored_run_refreshes_a_draft(plan):
    refresh(plan, now=NOW)
    PlanAnswer.objects.filter(plan=plan, question__key="forecast").update(text="Stale")
    run_assessment(indicator=Indicator.objects.get(code="HW 02"))
    assert answer(plan, "forecast").startswith("HW 02: ")


def slow_grid(lines) -> dict[tuple[str, str], float]:
    """Each cell summed line by line: capital and revenue by single, aligned and pooled."""
    cells = {}
    for line in lines:
        for kind in (line.stream.spend_kind, "total"):
            for arrangement in (line.arrangement, "total"):
                cells[kind, arrangement] = cells.get((kind, arrangement), 0.0) + float(
                    line.budget)
    return cells


def test_the_resources_grid_adds_the_outcomes_lines_cell_by_cell(plan):
    found = plan_resources(plan)
    lines = list(BudgetLine.objects.filter(outcome=plan.indicator.outcome,
                                           financial_year=found.year).select_related("stream"))
    expected = slow_grid(lines)
    assert found.lines == len(lines) > 0
    grid = {(row["spend_kind"], column): row[column]
            for row in found.grid.iter_rows(named=True)
            for column in ("single", "aligned", "pooled", "total")}
    assert sorted(grid) == sorted((kind, column) for kind in ("capital", "revenue", "total")
                                  for column in ("single", "aligned", "pooled", "total"))
    assert {cell: round(value, 2) for cell, value in grid.items()} == {
        cell: round(expected.get(cell, 0.0), 2) for cell in grid}


def test_with_no_line_for_the_outcome_the_grid_is_the_themes(person):
    plan = DeliveryPlan.objects.create(
        title="More people in work", indicator=Indicator.objects.get(code="EC 01"),
        lead=Body.objects.get(slug="prosperous-gateshead"), owner=person("officer"))
    outcome = plan.indicator.outcome
    found = plan_resources(plan)
    assert not BudgetLine.objects.filter(outcome=outcome, financial_year=found.year).exists()
    lines = list(BudgetLine.objects.filter(theme=outcome.theme, financial_year=found.year)
                 .select_related("stream"))
    assert found.scope == (f"No line names “{outcome.title}”, so every line of "
                           f"{outcome.theme.name}")
    assert (found.lines, round(found.total, 2)) == (
        len(lines), round(slow_grid(lines)["total", "total"], 2))


def test_changed_spend_writes_the_resources_stage_again(plan, django_capture_on_commit_callbacks):
    from joinedup.resources import events

    refresh(plan, now=NOW)
    year = plan_resources(plan).year
    line = BudgetLine.objects.filter(outcome=plan.indicator.outcome, financial_year=year,
                                     stream__spend_kind="revenue").first()
    BudgetLine.objects.filter(pk=line.pk).update(budget=line.budget + 250000)
    assert "£250,000" not in answer(plan, "resources")
    with django_capture_on_commit_callbacks(execute=True):
        events.announce([year])
    total = sum(x.budget for x in BudgetLine.objects.filter(
        outcome=plan.indicator.outcome, financial_year=year))
    assert answer(plan, "resources").startswith(
        f"Lines for “{plan.indicator.outcome.title}”, {year}: £{total:,.0f} budgeted")
