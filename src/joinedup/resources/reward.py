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
    found = []
    for target in targets:
        series = Assessment.objects.filter(indicator=target.indicator, area=target.area)
        judged = series.filter(period_start=target.period_start, period_end=target.period_end,
                               status_target_kind="target").values_list("status", "value").first()
        if judged and judged[0] in ("green", "amber", "red"):
            found.append(RewardAtStake(target, target.reward_grant,
                                       EARNED if judged[0] == "green" else LOST,
                                       value=judged[1]))
            continue
        latest = series.filter(is_latest=True).values_list(
            "p_meet_target", "forecast_period", "target").first()
        aimed = bool(latest) and latest[1] == target.period and latest[2] == target.value
        found.append(RewardAtStake(target, target.reward_grant, AHEAD if aimed else UNKNOWN,
                                   p_meet=latest[0] if aimed else None))
    return found
