"""A locality profile: everything the partnership knows about one area, for its page and
for a forum meeting's PDF.

For any area at any level (LSOA, ward, forum or locality, district):

- each indicator measured there, from the stored assessment (pages never compute
  statistics): its latest figure, its parent area's and England's for the same period, its
  direction of travel and its status; and the indicators of its level that have no figure
  there, named, so no chart or row is ever empty;
- deprivation: an LSOA's IMD 2019 rank, decile and domain ranks; a larger area's
  population-weighted average rank and the share of its residents in the most deprived
  10% and 20% of England, on the index and on each domain (``core.deprivation``);
- population, by broad age, summed from its LSOAs;
- spend per head: the partners' budget lines the reader may see, for the area and the areas
  inside it, in the latest financial year held, by theme;
- the open exceptions flagged there, and the risks of the bodies that cover it;
- its forums' chosen outcomes, residents' priorities, and the operations in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from django.db.models import Q

from joinedup.assessment.models import Assessment
from joinedup.core.deprivation import area_deprivation, decile
from joinedup.exceptions.models import IndicatorException
from joinedup.localities.models import AreaPriority, Operation
from joinedup.localities.priorities import ranked_for
from joinedup.places.models import Area
from joinedup.resources import finance
from joinedup.risks.models import Risk
from joinedup.strategy.models import Indicator, Theme

ENGLAND = "E92000001"
DOMAINS = {"imd": "Index of Multiple Deprivation", "income": "Income",
           "employment": "Employment", "education": "Education, skills and training",
           "health": "Health deprivation and disability", "crime": "Crime",
           "housing_and_services": "Barriers to housing and services",
           "living_environment": "Living environment"}
AGES = {"aged_0_15": "0 to 15", "aged_16_64": "16 to 64", "aged_65_plus": "65 and over"}


@dataclass
class Profile:
    area: Area
    ancestors: list
    indicators: list[dict] = field(default_factory=list)
    not_measured: list = field(default_factory=list)
    deprivation: list[dict] = field(default_factory=list)
    lsoas: int = 0
    ages: list[tuple[str, int, float]] = field(default_factory=list)
    spend_year: str | None = None
    spend: list[dict] = field(default_factory=list)
    spend_total: float = 0.0
    exceptions: list = field(default_factory=list)
    risks: list = field(default_factory=list)
    chosen: list = field(default_factory=list)
    priorities: list[dict] = field(default_factory=list)
    operations: list = field(default_factory=list)

    @property
    def spend_per_head(self) -> float | None:
        people = self.area.population
        return self.spend_total / people if people and self.spend_year else None


def inside(area: Area) -> list[int]:
    """The area and every area inside it, at any depth."""
    return sorted(Area.objects.within([area.pk]))


def profile(area: Area, user) -> Profile:
    within = inside(area)
    found = Profile(area=area, ancestors=list(area.ancestors()))
    _indicators(found, user)
    _people(found, within)
    _spend(found, user, within)
    covering = [area.pk, *(a.pk for a in found.ancestors)]
    found.exceptions = list(
        IndicatorException.objects.visible_to(user)
        .filter(state=IndicatorException.State.OPEN, flags__area_id__in=within)
        .select_related("indicator", "layer").distinct().order_by("indicator__code", "period"))
    found.risks = list(Risk.objects.visible_to(user).filter(body__area_id__in=covering)
                       .select_related("body", "owner", "category"))
    found.chosen = list(AreaPriority.objects.visible_to(user)
                        .filter(forum__area_id__in={*covering, *within})
                        .select_related("forum", "outcome__theme"))
    found.priorities = ranked_for(within, user)
    found.operations = list(Operation.objects.visible_to(user)
                            .filter(target_areas__in=within).distinct().select_related("lead"))
    return found


def _indicators(found: Profile, user) -> None:
    area, parent = found.area, found.area.parent
    mine = list(Assessment.objects.visible_to(user).filter(area=area, is_latest=True)
                .select_related("indicator__outcome__theme")
                .order_by("indicator__code"))
    periods = {(a.indicator_id, a.period) for a in mine}
    comparators = {}
    for row in (Assessment.objects.visible_to(user)
                .filter(indicator_id__in=[a.indicator_id for a in mine])
                .filter(Q(area__code=ENGLAND) | Q(area=parent) if parent else
                        Q(area__code=ENGLAND))
                .values_list("indicator_id", "period", "area__code", "value")):
        if (row[0], row[1]) in periods:
            comparators[row[0], row[2]] = row[3]
    for latest in mine:
        found.indicators.append({
            "assessment": latest, "indicator": latest.indicator,
            "parent": comparators.get((latest.indicator_id, parent.code)) if parent else None,
            "england": comparators.get((latest.indicator_id, ENGLAND)),
        })
    measured = {a.indicator_id for a in mine}
    found.not_measured = [
        indicator for indicator in Indicator.objects.visible_to(user).order_by("code")
        if area.level in (indicator.area_levels or []) and indicator.pk not in measured]


def _people(found: Profile, within: list[int]) -> None:
    rows = list(Area.objects.filter(pk__in=within, level="lsoa").values_list(
        "code", "population", "imd_rank", "deprivation_domains", "age_bands"))
    found.lsoas = len(rows)
    if not rows:
        return
    frame = pl.DataFrame(
        [{"area": found.area.code, "lsoa": code, "population": people or 0, "imd": rank,
          **{k: (domains or {}).get(k) for k in DOMAINS if k != "imd"}}
         for code, people, rank, domains, _ in rows],
        schema={"area": pl.String, "lsoa": pl.String, "population": pl.Int64,
                **{k: pl.Int64 for k in DOMAINS}})
    summary = {r["measure"]: r for r in area_deprivation(frame, list(DOMAINS)).iter_rows(
        named=True)}
    one = found.area.level == "lsoa"
    for key, name in DOMAINS.items():
        row = summary.get(key)
        if row is None:
            continue
        shown = {**row, "measure": name}
        if one:
            shown["decile"] = pl.select(decile(pl.lit(row["average_rank"]))).item()
        found.deprivation.append(shown)
    totals = {age: sum((bands or {}).get(age, 0) for *_, bands in rows) for age in AGES}
    people = sum(totals.values())
    found.ages = [(label, totals[age], totals[age] / people if people else 0.0)
                  for age, label in AGES.items()]


def _spend(found: Profile, user, within: list[int]) -> None:
    years = finance.years(user)
    for year in years:
        lines = finance.lines_frame(user, year=year, area_id__in=within)
        if lines.is_empty():
            continue
        names = dict(Theme.objects.values_list("slug", "name"))
        by_theme = (lines.group_by("theme").agg(pl.col("budget").sum())
                    .sort("budget", descending=True))
        found.spend_year, found.spend_total = year, float(lines["budget"].sum())
        people = found.area.population
        found.spend = [{"theme": names.get(theme, theme), "budget": budget,
                        "per_head": budget / people if people else None}
                       for theme, budget in by_theme.iter_rows()]
        return
