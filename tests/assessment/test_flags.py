"""Stored flags: red against a milestone or the target itself, and returns not received."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.assessment.models import Assessment, Flag
from joinedup.assessment.services import run_assessment
from joinedup.core.parameters import AssessmentParameters
from joinedup.returns import workflow
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.returns.rounds import return_lines
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db

GATESHEAD = "E08000037"


def open_flags(**filters):
    return Flag.objects.filter(cleared_at__isnull=True, **filters)


def set_value(code: str, period: str, value: float) -> None:
    DataValue.objects.filter(indicator__code=code, area__code=GATESHEAD,
                             period=period).update(value=value)


def test_a_red_figure_judged_against_a_milestone_names_the_milestone():
    # HW 02 (lower is better): the 2009/10 Q4 milestone is 37.1%, with 5% tolerance
    set_value("HW 02", "2009/10", 40.0)
    run_assessment(indicator=Indicator.objects.get(code="HW 02"), as_at_period="2009/10")
    judged = Assessment.objects.get(indicator__code="HW 02", area__code=GATESHEAD,
                                    period="2009/10")
    assert (judged.status, judged.status_target_kind) == ("red", "milestone")
    flag = open_flags(kind="red", indicator__code="HW 02", area__code=GATESHEAD).get()
    assert flag.reason == ("Year 6 children with excess weight (Gateshead): 40.0% in 2009/10 "
                           "is worse than the 2009/10 Q4 milestone of 37.1%, beyond the "
                           "tolerance.")


def test_a_red_figure_judged_against_the_target_names_the_target():
    # the 2010/11 reward target is 36.5%: the annual figure meets the target itself
    set_value("HW 02", "2010/11", 39.0)
    run_assessment(indicator=Indicator.objects.get(code="HW 02"), as_at_period="2010/11")
    judged = Assessment.objects.get(indicator__code="HW 02", area__code=GATESHEAD,
                                    period="2010/11")
    assert (judged.status, judged.status_target_kind) == ("red", "target")
    flag = open_flags(kind="red", indicator__code="HW 02", area__code=GATESHEAD).get()
    assert flag.reason == ("Year 6 children with excess weight (Gateshead): 39.0% in 2010/11 "
                           "is worse than the 2010/11 target of 36.5%, beyond the tolerance.")


def test_the_run_s_flag_parameters_decide_its_flags():
    flag = open_flags(kind="likely_to_miss").order_by("pk").first()
    never = AssessmentParameters().with_changes(flags={"p_meet_below": 0.0})
    run_assessment(indicator=flag.indicator, parameters=never)
    assert not open_flags(kind="likely_to_miss", indicator=flag.indicator).exists()


# --- returns not received ---------------------------------------------------------------

def overdue_returns(person) -> set[tuple]:
    """What the returns app reports as overdue today, across every round."""
    officer, today = person("officer"), timezone.localdate()
    return {
        (line.expected.indicator_id, line.expected.area_id, line.expected.period)
        for collection_round in CollectionRound.objects.all()
        for line in return_lines(collection_round, officer, today) if line.overdue
    }


def past_deadline():
    return ExpectedReturn.objects.filter(collection_round__deadline__lt=timezone.localdate())


def test_the_open_missing_flags_are_the_overdue_returns(person):
    overdue = overdue_returns(person)
    # last quarter's round is past its deadline, and the demo invents no figure, so each of
    # its returns is overdue (how many depends on the day the demo's rounds were made)
    assert overdue == {(e.indicator_id, e.area_id, e.period) for e in past_deadline()}
    assert len(overdue) == past_deadline().count()
    flagged = {(f.indicator_id, f.area_id, f.period) for f in open_flags(kind="missing")}
    assert flagged == overdue


def test_a_missing_flag_names_the_owner_and_how_late_the_return_is():
    expected = ExpectedReturn.objects.select_related(
        "collection_round", "owner", "indicator", "area").get(
        indicator__code="HW 02", collection_round__deadline__lt=timezone.localdate())
    deadline = expected.collection_round.deadline
    indicator = expected.indicator
    run_assessment(indicator=indicator, today=deadline)
    assert not open_flags(kind="missing", indicator=indicator).exists()
    others = set(open_flags(kind="missing").values_list("pk", flat=True))
    # a run for one indicator leaves the others' returns alone
    assert len(others) == past_deadline().exclude(indicator=indicator).count()

    run_assessment(indicator=indicator, today=deadline + dt.timedelta(days=1))
    flag = open_flags(kind="missing", indicator=indicator).get()
    assert (flag.area, flag.period) == (expected.area, expected.period)
    assert flag.reason == (
        f"Year 6 children with excess weight (Gateshead): the {expected.period} return from "
        f"{expected.owner.name} is 1 day late (due {deadline.day} {deadline:%B %Y}).")
    assert set(open_flags(kind="missing").exclude(pk=flag.pk).values_list(
        "pk", flat=True)) == others


def test_a_missing_flag_clears_once_its_figure_is_submitted_and_reassessed(
        person, django_capture_on_commit_callbacks):
    expected = ExpectedReturn.objects.get(indicator__code="HW 02",
                                          collection_round__deadline__lt=timezone.localdate())
    flag = open_flags(kind="missing", indicator=expected.indicator).get()
    figure = DataValue.objects.create(indicator=expected.indicator, area=expected.area,
                                      period=expected.period, value=36.0, state="draft")
    run_assessment(indicator=expected.indicator)
    flag.refresh_from_db()
    assert flag.cleared_at is None  # a draft is still the owner's working copy

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(DataValue.objects.filter(pk=figure.pk), person("pct"))
    flag.refresh_from_db()
    assert flag.cleared_at is None  # a submission waits for the next run
    run, _ = run_assessment(indicator=expected.indicator)
    flag.refresh_from_db()
    assert flag.cleared_at is not None
    assert flag.last_run == run
