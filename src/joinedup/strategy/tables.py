"""Arrange an indicator's values for pages: by period and area, latest first.

Plain arrangement only; judging the figures (status, trend, SPC, forecasts) belongs to the
assessment engine, whose stored results the pages will read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from joinedup.places.models import LEVEL_RANK


@dataclass
class PeriodRow:
    period: str
    start: object
    cells: list = field(default_factory=list)


LOCAL_LEVELS = ("locality", "ward", "lsoa")


def headline_areas(strategy, values) -> list:
    """The areas an indicator is reported for, in reading order.

    The strategy's own area first; then any other area the indicator is published for
    that is not one of its neighbourhoods (a police force area, say); then the
    comparators, with England last. Localities, wards and LSOAs get tables of their own.
    """
    present = {value.area_id: value.area for value in values}
    comparators = []
    home_id = None
    if strategy is not None:
        home_id = strategy.area_id
        comparators = sorted(
            (a for a in strategy.comparators.all() if a.pk != home_id),
            key=lambda a: (-LEVEL_RANK[a.level], a.name),
        )
    comparator_ids = {a.pk for a in comparators}
    others = sorted(
        (a for pk, a in present.items()
         if pk != home_id and pk not in comparator_ids and a.level not in LOCAL_LEVELS),
        key=lambda a: a.name,
    )
    ordered = ([strategy.area] if strategy is not None else []) + others + comparators
    return [area for area in ordered if area.pk in present]


def by_period(values, areas) -> list[PeriodRow]:
    """Rows of periods (latest first) with one cell per area (None when missing)."""
    wanted = [area.pk for area in areas]
    grid: dict[tuple, dict] = {}
    for value in values:
        if value.area_id in wanted:
            grid.setdefault((value.period_start, value.period_end, value.period), {})[
                value.area_id
            ] = value
    rows = []
    for (start, _end, label), cells in sorted(grid.items(), reverse=True):
        rows.append(PeriodRow(period=label, start=start, cells=[cells.get(pk) for pk in wanted]))
    return rows


def latest_by_area(values, level: str | None = None) -> list:
    """Each area's most recent value, optionally only for areas of one level."""
    latest: dict[int, object] = {}
    for value in values:
        if level and value.area.level != level:
            continue
        current = latest.get(value.area_id)
        if current is None or (value.period_start, value.period_end) > (
            current.period_start, current.period_end
        ):
            latest[value.area_id] = value
    return sorted(latest.values(), key=lambda v: v.area.name)


def latest_value(values, area):
    candidates = [v for v in values if v.area_id == area.pk]
    return max(candidates, key=lambda v: (v.period_start, v.period_end), default=None)


def judged_target(targets, assessment):
    """The target an indicator's latest figure was judged against, as the assessment
    engine chose it (``core.engine``: the first target ahead of the figure, else the last
    one passed), found among ``targets`` by area and period. The choice itself is made
    once, by the engine; pages only look up the target it names."""
    if assessment is None or assessment.target is None:
        return None
    return next((t for t in targets if t.area_id == assessment.area_id
                 and t.period == assessment.forecast_period), None)
