"""What each district partnership contributes to the county's outcomes (two tiers).

In a two-tier area, such as Leicestershire's seven district partnerships feeding one county
strategy, a district partnership keeps its own strategy (``Strategy.parent`` names the
county's) and its own indicators. Each district indicator may roll up to one county
outcome (``Indicator.contributes_to``). For each county outcome this gathers:

- the county's own indicators, judged in the county;
- each district's contributing indicators, judged in that district;

always as the reader may see them: a district's restricted indicator is in the roll-up only
for those its owner shares it with (``Indicator.objects.visible_to``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from joinedup.assessment.models import Assessment
from joinedup.strategy.models import Indicator, Outcome, Strategy


@dataclass
class Measure:
    indicator: Indicator
    assessment: Assessment | None  # the latest figure in the strategy's own area


@dataclass
class DistrictPart:
    strategy: Strategy
    measures: list[Measure] = field(default_factory=list)

    @property
    def statuses(self) -> Counter:
        """How many of the district's measures are at each status (no figure: "none")."""
        return Counter(m.assessment.status if m.assessment else "none" for m in self.measures)


@dataclass
class OutcomeRollup:
    outcome: Outcome
    county: list[Measure] = field(default_factory=list)
    districts: list[DistrictPart] = field(default_factory=list)


def counties(user) -> list[Strategy]:
    """The strategies with district strategies beneath them that ``user`` may see: usually
    one, the county's; none where the partnership has a single tier."""
    return list(Strategy.objects.visible_to(user).filter(
        parent=None, districts__in=Strategy.objects.visible_to(user)).distinct()
        .select_related("area").order_by("name"))


def districts_of(county: Strategy, user) -> list[Strategy]:
    return list(Strategy.objects.visible_to(user).filter(parent=county)
                .select_related("area", "body").order_by("name"))


def rollup(county: Strategy, user) -> list[OutcomeRollup]:
    """Each county outcome with its county measures and every district's contribution.

    Outcomes no district contributes to are kept (with an empty district list), so the
    county sees where no district has said how it helps.
    """
    districts = districts_of(county, user)
    visible = Indicator.objects.visible_to(user)
    outcomes = list(Outcome.objects.visible_to(user).filter(theme__strategy=county)
                    .select_related("theme").order_by("theme__order", "order", "title"))
    own = list(visible.filter(outcome__in=outcomes).order_by("code"))
    rolled = list(visible.filter(contributes_to__in=outcomes,
                                 outcome__theme__strategy__in=districts)
                  .select_related("outcome__theme").order_by("code"))
    home = {county.pk: county.area_id, **{d.pk: d.area_id for d in districts}}
    latest = {
        (a.indicator_id, a.area_id): a
        for a in Assessment.objects.visible_to(user).filter(
            indicator__in=[*own, *rolled], area_id__in=set(home.values()), is_latest=True)
    }
    found = []
    for outcome in outcomes:
        entry = OutcomeRollup(outcome, county=[
            Measure(i, latest.get((i.pk, county.area_id))) for i in own
            if i.outcome_id == outcome.pk])
        for district in districts:
            part = DistrictPart(district, [
                Measure(i, latest.get((i.pk, district.area_id))) for i in rolled
                if i.contributes_to_id == outcome.pk
                and i.outcome.theme.strategy_id == district.pk])
            if part.measures:
                entry.districts.append(part)
        found.append(entry)
    return found


def district_measures(district: Strategy, user) -> list[Measure]:
    """Every indicator of a district's own strategy the reader may see, with its latest
    figure in the district and (through the indicator) the county outcome it feeds."""
    indicators = list(Indicator.objects.visible_to(user)
                      .filter(outcome__theme__strategy=district)
                      .select_related("outcome__theme", "contributes_to", "owner")
                      .order_by("code"))
    latest = {a.indicator_id: a for a in Assessment.objects.visible_to(user).filter(
        indicator__in=indicators, area_id=district.area_id, is_latest=True)}
    return [Measure(i, latest.get(i.pk)) for i in indicators]
