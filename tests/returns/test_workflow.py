"""Sign-off: who may take each step, locking, stale edits, history and re-assessment."""

from __future__ import annotations

import pytest

from joinedup.assessment.models import Assessment
from joinedup.history.models import Change
from joinedup.returns import workflow
from joinedup.returns.importing import import_table
from joinedup.returns.models import DataValue

from .helpers import GATESHEAD, latest, next_label, table

pytestmark = pytest.mark.django_db


def sent(person, code="HW 02"):
    """A new draft figure for the next period, sent by ``person``."""
    row = {"indicator": code, "area": GATESHEAD, "period": next_label(code),
           "value": str(latest(code).value)}
    result = import_table(table([row]), source="f.csv", user=person)
    assert result.saved, [str(p) for p in result.problems]
    return DataValue.objects.filter(pk__in=result.value_ids)


def test_draft_submitted_approved_with_history(person, django_capture_on_commit_callbacks):
    pct, lead = person("pct"), person("theme_lead")
    figures = sent(pct)
    assert workflow.submit(figures, pct) == 1
    waiting = DataValue.objects.filter(pk__in=figures, state="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        # as the approvals page does: a query on the very state the approval changes
        assert workflow.approve(waiting, lead) == 1
    figure = figures.get()
    assert (figure.state, figure.version) == ("approved", 3)
    assert figure.submitted_by == pct and figure.approved_by == lead
    steps = [(c.action, c.actor, c.before and c.before["state"], c.after["state"])
             for c in Change.objects.for_object(figure).order_by("time", "pk")]
    assert steps == [("create", "pct.analyst", None, "draft"),
                     ("update", "pct.analyst", "draft", "submitted"),
                     ("update", "theme.lead", "submitted", "approved")]
    # the approval re-assessed the indicator: the new period is now its latest assessment
    latest_assessed = Assessment.objects.get(indicator=figure.indicator, area=figure.area,
                                             is_latest=True)
    assert (latest_assessed.period, latest_assessed.value) == (figure.period, figure.value)


def test_only_the_owner_submits_and_only_the_theme_lead_approves(person):
    pct, police, lead, board = (person(p) for p in ("pct", "police", "theme_lead", "board"))
    figures = sent(pct)
    with pytest.raises(workflow.WorkflowError, match="You may not submit"):
        workflow.submit(figures, police)
    workflow.submit(figures, pct)
    for outsider in (pct, police, board):
        with pytest.raises(workflow.WorkflowError, match="You may not approve"):
            workflow.approve(figures, outsider)
    assert figures.get().state == "submitted"


def test_nobody_approves_their_own_submission(person):
    lead = person("theme_lead")
    officer = person("officer")
    figures = sent(officer)     # the officer keys in a figure for the partner
    workflow.submit(figures, officer)
    figure = figures.get()
    figure.submitted_by = lead
    figure.save()
    with pytest.raises(workflow.WorkflowError, match="You may not approve"):
        workflow.approve(DataValue.objects.filter(pk=figure.pk), lead)


def test_returning_needs_a_reason_and_goes_back_to_the_owner(person):
    pct, lead = person("pct"), person("theme_lead")
    figures = sent(pct)
    workflow.submit(figures, pct)
    with pytest.raises(workflow.WorkflowError, match="Say why"):
        workflow.return_to_owner(figures, lead, "  ")
    workflow.return_to_owner(figures, lead, "Check the denominator")
    figure = figures.get()
    assert (figure.state, figure.returned_reason) == ("returned", "Check the denominator")
    assert Change.objects.for_object(figure).first().reason == "Check the denominator"
    assert workflow.submit(figures, pct) == 1          # corrected and sent again


def test_a_step_takes_all_figures_or_none(person):
    pct = person("pct")
    draft = sent(pct)
    approved = DataValue.objects.filter(pk=latest("HW 01").pk)
    both = DataValue.objects.filter(pk__in=[draft.get().pk, approved.get().pk])
    with pytest.raises(workflow.WorkflowError, match="Only draft or returned"):
        workflow.submit(both, pct)
    assert draft.get().state == "draft"


def test_a_stale_edit_is_refused_and_explained(person):
    pct = person("pct")
    figure = sent(pct).get()
    opened_at, first_value = figure.version, figure.value
    first = workflow.change_value(figure, pct, version=opened_at, value=figure.value + 0.1)
    assert first.saved and first.changed == 1
    with pytest.raises(workflow.StaleEdit, match="your copy is version 1, it is now version 2"):
        workflow.change_value(figure, pct, version=opened_at, value=figure.value + 0.2)
    figure.refresh_from_db()
    assert figure.version == 2
    assert figure.value == pytest.approx(float(first_value) + 0.1)


def test_changing_an_approved_figure_needs_a_reason_then_a_new_approval(
        person, django_capture_on_commit_callbacks):
    pct = person("pct")
    approved = latest("HW 02")
    result = workflow.change_value(approved, pct, version=approved.version,
                                   value=approved.value + 1)
    assert not result.saved
    assert [(p.column, p.message) for p in result.problems] == [
        ("value", f"HW 02 for {GATESHEAD} in {approved.period} is approved and locked; "
                  "changing it needs a reason")]
    with django_capture_on_commit_callbacks(execute=True):
        result = workflow.change_value(approved, pct, version=approved.version,
                                       value=approved.value + 1, reason="Revised by ONS",
                                       submit=True, note="revised")
    assert result.saved, [str(p) for p in result.problems]
    approved.refresh_from_db()
    assert approved.state == "submitted" and approved.submitted_by == pct
    # no longer approved, so no longer assessed as a published figure
    assessed = Assessment.objects.filter(indicator=approved.indicator, area=approved.area)
    assert not assessed.filter(period=approved.period).exists()
    # the series now ends at the approved figure before it
    before = (DataValue.objects.filter(indicator=approved.indicator, area=approved.area,
                                       state="approved").order_by("-period_start").first())
    assert before.period_end == approved.period_start
    assert (assessed.get(is_latest=True).period, assessed.get(is_latest=True).value) == (
        before.period, before.value)


def test_a_change_can_replace_the_note(person):
    pct = person("pct")
    figure = sent(pct).get()
    result = workflow.change_value(figure, pct, version=figure.version, note="Provisional")
    assert result.saved and result.changed == 1
    figure.refresh_from_db()
    assert figure.note == "Provisional" and figure.version == 2
    kept = workflow.change_value(figure, pct, version=2, value=figure.value + 0.1)
    assert kept.saved
    figure.refresh_from_db()
    assert figure.note == "Provisional"
