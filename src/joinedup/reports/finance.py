"""The finance item of a Board's report, meeting page and pack, in sentences.

Gateshead's Board weighed money against performance: a £0.5 million reward at risk, and
£350,000 moved to save it. So the finance item gives the year in progress as the reader
may see it: budget against actual and the forecast outturn, themes and pools beyond the
tolerance, each reward target's expected reward and what is at risk, and the finance
exceptions the management group escalated, with their notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from joinedup.exceptions.budget import year_in_progress
from joinedup.exceptions.models import BudgetException
from joinedup.resources import finance
from joinedup.resources.templatetags.money import pounds
from joinedup.resources.reward import AHEAD, EARNED, LOST, rewards_at_stake
from joinedup.strategy.models import Theme


@dataclass
class FinanceSlot:
    year: str | None
    lines: list[str] = field(default_factory=list)


def finance_slot(user) -> FinanceSlot:
    year = year_in_progress()
    slot = FinanceSlot(year)
    if year is None:
        slot.lines.append("No partner's spend is held in JoinedUp yet.")
        return slot
    lines = finance.lines_frame(user, year=year)
    if lines.is_empty():
        slot.lines.append(f"No spend for {year} that you may see.")
        return slot
    checked = finance.monitoring(lines)
    slot.lines.append(_headline(lines, year, checked))
    if checked is not None:
        themes = dict(Theme.objects.values_list("slug", "name"))
        for row in checked.by_theme.filter(pl.col("status").is_in(["overspend", "underspend"])) \
                .iter_rows(named=True):
            slot.lines.append(
                f"{themes.get(row['theme'], row['theme'])}: forecast {row['status']} of "
                f"{pounds(abs(row['forecast_variance']))} ({row['variance_pct']:+.1f}%) on a "
                f"budget of {pounds(row['budget'])}.")
        for row in checked.by_pool.iter_rows(named=True):
            slot.lines.append(
                f"{row['pool']} (pooled): forecast outturn {pounds(row['forecast_outturn'])} "
                f"against {pounds(row['budget'])}, {row['status']}.")
    slot.lines += [_reward(reward) for reward in rewards_at_stake(user)]
    slot.lines += _escalated(user, year)
    return slot


def _headline(lines: pl.DataFrame, year: str, checked) -> str:
    by = dict(lines.group_by("arrangement").agg(pl.col("budget").sum()).iter_rows())
    total = sum(by.values())
    words = (f"Partners' budgets for {year}: {pounds(total)} in {lines.height:,} lines, of "
             f"which {pounds(by.get('pooled', 0))} pooled and {pounds(by.get('aligned', 0))} "
             "aligned.")
    if checked is not None and checked.lines.height:
        spent = checked.lines["actual_to_date"].sum()
        outturn = checked.lines["forecast_outturn"].sum()
        budget = checked.lines["budget"].sum()
        words += (f" Spent to quarter {checked.as_at}: {pounds(spent)}; forecast outturn of the "
                  f"monitored lines {pounds(outturn)} against {pounds(budget)}.")
    return words


def _reward(reward) -> str:
    target = reward.target
    name = f"Reward target {target.indicator.code} {target.value:g} by {target.period}"
    if reward.state == EARNED:
        return f"{name}: met, {pounds(reward.grant)} earned."
    if reward.state == LOST:
        return f"{name}: missed ({reward.value:g}), {pounds(reward.grant)} lost."
    if reward.state == AHEAD:
        return (f"{name}: {pounds(reward.grant)} at stake; a {reward.p_meet:.0%} chance of "
                f"meeting it, so {pounds(reward.expected)} expected and "
                f"{pounds(reward.at_risk)} at risk.")
    return f"{name}: {pounds(reward.grant)} at stake; no forecast aims at it yet."


def _escalated(user, year: str) -> list[str]:
    raised = BudgetException.objects.visible_to(user).filter(
        financial_year=year, state=BudgetException.State.OPEN).select_related(
        "partner", "theme", "criterion")
    escalated = [e for e in raised if e.decision == "escalate"]
    waiting = sum(1 for e in raised if not e.decision)
    said = [f"Escalated to the Board: {e} ({e.note})" for e in escalated]
    if waiting:
        said.append(f"{waiting} finance exception{'s wait' if waiting != 1 else ' waits'} "
                    "for the management group's decision.")
    return said
