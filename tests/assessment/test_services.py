"""The adapter: the database in, stored assessments and flags out, reproducible from the CLI."""

from __future__ import annotations

import datetime as dt
import io
import re

import polars as pl
import pytest
from django.core.management import call_command
from django.utils import timezone

from joinedup.assessment.models import Assessment, AssessmentRun, Flag
from joinedup.assessment.services import frames_for, run_assessment
from joinedup.core.engine import assess
from joinedup.core.parameters import AssessmentParameters
from joinedup.returns.models import DataValue, ExpectedReturn
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db


def test_the_demo_is_assessed_with_its_parameters_stored():
    run = AssessmentRun.objects.filter(state="done").first()
    assert run is not None and run.scope == "partnership"
    assert AssessmentParameters.from_dict(run.parameters) == AssessmentParameters()
    assert Assessment.objects.count() == DataValue.objects.filter(state="approved").count()
    series = DataValue.objects.values("indicator", "area").distinct().count()
    assert Assessment.objects.filter(is_latest=True).count() == series


def test_stored_results_equal_the_engine_on_the_same_frames():
    indicators = Indicator.objects.filter(code__in=["HW 02", "EC 04"])
    values, polarity, targets = frames_for(indicators)
    expected = assess(values, polarity, targets).sort("indicator", "area", "period_start")
    stored = pl.DataFrame(list(
        Assessment.objects.filter(indicator__in=indicators)
        .order_by("indicator__code", "area__code", "period_start")
        .values("indicator__code", "area__code", "period", "status", "direction", "spc_signal",
                "variation", "assurance", "spc_upper", "outlier", "forecast", "p_meet_target")))
    assert stored["status"].to_list() == expected["status"].cast(pl.String).to_list()
    assert stored["spc_signal"].to_list() == expected["spc_signal"].cast(pl.String).to_list()
    assert stored["assurance"].to_list() == expected["assurance"].cast(pl.String).to_list()
    assert stored["outlier"].to_list() == expected["outlier"].to_list()
    assert (stored["spc_upper"].null_count(), expected["spc_upper"].null_count()) == (0, 0)
    assert ((stored["spc_upper"] - expected["spc_upper"]).abs() < 1e-9).all()


def test_csv_from_the_command_line_reproduces_the_stored_figures():
    out = io.StringIO()
    call_command("assess", "--indicator", "hw 02", "--format", "csv", "--no-store", "--quiet",
                 stdout=out)
    printed = pl.read_csv(io.StringIO(out.getvalue()))
    stored = {(a.area.code, a.period): a for a in Assessment.objects.filter(
        indicator__code="HW 02").select_related("area")}
    assert printed.height == len(stored) == 59  # HW 02's figures for its five areas
    for row in printed.iter_rows(named=True):
        assessment = stored[(row["area"], row["period"])]
        assert row["status"] == assessment.status
        assert row["variation"] == assessment.variation
        assert row["forecast"] == (None if assessment.forecast is None
                                   else pytest.approx(assessment.forecast, rel=1e-12))


def test_as_at_a_period_uses_only_figures_up_to_it():
    run, results = run_assessment(indicator=Indicator.objects.get(code="HW 02"),
                                  as_at_period="2012/13", store=False)
    assert results["period_end"].max().isoformat() == "2013-04-01"  # the end of 2012/13
    assert results.filter(pl.col("is_latest"))["period"].unique().to_list() == ["2012/13"]


