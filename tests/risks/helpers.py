"""Builders shared by the risks tests: risks on the demo partnership's registers, their
controls and actions, a forecast's proposal, and a client that calls the API with a
persona's token."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from joinedup.partnership.models import Body, Organisation, Person
from joinedup.risks.models import Category, Control, Proposal, Risk
from joinedup.strategy.models import Indicator, Outcome, PathwayAction, Target

HEALTHY = "active-healthy-gateshead"   # chaired by theme.lead; pct.analyst is its officer
SAFER = "safer-gateshead"              # police.analyst is its officer
HEALTHY_WEIGHT = "Children grow up a healthy weight"
REVIEW = dt.date(2027, 3, 31)
SOURCE = "P(miss) 0.72 for HW 02 target 2019/20"


def risk(title: str, *, body: str = HEALTHY, owner: str = "theme.lead",
         category: str = "outcomes-and-targets", now: tuple[int, int] = (3, 4),
         inherent: tuple[int, int] = (4, 4), target: tuple[int, int] = (2, 4),
         restricted: bool = False) -> Risk:
    return Risk.objects.create(
        title=title, cause=f"Because {title.lower()}", effect="the outcome is set back",
        category=Category.objects.get(slug=category), owner=Person.objects.get(username=owner),
        body=Body.objects.get(slug=body), restricted=restricted,
        likelihood=now[0], impact=now[1], inherent_likelihood=inherent[0],
        inherent_impact=inherent[1], target_likelihood=target[0], target_impact=target[1],
        review_date=REVIEW)


def hw02_target() -> Target:
    return Target.objects.get(indicator__code="HW 02", period="2019/20")


def healthy_weight() -> Outcome:
    return Outcome.objects.get(title=HEALTHY_WEIGHT)


def action(title: str, *, status: str = "complete", due: dt.date = dt.date(2026, 1, 31),
           outcome: Outcome | None = None, owner: str | None = "theme.lead") -> PathwayAction:
    return PathwayAction.objects.create(
        title=title, outcome=outcome, lead=Organisation.objects.get(slug="gateshead-council"),
        owner=Person.objects.get(username=owner) if owner else None, due=due, status=status,
        progress=100 if status == "complete" else 40)


def control(of: Risk, description: str, *actions: PathwayAction,
            kind: str = Control.Kind.CONTROL) -> Control:
    made = Control.objects.create(risk=of, kind=kind, description=description)
    made.actions.add(*actions)
    return made


def proposal(of: Risk, proposed: int, *, p_miss: float = 0.72) -> Proposal:
    return Proposal.objects.create(
        risk=of, target=hw02_target(), recorded_likelihood=of.likelihood,
        proposed_likelihood=proposed, p_miss=p_miss, source=SOURCE,
        reason="first forecast", raised_at=timezone.now())


@dataclass
class Register:
    """The risks the tests make: one per kind of reader's question."""

    obesity: Risk      # Active and Healthy Gateshead's, driven by HW 02's 2019/20 target
    practice: Risk     # restricted to Active and Healthy Gateshead
    night: Risk        # Safer Gateshead's

    @property
    def ids(self) -> set[int]:
        return {self.obesity.pk, self.practice.pk, self.night.pk}


@pytest.fixture
def made(db) -> Register:
    obesity = risk("Childhood obesity keeps rising")
    obesity.driving_target = hw02_target()
    obesity.save()
    obesity.outcomes.add(healthy_weight())
    obesity.indicators.add(Indicator.objects.get(code="HW 02"))
    obesity.targets.add(hw02_target())
    practice = risk("A GP practice may close", owner="pct.analyst", category="reputation",
                    now=(2, 3), inherent=(2, 3), target=(1, 3), restricted=True)
    night = risk("Night-time economy outgrows patrols", body=SAFER, owner="police.analyst",
                 category="safety-and-safeguarding", now=(4, 5), inherent=(5, 5),
                 target=(3, 5))
    return Register(obesity=obesity, practice=practice, night=night)
