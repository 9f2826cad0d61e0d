"""Monitoring, the alignment criteria and the reward at stake, on the demo's money."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from joinedup.resources import finance
from joinedup.resources.models import AlignmentCriterion, BudgetLine
from joinedup.resources.reward import AHEAD, LOST, rewards_at_stake

pytestmark = pytest.mark.django_db
YEAR = "2023/24"


def test_the_partnership_starts_with_warwickshires_criteria():
    assert list(AlignmentCriterion.objects.values_list("evidence", "title")) == [
        ("contributes", "Contributes to named LAA outcomes or targets"),
        ("monitored", "Subject to financial monitoring"),
        ("reports", "The activities it pays for report performance"),
    ]


def test_monitoring_is_as_at_the_latest_quarter_and_leaves_out_lines_without_actuals(person):
    lines = finance.lines_frame(person("finance"), year=YEAR)
    checked = finance.monitoring(lines)
    assert checked.as_at == 3
    without = lines.filter(pl.all_horizontal(pl.col(q).is_null() for q in BudgetLine.QUARTERS))
    assert (checked.unmonitored, checked.lines.height) == (without.height,
                                                           lines.height - without.height)
    pool = checked.by_pool.row(0, named=True)
    assert (pool["pool"], pool["budget"], pool["status"]) == (
        "Healthy weight pooled budget", 1_000_000.0, "overspend")
    # the pool's lines phase 112% of the contributions: 73% of it by quarter 3
    assert pool["actual_to_date"] == pytest.approx(1_000_000 * 1.12 * 0.73)
    assert pool["forecast_outturn"] == pytest.approx(1_000_000 * 1.12 * 0.73 / 0.75)


def test_each_aligned_line_shows_the_criteria_it_meets(person):
    lines = finance.lines_frame(person("finance"), year=YEAR)
    judged = finance.alignment(lines).join(lines.select("line", "partner", "theme", "pool"),
                                           on="line")
    fire = judged.filter(pl.col("partner") == "Tyne and Wear Fire")
    # aligned with no outcome named: it cannot contribute to one, nor report on one
    assert fire.height == 22
    assert fire.select("contributes", "monitored", "reports").unique().rows() == [
        (False, True, False)]
    assert fire["failed"][0].to_list() == ["Contributes to named LAA outcomes or targets",
                                          "The activities it pays for report performance"]
    pooled = judged.filter(pl.col("pool").is_not_null())
    assert pooled.height == 44
    assert pooled.select("contributes", "monitored", "reports").unique().rows() == [
        (True, True, True)]


def test_a_line_that_stops_reporting_fails_monitoring(person):
    line = BudgetLine.objects.filter(financial_year=YEAR, pool__isnull=False).first()
    BudgetLine.objects.filter(pk=line.pk).update(actual_q2=None)
    judged = finance.alignment(finance.lines_frame(person("finance"), year=YEAR))
    row = judged.filter(pl.col("line") == line.pk).row(0, named=True)
    assert (row["monitored"], row["failed"]) == (False, ["Subject to financial monitoring"])


def test_the_reward_at_stake_follows_the_engines_forecast(person):
    rewards = rewards_at_stake(person("board"))
    assert [(r.target.period, r.state) for r in rewards] == [("2010/11", LOST),
                                                             ("2019/20", AHEAD)]
    lost, ahead = rewards
    assert (lost.value, lost.expected, lost.at_risk) == (37.6, Decimal(0), Decimal(500000))
    from joinedup.assessment.models import Assessment

    latest = Assessment.objects.get(indicator__code="HW 02", area__code="E08000037",
                                    is_latest=True)
    assert (latest.forecast_period, latest.target) == ("2019/20", ahead.target.value)
    expected = (Decimal(500000) * Decimal(str(round(latest.p_meet_target, 4)))).quantize(
        Decimal(1))
    assert (ahead.expected, ahead.at_risk) == (expected, Decimal(500000) - expected)
    assert ahead.expected == Decimal(58200)