def test_an_approved_change_reassesses_its_indicator_on_commit(
        django_capture_on_commit_callbacks, person):
    from joinedup.returns import workflow

    value = DataValue.objects.filter(indicator__code="HW 02", area__code="E08000037").latest(
        "period_start")
    before = Assessment.objects.get(indicator=value.indicator, area=value.area,
                                    period=value.period)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.change_value(value, person("pct"), version=value.version, value="60.0",
                              reason="Recount", note="Checked against the source",
                              submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(DataValue.objects.filter(pk=value.pk), person("theme_lead"))
    after = Assessment.objects.get(indicator=value.indicator, area=value.area,
                                   period=value.period)
    assert after.run_id != before.run_id
    assert after.value == 60.0
    assert after.outlier is True  # far from the rest of the series
    assert after.run.scope == "indicator" and after.run.indicator == value.indicator
    assert after.run.actor == "theme.lead"
    # the other indicators' results are untouched
    assert Assessment.objects.exclude(indicator=value.indicator).filter(
        run=after.run).count() == 0


def test_a_plain_save_does_not_reassess(django_capture_on_commit_callbacks):
    """Only the returns workflow's announcement re-assesses: one path, not two."""
    value = DataValue.objects.filter(indicator__code="HW 02", area__code="E08000037").latest(
        "period_start")
    before = Assessment.objects.get(indicator=value.indicator, area=value.area,
                                    period=value.period)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        value.value = 60.0
        value.save()
    assert callbacks == []
    assert Assessment.objects.get(pk=before.pk).run_id == before.run_id


def test_flags_are_raised_and_cleared():
    open_before = Flag.objects.filter(cleared_at__isnull=True)
    # 89 on the latest figures, and one for each return past its deadline (how many depends
    # on the day the demo's rounds were made)
    overdue = ExpectedReturn.objects.filter(collection_round__deadline__lt=timezone.localdate())
    assert open_before.exclude(kind="missing").count() == 89
    assert open_before.count() == 89 + overdue.count()
    flag = Flag.objects.filter(cleared_at__isnull=True, kind="red").first()
    reason = flag.reason
    value = DataValue.objects.get(indicator=flag.indicator, area=flag.area, period=flag.period)
    target_value = Assessment.objects.get(indicator=flag.indicator, area=flag.area,
                                          period=flag.period).status_target
    polarity = flag.indicator.polarity
    value.value = target_value * (1.1 if polarity == "up" else 0.9)
    value.save()
    run_assessment(indicator=flag.indicator)
    flag.refresh_from_db()
    assert flag.cleared_at is not None  # now green, so the red flag is cleared
    assert flag.reason == reason  # its last reason is kept


def test_assess_command_explains_unknown_codes_and_periods():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No indicator has the code 'XX 99'"):
        call_command("assess", "--indicator", "XX 99", "--quiet")
    unreadable = (
        "Cannot read 'whenever' as a period: a period is written with its year in four digits, "
        "such as 2019 or 2019/20. Accepted forms include 2019 (calendar year), 2008/09 or "
        "2016-17 (financial year), AY 2016/17 (academic year), 2009/10 Q2 (financial quarter), "
        "2009 Q3 (calendar quarter), 2019-04 or Apr 2019 (month), 2008-04-16 (day), mid-2019 "
        "(mid-year), 2015-2017 (calendar years), 2014/15-2016/17 (financial years), "
        "2016-04-01/P1Y (ISO start and duration); docs/periods.md lists them all.")
    with pytest.raises(CommandError, match=f"^{re.escape(unreadable)}$"):
        call_command("assess", "--period", "whenever", "--quiet")


def test_gaps_between_wards_are_stored_and_shown(client):
    from joinedup.assessment.models import Gap, GapTrend

    gap = Gap.objects.get(indicator__code="NG 07", level="ward", period="mid-2020")
    assert gap.areas == 22
    assert gap.range == pytest.approx(gap.maximum - gap.minimum)
    trend = GapTrend.objects.get(indicator__code="NG 07", level="ward", measure="range")
    assert trend.baseline_period == "mid-2015" and trend.latest_period == "mid-2020"
    assert (trend.baseline_gap, trend.latest_gap) == (5137, 5752)
    assert trend.narrowing == "widening"
    page = client.get("/indicators/ng-07/").content.decode()
    assert "The gap between areas" in page and "Between wards" in page


def test_listeners_hear_of_each_stored_run_once_with_what_it_covered():
    from joinedup.assessment.events import assessment_stored

    heard = []

    def listener(sender, **kwargs):
        run = kwargs["run"]
        # the run's results are already saved when listeners hear of it
        heard.append((sender, kwargs, run.state, Assessment.objects.filter(run=run).count()))

    hw02, ec04 = Indicator.objects.get(code="HW 02"), Indicator.objects.get(code="EC 04")
    day = dt.date(2030, 1, 2)
    assessment_stored.connect(listener)
    try:
        first, _ = run_assessment(indicator=hw02, today=day)
        run_assessment(indicator=hw02, store=False)
        second, _ = run_assessment(indicator=ec04)
    finally:
        assessment_stored.disconnect(listener)
    assert heard == [
        (AssessmentRun, {"signal": assessment_stored, "run": first, "indicator_ids": [hw02.pk],
                         "today": day}, "done", DataValue.objects.filter(
            indicator=hw02, state="approved").count()),
        (AssessmentRun, {"signal": assessment_stored, "run": second,
                         "indicator_ids": [ec04.pk], "today": timezone.localdate()}, "done",
         DataValue.objects.filter(indicator=ec04, state="approved").count()),
    ]


def test_assess_with_no_options_stores_the_whole_partnership_and_says_so():
    from joinedup.assessment.events import assessment_stored

    heard = []

    def listener(sender, run, indicator_ids, today, **kwargs):
        heard.append((run, indicator_ids, today))

    assessment_stored.connect(listener)
    try:
        call_command("assess", "--quiet", stdout=io.StringIO())
    finally:
        assessment_stored.disconnect(listener)
    run = AssessmentRun.objects.order_by("-pk").first()
    assert (run.scope, run.state, run.as_at_period) == ("partnership", "done", "")
    assert set(Assessment.objects.values_list("run", flat=True)) == {run.pk}
    assert Assessment.objects.count() == DataValue.objects.filter(state="approved").count()
    everything = sorted(Indicator.objects.values_list("pk", flat=True))
    assert heard == [(run, everything, timezone.localdate())]


def test_a_listener_that_fails_undoes_the_run():
    """Listeners are told inside the run's transaction: both are saved, or neither."""
    from joinedup.assessment.events import assessment_stored

    def listener(sender, **kwargs):
        raise RuntimeError("the listener could not keep its records")

    hw02 = Indicator.objects.get(code="HW 02")
    runs = AssessmentRun.objects.count()
    stored = set(Assessment.objects.filter(indicator=hw02).values_list("pk", "run_id"))
    assessment_stored.connect(listener)
    try:
        with pytest.raises(RuntimeError, match="the listener could not keep its records"):
            run_assessment(indicator=hw02)
    finally:
        assessment_stored.disconnect(listener)
    assert AssessmentRun.objects.count() == runs
    assert set(Assessment.objects.filter(indicator=hw02).values_list("pk", "run_id")) == stored
