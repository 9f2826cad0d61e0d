"""One indicator's figures on a map of the wards or LSOAs of the partnership's district.

The classes and shades come from ``core.choropleth``. The figures come from the caller, as
a queryset of the figures the reader may see (approved, of an indicator they may see), so
this module reads only the Area tree itself: the areas of a level within the district,
their boundaries, and each LSOA's ward (its parent) and population for a ward figure made
from LSOA figures. Areas without a figure are hatched on the map and named beneath it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import polars as pl
from django.utils.safestring import mark_safe

from joinedup.common.charts import render_svg
from joinedup.core.choropleth import (
    DEFAULT_CLASSES,
    METHODS,
    Classes,
    aggregation_for,
    class_colours,
    classify,
    darker_means,
    lsoas_to_wards,
)
from joinedup.core.periods import PeriodError, parse_period
from joinedup.places.models import LEVEL_RANK, Area, Level

LEVELS = {Level.WARD.value: "wards", Level.LSOA.value: "LSOAs"}
NO_FIGURE = "No figure"
#: Areas without a figure: GOV.UK light grey under dark grey hatching (an SVG pattern put
#: in place of this fill once the map is drawn), so they differ from every shade by more
#: than colour.
NO_FIGURE_FILL = "#f3f2f1"
HATCH_ID = "app-map-no-figure"
HATCH = (f'<defs><pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="6" height="6" '
         'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f2f1"/>'
         '<line x1="0" y1="0" x2="0" y2="6" stroke="#505a5f" stroke-width="2"/></pattern>'
         '</defs>')
AGGREGATIONS = {"sum": "the sum of its LSOAs' figures (the indicator is a count)",
                "mean": "the average of its LSOAs' figures weighted by their population "
                        "(the indicator is a rate or share)"}


class NoMap(LookupError):
    """No figures to map: none at the level, or none for the period asked for."""


@dataclass
class MapArea:
    code: str
    name: str
    boundary: dict | None
    value: float | None = None
    klass: int | None = None  # 0 for the lowest class


@dataclass
class Choropleth:
    indicator: object
    district: Area
    level: str
    period: str
    periods: list[str]
    method: str
    asked_classes: int
    classes: Classes
    colours: list[str]
    areas: list[MapArea]
    aggregated: str | None = None
    labels: list[str] = field(default_factory=list)

    @property
    def level_name(self) -> str:
        return LEVELS[self.level]

    @property
    def missing(self) -> list[str]:
        return sorted(a.name for a in self.areas if a.value is None)

    @property
    def darker(self) -> str:
        return darker_means(self.indicator.polarity)

    @property
    def method_name(self) -> str:
        return METHODS[self.method]

    @property
    def aggregation(self) -> str | None:
        return AGGREGATIONS.get(self.aggregated)

    def number(self, value: float) -> str:
        return f"{value:,.{self.indicator.decimals}f}"

    def rows(self) -> list[dict]:
        """The table: highest figure first, then the areas without one, by name."""
        ordered = sorted(self.areas, key=lambda a: (a.value is None, -(a.value or 0), a.name))
        return [{"code": a.code, "name": a.name, "value": a.value,
                 "figure": self.number(a.value) if a.value is not None else None,
                 "class": a.klass + 1 if a.klass is not None else None,
                 "class_label": self.labels[a.klass] if a.klass is not None else NO_FIGURE}
                for a in ordered]

    def legend(self) -> list[dict]:
        return [{"class": index + 1, "lower": lower, "upper": upper,
                 "label": self.labels[index], "colour": self.colours[index]}
                for index, (lower, upper) in enumerate(self.classes.bounds())]

    def feature_collection(self) -> dict:
        """GeoJSON of the areas, each with its figure and class; the classes on top."""
        features = [
            {"type": "Feature", "geometry": area.boundary,
             "properties": {"code": area.code, "name": area.name, "value": area.value,
                            "class": area.klass + 1 if area.klass is not None else None}}
            for area in self.areas
        ]
        return {"type": "FeatureCollection", "indicator": self.indicator.code,
                "level": self.level, "period": self.period, "periods": self.periods,
                "method": self.method, "method_name": self.method_name,
                "breaks": list(self.classes.breaks), "lowest": self.classes.lowest,
                "classes": self.legend(), "darker": self.darker,
                "aggregated_from_lsoas": self.aggregated, "no_figure": self.missing,
                "features": features}

    def label(self) -> str:
        return (f"Map of the {len(self.areas)} {self.level_name} of {self.district.name}, "
                f"shaded by {self.indicator.title} in {self.period}, in {self.classes.count} "
                f"classes by {self.method.replace('_', ' ')}; darker is {self.darker}. "
                "The figures are in the table after the map.")

    def spec(self, width: int = 560, *, legend: bool = False) -> dict:
        """The map as Vega-Lite, as tall as the district's shape needs. Pages give the
        legend beside it in HTML, which stays legible on a phone; ``legend`` draws it
        beneath the map instead, for the map on its own (a PNG, a printed pack)."""
        keys = [str(n) for n in range(1, self.classes.count + 1)]
        texts, colours = list(self.labels), list(self.colours)
        if self.missing:
            keys, texts, colours = [*keys, "none"], [*texts, NO_FIGURE], [*colours, NO_FIGURE_FILL]
        features = [
            {"type": "Feature", "geometry": area.boundary,
             "properties": {"name": area.name,
                            "key": str(area.klass + 1) if area.klass is not None else "none"}}
            for area in self.areas if area.boundary
        ]
        colour = {"field": "properties.key", "type": "ordinal", "scale": {"domain": keys,
                                                                          "range": colours}}
        if legend:
            label_expr = " : ".join(f"datum.label == '{k}' ? '{t}'" for k, t in zip(keys, texts))
            colour["title"] = [f"{self.indicator.unit}, {self.period}".capitalize(),
                               f"{self.method.replace('_', ' ').capitalize()}, "
                               f"{self.classes.count} classes"]
            colour["legend"] = {"orient": "bottom", "direction": "vertical", "columns": 1,
                                "labelExpr": f"{label_expr} : datum.label",
                                "symbolType": "square", "symbolSize": 260, "symbolOpacity": 1,
                                "symbolStrokeColor": "#0b0c0c", "symbolStrokeWidth": 0.8}
        else:
            colour["legend"] = None
        return {
            "width": width, "height": round(width * aspect(features)),
            "projection": {"type": "mercator"},
            "data": {"values": {"type": "FeatureCollection", "features": features},
                     "format": {"type": "json", "property": "features"}},
            "mark": {"type": "geoshape", "stroke": "#0b0c0c", "fillOpacity": 1,
                     "strokeWidth": 0.8 if self.level == "ward" else 0.4},
            "encoding": {"color": colour},
        }

    def svg(self, *, described_by: str | None = None, legend: bool = False):
        """The map as accessible SVG, with areas without a figure hatched."""
        drawn = str(render_svg(self.spec(legend=legend), label=self.label()))
        drawn = drawn.replace(f'fill="{NO_FIGURE_FILL}"', f'fill="url(#{HATCH_ID})"')
        if described_by:
            drawn = drawn.replace("<svg ", f'<svg aria-describedby="{described_by}" ', 1)
        drawn = re.sub(r"^(<svg\b[^>]*>)", lambda m: m.group(1) + HATCH, drawn, count=1)
        return mark_safe(drawn)  # noqa: S308  # nosec B308, B703 - our renderer's SVG and our own pattern


def aspect(features: list[dict]) -> float:
    """Height over width of the features' bounding box on a Mercator map (at least 0.4,
    at most 1.2, so a long thin district still gets a usable map)."""
    points = [point for feature in features for point in _points(feature["geometry"])]
    if not points:
        return 0.75
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    south, north = math.radians(min(lats)), math.radians(max(lats))
    tall = math.log(math.tan(math.pi / 4 + north / 2)) - math.log(math.tan(math.pi / 4 + south / 2))
    wide = math.radians(max(lons) - min(lons))
    return min(max(tall / wide, 0.4), 1.2) if wide else 0.75


def _points(geometry: dict):
    def walk(coordinates):
        if coordinates and isinstance(coordinates[0], (int, float)):
            yield coordinates
        else:
            for part in coordinates:
                yield from walk(part)
    return walk(geometry.get("coordinates", []))


def areas_at(district: Area, level: str) -> list[Area]:
    """The areas of ``level`` within ``district`` (at any depth), with boundaries, by name."""
    rank, found, frontier = LEVEL_RANK[level], [], [district.pk]
    while frontier:
        children = list(Area.objects.filter(parent_id__in=frontier).values_list("pk", "level"))
        found += [pk for pk, child_level in children if child_level == level]
        frontier = [pk for pk, child_level in children if LEVEL_RANK[child_level] < rank]
    return list(Area.objects.filter(pk__in=found).only("code", "name", "boundary", "level")
                .order_by("name", "code"))


def _figures(values, area_ids) -> list[tuple]:
    return list(values.filter(area_id__in=area_ids)
                .values_list("area_id", "value", "period", "period_start")
                .order_by("area_id", "period_start"))


def _periods(rows) -> list[str]:
    starts = {}
    for _, _, period, start in rows:
        starts[period] = start
    return sorted(starts, key=lambda p: starts[p], reverse=True)


def _chosen(periods: list[str], asked: str | None) -> str:
    if not asked:
        return periods[0]
    try:
        label = parse_period(asked.strip()).label
    except PeriodError:
        label = asked.strip()
    if label not in periods:
        raise NoMap(f"There are no figures for {asked!r}; there are for "
                    f"{', '.join(periods)}.")
    return label


def build(indicator, values, *, level: str, period: str | None = None,
          method: str = "quantiles", k: int = DEFAULT_CLASSES) -> Choropleth:
    """The map of ``indicator`` at ``level`` across its strategy's district.

    ``values``: the figures to map (a ``DataValue`` queryset the caller has limited to the
    indicator and to what the reader may see). Ward figures are the indicator's own where
    it has any at ward level; otherwise, where it has LSOA figures, each ward's is made
    from its LSOAs' (``core.choropleth.lsoas_to_wards``). Raises ``NoMap`` if there is
    nothing to draw.
    """
    if level not in LEVELS:
        raise NoMap(f"Maps are drawn for {', '.join(LEVELS)}, not {level!r}.")
    district = indicator.outcome.theme.strategy.area
    areas = areas_at(district, level)
    by_id = {area.pk: area for area in areas}
    rows = _figures(values, list(by_id))
    aggregated = None
    if not rows and level == Level.WARD:
        lsoas = list(Area.objects.filter(parent_id__in=list(by_id), level=Level.LSOA)
                     .values_list("pk", "parent_id", "population"))
        rows = _figures(values, [pk for pk, _, _ in lsoas])
        aggregated = aggregation_for(indicator.unit) if rows else None
    if not rows:
        raise NoMap(f"There are no figures you may see for the {LEVELS[level]} of "
                    f"{district.name}.")
    periods = _periods(rows)
    chosen = _chosen(periods, period)
    figures = {area_id: value for area_id, value, label, _ in rows if label == chosen}
    if aggregated:
        frame = pl.DataFrame(
            {"ward": [ward for _, ward, _ in lsoas],
             "value": [figures.get(pk) for pk, _, _ in lsoas],
             "population": [population for _, _, population in lsoas]},
            schema={"ward": pl.Int64, "value": pl.Float64, "population": pl.Int64})
        figures = {row["ward"]: row["value"]
                   for row in lsoas_to_wards(frame, aggregated).iter_rows(named=True)
                   if row["value"] is not None}
    mapped = [MapArea(a.code, a.name, a.boundary, figures.get(a.pk)) for a in areas]
    present = [a for a in mapped if a.value is not None]
    if not present:
        raise NoMap(f"No {LEVELS[level][:-1]} of {district.name} has a whole figure for "
                    f"{chosen}.")
    classes = classify([a.value for a in present], method, k)
    for area, klass in zip(present, classes.of):
        area.klass = klass
    result = Choropleth(indicator, district, level, chosen, periods, method, k, classes,
                        class_colours(classes.count, indicator.polarity), mapped, aggregated)
    result.labels = [
        f"{result.number(low)} to {result.number(high)}" if index == 0
        else f"over {result.number(low)} to {result.number(high)}"
        for index, (low, high) in enumerate(classes.bounds())
    ]
    return result
