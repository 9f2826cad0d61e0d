"""An area forum's chosen outcomes in its report: each outcome's indicators for the
forum's wards, against the district.

Gateshead's forums chose "which five or six outcomes would have a specific resonance in
their area"; their report then shows those outcomes where they live. For each chosen
outcome, each of its indicators that the reader may see, with its latest stored figure for
each of the forum's wards and for the partnership's district, with the direction of travel
and the status (pages read the stored assessment; they never compute statistics). A ward or
the district without a figure says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from joinedup.assessment.models import Assessment
from joinedup.localities.models import AreaPriority
from joinedup.places.models import Area, Level
from joinedup.strategy.models import Indicator, Strategy


@dataclass
class OutcomeRows:
    choice: AreaPriority
    indicators: list[dict] = field(default_factory=list)


def forum_outcomes(forum, user) -> list[OutcomeRows]:
    chosen = list(AreaPriority.objects.visible_to(user).filter(forum=forum)
                  .select_related("outcome"))
    if not chosen or forum.area_id is None:
        return [OutcomeRows(choice) for choice in chosen]
    wards = list(Area.objects.filter(parent_id=forum.area_id, level="ward").order_by("name"))
    district = next((a for a in forum.area.ancestors() if a.level == Level.DISTRICT),
                    Strategy.objects.home().area)
    places = [*wards, district]
    indicators = list(Indicator.objects.visible_to(user)
                      .filter(outcome__in=[c.outcome_id for c in chosen]).order_by("code"))
    latest = {(a.indicator_id, a.area_id): a for a in
              Assessment.objects.visible_to(user).filter(
                  indicator__in=indicators, area__in=places, is_latest=True)}
    found = []
    for choice in chosen:
        rows = OutcomeRows(choice)
        for indicator in (i for i in indicators if i.outcome_id == choice.outcome_id):
            rows.indicators.append({
                "indicator": indicator,
                "places": [(place, latest.get((indicator.pk, place.pk))) for place in places]})
        found.append(rows)
    return found
