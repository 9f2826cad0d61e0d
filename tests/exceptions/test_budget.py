"""Finance exceptions: raised by monitoring and the alignment criteria, kept in step with
spend, decided by the management group, and shown to the Board when escalated."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from joinedup.exceptions import budget
from joinedup.exceptions.models import BudgetException
from joinedup.history.models import Change
from joinedup.resources.models import BudgetLine

pytestmark = pytest.mark.django_db
YEAR = "2023/24"


def open_exceptions() -> list[tuple]:
    return sorted((e.kind, e.partner.slug, e.theme.slug, e.criterion.evidence if e.criterion
                   else "") for e in BudgetException.objects.filter(state="open")
                  .select_related("partner", "theme", "criterion"))


def test_the_demo_raises_the_year_in_progress_exceptions_only():
    assert budget.year_in_progress() == YEAR
    assert open_exceptions() == [
        ("criterion", "gateshead-council", "safer-gateshead", "reports"),
        ("criterion", "tyne-and-wear-fire", "safer-gateshead", "contributes"),
        ("criterion", "tyne-and-wear-fire", "safer-gateshead", "reports"),
        ("overspend", "gateshead-council", "active-and-healthy-gateshead", ""),
        ("overspend", "gateshead-council", "children-and-young-people", ""),
        ("overspend", "gateshead-council", "narrowing-the-gap", ""),
        ("overspend", "gateshead-council", "prosperous-gateshead", ""),
        ("overspend", "nhs-gateshead", "active-and-healthy-gateshead", ""),
    ]
    assert not BudgetException.objects.exclude(financial_year=YEAR).exists()


def test_the_database_holds_one_exception_per_key_with_or_without_a_criterion():
    for held in (BudgetException.objects.get(kind="overspend", partner__slug="nhs-gateshead"),
                 BudgetException.objects.filter(kind="criterion").first()):
        copy = BudgetException(**{field: getattr(held, field) for field in (
            "kind", "partner_id", "stream_id", "theme_id", "criterion_id", "financial_year",
            "budget", "raised_at")})
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()
        copy.financial_year = "1999/00"
        copy.save()
        assert BudgetException.objects.filter(
            kind=held.kind, partner=held.partner, stream=held.stream, theme=held.theme,
            criterion=held.criterion).count() == 2


def test_an_overspend_is_the_forecast_beyond_the_tolerance():
    pool = BudgetException.objects.get(kind="overspend", partner__slug="nhs-gateshead")
    # NHS Gateshead's £500,000 pool contribution: 112% spent along a straight-line profile
    # (phased 23%, 25%, 25% by quarter 3: £409,733.33 ÷ 0.75)
    lines = BudgetLine.objects.filter(partner__slug="nhs-gateshead", financial_year=YEAR,
                                      theme__slug="active-and-healthy-gateshead")
    spent = sum(line.actual_to_date for line in lines)
    assert (pool.lines, pool.budget, pool.as_at_quarter) == (22, Decimal("500000.00"), 3)
    assert pool.forecast_outturn == (spent / Decimal("0.75")).quantize(Decimal("0.01"))


def test_putting_the_figures_right_closes_it_and_a_relapse_reopens_it(person):
    exception = BudgetException.objects.get(kind="overspend", partner__slug="nhs-gateshead")
    lines = BudgetLine.objects.filter(partner__slug="nhs-gateshead", financial_year=YEAR,
                                      theme__slug="active-and-healthy-gateshead")
    held = {line.pk: line.actual_q3 for line in lines}
    for line in lines:  # spending exactly on profile: three quarters by quarter 3
        BudgetLine.objects.filter(pk=line.pk).update(
            actual_q3=line.budget * Decimal("0.75") - line.actual_q1 - line.actual_q2)
    assert budget.sync_budget_exceptions([YEAR]) == {"raised": 0, "updated": 0, "closed": 1}
    exception.refresh_from_db()
    assert exception.state == "closed" and exception.closed_at is not None
    for pk, amount in held.items():
        BudgetLine.objects.filter(pk=pk).update(actual_q3=amount)
    assert budget.sync_budget_exceptions([YEAR]) == {"raised": 0, "updated": 1, "closed": 0}
    exception.refresh_from_db()
    assert (exception.state, exception.closed_at) == ("open", None)
    # a closed year is history: asking for it raises nothing
    assert budget.sync_budget_exceptions(["2021/22"]) == {"raised": 0, "updated": 0,
                                                          "closed": 0}


def test_the_management_group_decides_and_the_board_sees_the_escalation(person, client_as):
    exception = BudgetException.objects.get(kind="overspend", partner__slug="nhs-gateshead")
    client = client_as("steering")
    url = reverse("exceptions:budget")
    refused = client.post(url, {"exception": exception.pk, "decision": "", "note": "x"})
    assert refused.status_code == 400
    assert "Choose a decision: a data anomaly, a performance issue, or one for the Board." \
        in refused.content.decode()
    response = client.post(url, {"exception": exception.pk, "decision": "escalate",
                                 "note": "The pool cannot absorb it; partners must top up."})
    assert response.status_code == 302
    exception.refresh_from_db()
    assert (exception.decision, exception.decided_by.username) == ("escalate",
                                                                    "steering.member")
    change = Change.objects.for_object(exception).filter(action="update").get()
    assert (change.actor, change.reason, change.after["decision"]) == (
        "steering.member", "The pool cannot absorb it; partners must top up.", "escalate")
    board = client_as("board").get(reverse("partnership:report", args=["gsp-board"]))
    assert ("Escalated to the Board: NHS Gateshead (Gateshead Primary Care Trust), Active "
            "and Healthy Gateshead, 2023/24: Forecast overspend (The pool cannot absorb it; "
            "partners must top up.)") in board.content.decode().replace("&#x27;", "'")


def test_only_those_who_triage_decide_and_partners_see_their_own(client_as):
    exception = BudgetException.objects.get(kind="overspend", partner__slug="nhs-gateshead")
    response = client_as("police").post(reverse("exceptions:budget"),
                                        {"exception": exception.pk, "decision": "anomaly",
                                         "note": "no"})
    assert response.status_code == 403
    page = client_as("police").get(reverse("exceptions:budget")).content.decode()
    assert 'data-testid="budget-summary">0 open finance exceptions.' in page
    page = client_as("pct").get(reverse("exceptions:budget")).content.decode()
    assert 'data-testid="budget-summary">1 open finance exception.' in page
