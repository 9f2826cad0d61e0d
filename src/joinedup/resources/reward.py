"""Reward grant at stake: what a reward target is worth, and what the forecast says of it.

Each reward target carries the grant paid if it is met. While the target is ahead, the
expected reward is that amount × the engine's probability of meeting it
(``Assessment.p_meet_target`` of the series' latest stored assessment), and what would
be lost is the rest. That is what the Gateshead Board weighed when it moved £350,000 to
the Foundation Trust to save a £0.5 million reward on childhood obesity. Once the
target's period has a figure, the reward was earned or lost, by the status rule.

The probability is claimed only when the engine's one rule for which target a forecast
aims at (``core.engine``) chose this target: the forecast's period and target value are
this target's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from joinedup.assessment.models import Assessment
from joinedup.strategy.models import Indicator, Target

AHEAD, EARNED, LOST, UNKNOWN = "ahead", "earned", "lost", "unknown"


@dataclass
class RewardAtStake:
    target: Target
    grant: Decimal
    state: str
    p_meet: float | None = None
    value: float | None = None

    @property
    def expected(self) -> Decimal | None:
        if self.state == EARNED:
            return self.grant
        if self.state == LOST:
            return Decimal(0)
        if self.p_meet is None:
            return None
        return (self.grant * Decimal(str(round(self.p_meet, 4)))).quantize(Decimal("1"))

    @property
    def at_risk(self) -> Decimal | None:
        expected = self.expected
        return None if expected is None else self.grant - expected


def rewards_at_stake(user) -> list[RewardAtStake]:
    """Every reward target of an indicator ``user`` may see, with its reward."""
    targets = (Target.objects.filter(kind=Target.Kind.REWARD, reward_grant__isnull=False,
                                     indicator__in=Indicator.objects.visible_to(user))
               .select_related("indicator", "area").order_by("indicator__code", "period_start"))
    targets = list(targets)
    series = Q()
    for target in targets:
        series |= Q(indicator_id=target.indicator_id, area_id=target.area_id)
    rows = (list(Assessment.objects.filter(series).filter(
        Q(is_latest=True) | Q(status_target_kind="target")).values_list(
        "indicator_id", "area_id", "period_start", "period_end", "is_latest", "status",
        "value", "p_meet_target", "forecast_period", "target", "status_target_kind"))
        if targets else [])
    found = []
    for target in targets:
        mine = [r for r in rows if r[:2] == (target.indicator_id, target.area_id)]
        judged = next((r for r in mine if r[2:4] == (target.period_start, target.period_end)
                       and r[10] == "target" and r[5] in ("green", "amber", "red")), None)
        if judged is not None:
            found.append(RewardAtStake(target, target.reward_grant,
                                       EARNED if judged[5] == "green" else LOST,
                                       value=judged[6]))
            continue
        latest = next((r for r in mine if r[4]), None)
        aimed = latest is not None and latest[8] == target.period and latest[9] == target.value
        found.append(RewardAtStake(target, target.reward_grant, AHEAD if aimed else UNKNOWN,
                                   p_meet=latest[7] if aimed else None))
    return found
