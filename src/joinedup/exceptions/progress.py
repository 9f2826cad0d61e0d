"""Is a remedial plan working? What the periods after it was agreed show.

Reads stored assessments only (views never compute statistics): the figure the plan
started from (its baseline), the figures since, the latest one's SPC signal, and how the
probability of meeting the target has moved.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from joinedup.assessment.models import Assessment
from joinedup.assessment.words import VARIATION
from joinedup.core.periods import parse_period
from joinedup.exceptions.models import RemedialPlan


@dataclass
class PlanProgress:
    plan: RemedialPlan
    since: list[Assessment]

    @property
    def latest(self) -> Assessment | None:
        return self.since[-1] if self.since else None

    @property
    def p_change(self) -> float | None:
        """Change in the probability of meeting the target since the plan, in points."""
        latest, base = self.latest, self.plan.baseline_p_meet_target
        if latest is None or latest.p_meet_target is None or base is None:
            return None
        return 100 * (latest.p_meet_target - base)

    @property
    def reviewed(self) -> bool:
        """True once a figure for the review period (or later) has been assessed."""
        latest = self.latest
        if latest is None or not self.plan.review_period:
            return False
        return latest.period_end >= parse_period(self.plan.review_period).end

    def words(self) -> str:
        latest = self.latest
        if latest is None:
            return (f"No figure since the plan yet; the {self.plan.review_period} figure will "
                    "show whether it is working.")
        text = f"{len(self.since)} figure{'s' if len(self.since) != 1 else ''} since the plan"
        text += f"; the latest, for {latest.period}, shows {_signal_words(latest)}"
        change = self.p_change
        if change is not None:
            direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
            text += (f"; the chance of meeting the target is "
                     f"{round(100 * latest.p_meet_target)}%, {direction}"
                     f"{f' {abs(round(change))} points' if direction != 'unchanged' else ''}")
        return text + "."


def _signal_words(row: Assessment) -> str:
    mark = VARIATION.get(row.variation)
    return mark.sentence[0].lower() + mark.sentence[1:] if mark else "no SPC signal yet"


def plan_progress(plan: RemedialPlan) -> PlanProgress:
    return plans_progress([plan])[plan.pk]


def plans_progress(plans) -> dict[int, PlanProgress]:
    """Each plan's progress, read in one query however many plans there are."""
    plans = list(plans)
    since: dict[int, list[Assessment]] = {plan.pk: [] for plan in plans}
    wanted = {}
    for plan in plans:
        if plan.area_id and plan.baseline_period:
            key = (plan.exception.indicator_id, plan.area_id)
            wanted.setdefault(key, []).append((parse_period(plan.baseline_period).end, plan))
    if wanted:
        condition = Q()
        for indicator_id, area_id in wanted:
            condition |= Q(indicator_id=indicator_id, area_id=area_id)
        rows = (Assessment.objects.filter(condition)
                .order_by("indicator_id", "area_id", "period_start", "period_end"))
        for row in rows:
            for baseline_end, plan in wanted[(row.indicator_id, row.area_id)]:
                if row.period_end > baseline_end:
                    since[plan.pk].append(row)
    return {plan.pk: PlanProgress(plan=plan, since=since[plan.pk]) for plan in plans}
