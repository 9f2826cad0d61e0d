"""Triage, commentary and the Board's minute: who may decide, and what each decision does."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.exceptions.decisions import (
    DecisionRefused,
    PlanDetails,
    record_board_decision,
    triage,
    write_commentary,
)
from joinedup.exceptions.models import IndicatorException, TriageDecision
from joinedup.history.models import Change
from joinedup.partnership.models import Organisation
from joinedup.partnership.roles import TRIAGE_REFUSAL
from joinedup.returns import workflow
from joinedup.returns.models import DataValue

pytestmark = pytest.mark.django_db
DUE = dt.date(2027, 3, 31)


def figure(exception, area="E08000037"):
    return DataValue.objects.get(indicator=exception.indicator, area__code=area,
                                 period=exception.period)


def test_a_board_member_may_not_triage(person, exception_for):
    exception = exception_for("HW 02", "2017/18")
    with pytest.raises(DecisionRefused) as refused:
        triage([exception.pk], person("board"), "escalate", "Strategic", recommendation="Act",
               board_asked_for="strategy")
    assert str(refused.value) == TRIAGE_REFUSAL
    assert TriageDecision.objects.count() == 0


def send_back_and_correct(exception, value, person, corrected: str, capture):
    with capture(execute=True):
        made, = triage([exception.pk], person("theme_lead"), "anomaly",
                       "The figure looks wrong; please check the source.")
    value.refresh_from_db()
    assert made.figures_returned == 1
    assert (value.state, value.returned_reason) == (
        "returned", "The figure looks wrong; please check the source.")
    exception.refresh_from_db()
    assert (exception.state, exception.decision) == ("awaiting_correction", "anomaly")
    with capture(execute=True):
        workflow.change_value(value, person("pct"), version=value.version, value=corrected,
                              note="Recounted from the source", submit=True)
    with capture(execute=True):
        workflow.approve(DataValue.objects.filter(pk=value.pk), person("theme_lead"))
    exception.refresh_from_db()
    return made


def test_a_data_anomaly_goes_back_to_its_owner_and_closes_once_corrected(
        person, exception_for, django_capture_on_commit_callbacks):
    exception = exception_for("HW 04", "2017")
    value = figure(exception)
    assert value.value == 24.5
    send_back_and_correct(exception, value, person, "27.0", django_capture_on_commit_callbacks)
    assert (exception.state, exception.decision) == ("closed", "anomaly")
    assert [(f.kind, f.is_open) for f in exception.flags.all()] == [("outlier", False)]
    change = Change.objects.for_object(value).filter(after__state="returned").get()
    assert (change.actor, change.reason) == (
        "theme.lead", "The figure looks wrong; please check the source.")
    assert IndicatorException.objects.count() == 54


def test_corrected_figures_still_flagged_come_back_for_a_fresh_decision(
        person, exception_for, django_capture_on_commit_callbacks):
    exception = exception_for("HW 02", "2017/18")
    value = figure(exception)
    made = send_back_and_correct(exception, value, person, "36.8",
                                 django_capture_on_commit_callbacks)
    # While 2017/18 was away, 2016/17 was the latest figure, flagged; no exception for it.
    assert not IndicatorException.objects.filter(indicator=exception.indicator,
                                                 period="2016/17").exists()
    assert (exception.state, exception.decision, exception.reopened) == ("open", "", 0)
    assert list(exception.decisions.all()) == [made]


def test_a_performance_issue_gets_a_remedial_plan_with_its_baseline(person, exception_for):
    exception = exception_for("HW 02", "2017/18")
    made, = triage([exception.pk], person("officer"), "performance",
                   "Obesity is rising against the trajectory.",
                   plan=PlanDetails(owner=person("theme_lead"), due=DUE,
                                    actions=["Extend the school food programme",
                                             "Commission a healthy weight service"]))
    plan = made.plan
    assert (plan.owner.username, plan.review_period, plan.area.code, plan.baseline_period,
            plan.baseline_value) == ("theme.lead", "2018/19", "E08000037", "2017/18", 36.8)
    assert plan.baseline_p_meet_target == pytest.approx(0.12, abs=0.005)
    assert list(plan.actions.values_list("action", "due", "lead__slug")) == [
        ("Extend the school food programme", DUE, "gateshead-council"),
        ("Commission a healthy weight service", DUE, "gateshead-council")]
    exception.refresh_from_db()
    assert (exception.state, exception.decision) == ("open", "performance")


def test_a_performance_issue_needs_an_owner_and_a_due_date(person, exception_for):
    exception = exception_for("HW 02", "2017/18")
    with pytest.raises(DecisionRefused, match="^A performance issue needs a remedial plan "
                       "with an owner.$"):
        triage([exception.pk], person("officer"), "performance", "Rising")
    with pytest.raises(DecisionRefused, match="^A remedial plan needs a due date"):
        triage([exception.pk], person("officer"), "performance", "Rising",
               plan=PlanDetails(owner=person("theme_lead")))
    assert TriageDecision.objects.count() == 0


def test_an_escalation_needs_a_recommendation_and_an_ask(person, exception_for):
    exception = exception_for("SC 02", "2022/23-2024/25")
    with pytest.raises(DecisionRefused, match="^An escalation needs a recommendation"):
        triage([exception.pk], person("officer"), "escalate", "Strategic")
    with pytest.raises(DecisionRefused, match="^Say what the Board is asked to decide"):
        triage([exception.pk], person("officer"), "escalate", "Strategic",
               recommendation="Move resources")
    made, = triage([exception.pk], person("officer"), "escalate", "Strategic",
                   recommendation="Ask the police to lead a summer plan",
                   board_asked_for="partner_action")
    assert (made.recommendation, made.board_asked_for) == (
        "Ask the police to lead a summer plan", "partner_action")


def test_a_new_decision_replaces_the_current_one_and_keeps_it(person, exception_for):
    exception = exception_for("SC 02", "2022/23-2024/25")
    first, = triage([exception.pk], person("officer"), "performance", "Handle locally",
                    plan=PlanDetails(owner=person("police"), due=DUE))
    second, = triage([exception.pk], person("theme_lead"), "escalate", "Needs the Board",
                     recommendation="Agree a summer plan", board_asked_for="strategy")
    assert second.replaces == first
    assert list(exception.decisions.order_by("pk")) == [first, second]
    exception.refresh_from_db()
    assert exception.decision == "escalate"
    recorded = Change.objects.for_object(second).get()
    assert (recorded.actor, recorded.reason, recorded.after["replaces_id"]) == (
        "theme.lead", "Needs the Board", first.pk)


def test_bulk_triage_takes_all_or_none(person, exception_for):
    one = exception_for("SU 01", "2023")
    other = exception_for("SU 03", "2025")
    IndicatorException.objects.filter(pk=other.pk).update(state="closed")
    with pytest.raises(DecisionRefused, match=f"^Exception {other.pk} .* is closed"):
        triage([one.pk, other.pk], person("officer"), "escalate", "Both strategic",
               recommendation="Review", board_asked_for="strategy")
    assert TriageDecision.objects.count() == 0
    IndicatorException.objects.filter(pk=other.pk).update(state="open")
    made = triage([one.pk, other.pk], person("officer"), "escalate", "Both strategic",
                  recommendation="Review", board_asked_for="strategy")
    assert [d.exception_id for d in made] == sorted([one.pk, other.pk])


def test_a_missing_return_is_not_a_data_anomaly(person, exception_for):
    exception = exception_for("HW 02", "2018/19")
    with pytest.raises(DecisionRefused, match="has no approved figure to send back"):
        triage([exception.pk], person("officer"), "anomaly", "Check")


def test_commentary_is_written_by_the_owner_or_the_layer(person, exception_for):
    exception = exception_for("HW 02", "2017/18")
    with pytest.raises(DecisionRefused, match="^Only the indicator's owner"):
        write_commentary(exception, person("police"), what_happened="a", why="b",
                         what_is_being_done="c")
    written = write_commentary(exception, person("pct"), what_happened="Up 2 points",
                               why="Fewer school sport hours", what_is_being_done="New plan")
    assert (written.written_by.username, written.why) == ("pct.analyst",
                                                           "Fewer school sport hours")
    with pytest.raises(DecisionRefused, match="^Say why.$"):
        write_commentary(exception, person("pct"), what_happened="Up", why=" ",
                         what_is_being_done="Plan")


def test_the_board_minutes_only_escalated_exceptions(person, exception_for):
    exception = exception_for("SC 02", "2022/23-2024/25")
    police = Organisation.objects.get(slug="northumbria-police")
    with pytest.raises(DecisionRefused, match="was not escalated to the Board"):
        record_board_decision(exception, person("officer"), outcome="noted", minute="Noted")
    triage([exception.pk], person("officer"), "escalate", "Strategic",
           recommendation="Agree a summer plan", board_asked_for="partner_action")
    exception.refresh_from_db()
    with pytest.raises(DecisionRefused, match="^Only the partnership officer and the Board"):
        record_board_decision(exception, person("board"), outcome="noted", minute="Noted")
    with pytest.raises(DecisionRefused, match="^An agreed action needs the partner"):
        record_board_decision(exception, person("officer"), outcome="action_agreed",
                              minute="Police to lead")
    minute = record_board_decision(exception, person("officer"), outcome="action_agreed",
                                   minute="Police to lead a summer plan", partner=police,
                                   due=DUE)
    assert (minute.partner, minute.due, minute.amount) == (police, DUE, None)
