"""The adapter: the database in, stored assessments and flags out, reproducible from the CLI."""

from __future__ import annotations

import io

import polars as pl
import pytest
from django.core.management import call_command

from joinedup.assessment.models import Assessment, AssessmentRun, Flag
from joinedup.assessment.services import frames_for, run_assessment
from joinedup.core.engine import assess
from joinedup.core.parameters import AssessmentParameters
from joinedup.returns.models import DataValue
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
    assert ((stored["spc_upper"] - expected["spc_upper"]).abs() < 1e-9).all()


def test_csv_from_the_command_line_reproduces_the_stored_figures():
    out = io.StringIO()
    call_command("assess", "--indicator", "hw 02", "--format", "csv", "--no-store", "--quiet",
                 stdout=out)
    printed = pl.read_csv(io.StringIO(out.getvalue()))
    stored = {(a.area.code, a.period): a for a in Assessment.objects.filter(
        indicator__code="HW 02").select_related("area")}
    assert printed.height == len(stored)
    for row in printed.iter_rows(named=True):
        assessment = stored[(row["area"], row["period"])]
        assert row["status"] == assessment.status
        assert row["variation"] == assessment.variation
        if row["forecast"] is not None:
            assert row["forecast"] == pytest.approx(assessment.forecast, rel=1e-12)


def test_as_at_a_period_uses_only_figures_up_to_it():
    run, results = run_assessment(indicator=Indicator.objects.get(code="HW 02"),
                                  as_at_period="2012/13", store=False)
    assert results["period_end"].max().isoformat() <= "2013-04-01"
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
    assert after.outlier  # far from the rest of the series
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
    open_before = Flag.objects.filter(cleared_at__isnull=True).count()
    assert open_before > 0
    flag = Flag.objects.filter(cleared_at__isnull=True, kind="red").first()
    value = DataValue.objects.get(indicator=flag.indicator, area=flag.area, period=flag.period)
    target_value = Assessment.objects.get(indicator=flag.indicator, area=flag.area,
                                          period=flag.period).status_target
    polarity = flag.indicator.polarity
    value.value = target_value * (1.1 if polarity == "up" else 0.9)
    value.save()
    run_assessment(indicator=flag.indicator)
    flag.refresh_from_db()
    assert flag.cleared_at is not None  # now green, so the red flag is cleared
    assert flag.reason  # its last reason is kept


def test_assess_command_explains_unknown_codes_and_periods():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No indicator has the code 'XX 99'"):
        call_command("assess", "--indicator", "XX 99", "--quiet")
    with pytest.raises(CommandError, match="not a period JoinedUp can read|cannot be read|period"):
        call_command("assess", "--period", "whenever", "--quiet")


def test_gaps_between_wards_are_stored_and_shown(client):
    from joinedup.assessment.models import Gap, GapTrend

    gap = Gap.objects.get(indicator__code="NG 07", level="ward", period="mid-2020")
    assert gap.areas == 22
    assert gap.range == pytest.approx(gap.maximum - gap.minimum)
    trend = GapTrend.objects.get(indicator__code="NG 07", level="ward", measure="range")
    assert trend.baseline_period == "mid-2015" and trend.latest_period == "mid-2020"
    assert trend.narrowing in ("narrowing", "widening", "no_change")
    page = client.get("/indicators/ng-07/").content.decode()
    assert "The gap between areas" in page and "Between wards" in page
