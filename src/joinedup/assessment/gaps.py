"""Narrowing the gap: the figures of the gap pages, from approved values and the areas.

Reads an indicator's approved ward or LSOA figures and the areas' deprivation and
population into frames, and asks the core for the gaps (``core.gaps.area_gaps``, with
the SII and RII and their intervals from ``core.inequality``) and for whether each gap
is narrowing by SPC (``core.gaps.gap_spc`` and ``gap_spc_trends``). Pages show what
these functions return; they compute nothing themselves.

Who may see what is the caller's business: pass only indicators the reader may see
(``Indicator.objects.visible_to(user)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from joinedup.assessment.services import deprivation_frame, frames_for
from joinedup.core.gaps import area_gaps, gap_spc, gap_spc_trends
from joinedup.core.parameters import AssessmentParameters
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

PAGE_LEVELS = ("ward", "lsoa")
RANKED_MEASURE = "sii"  # the ranking compares the speed at which |SII| grows


@dataclass
class LevelGaps:
    """One indicator's gaps between the areas of one level, period by period."""

    indicator: Indicator
    level: str
    periods: list[dict] = field(default_factory=list)  # area_gaps rows, oldest first
    trends: dict[str, dict] = field(default_factory=dict)  # gap_spc_trends rows by measure
    points: dict[str, list[dict]] = field(default_factory=dict)  # gap_spc rows by measure

    @property
    def latest(self) -> dict | None:
        return self.periods[-1] if self.periods else None


def levels_with_values(indicator: Indicator) -> list[str]:
    """The page levels at which ``indicator`` has approved figures."""
    present = set(DataValue.objects.filter(
        indicator=indicator, state=DataValue.State.APPROVED,
        area__level__in=PAGE_LEVELS).values_list("area__level", flat=True).distinct())
    return [level for level in PAGE_LEVELS if level in present]


def _gaps(indicators, levels, parameters: AssessmentParameters) -> pl.DataFrame:
    values, polarity, _ = frames_for(indicators)
    areas = deprivation_frame().filter(pl.col("level").is_in(list(levels)))
    local = values.filter(pl.col("area").is_in(areas["area"].implode()))
    if local.height == 0:
        return pl.DataFrame()
    return area_gaps(
        local.select("indicator", "area", "period", "period_start", "value")
        .join(polarity, on="indicator", how="left"),
        areas, min_areas=parameters.gaps.min_areas)


def level_gaps(indicator: Indicator, level: str,
               parameters: AssessmentParameters | None = None) -> LevelGaps:
    """The gaps between ``indicator``'s areas at ``level``, and their SPC judgements."""
    parameters = parameters or AssessmentParameters()
    result = LevelGaps(indicator=indicator, level=level)
    gaps = _gaps(Indicator.objects.filter(pk=indicator.pk), [level], parameters)
    if gaps.height == 0:
        return result
    result.periods = gaps.sort("period_start", "period").to_dicts()
    points = gap_spc(gaps, parameters.spc)
    for row in gap_spc_trends(points).iter_rows(named=True):
        result.trends[row["measure"]] = {**row, "narrowing": _text(row["narrowing"])}
    for row in points.iter_rows(named=True):
        result.points.setdefault(row["measure"], []).append(row)
    return result


def widening_ranking(indicators, parameters: AssessmentParameters | None = None) -> list[dict]:
    """Indicator × level, where the gap (|SII|) is widening fastest first.

    One row per indicator × level with at least two periods of SII: the indicator, the
    level, the SPC trend row of the SII (``narrowing``, ``widening_per_year`` …) and
    ``widening_percent`` (the same speed in percent a year).
    Ordered by ``widening_per_year`` (the least-squares slope of |SII| over the years,
    as a share of its mean), largest first; then by indicator code and level.
    """
    parameters = parameters or AssessmentParameters()
    indicators = indicators.filter(pk__in=DataValue.objects.filter(
        state=DataValue.State.APPROVED, area__level__in=PAGE_LEVELS).values("indicator"))
    gaps = _gaps(indicators, PAGE_LEVELS, parameters)
    if gaps.height == 0:
        return []
    trends = gap_spc_trends(gap_spc(gaps, parameters.spc, measures=(RANKED_MEASURE,)))
    ranked = (trends.filter(pl.col("widening_per_year").is_not_null())
              .sort(["widening_per_year", "indicator", "level"],
                    descending=[True, False, False]))
    by_code = {i.code: i for i in indicators}
    return [{**row, "indicator": by_code[row["indicator"]],
             "narrowing": _text(row["narrowing"]),
             "widening_percent": 100 * row["widening_per_year"]}
            for row in ranked.iter_rows(named=True)]


def _text(value) -> str | None:
    return None if value is None else str(value)
