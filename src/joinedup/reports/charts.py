"""Charts and maps as Vega-Lite specifications, rendered to SVG on the server.

The same SVG goes into web pages and PDF packs, so pages need no JavaScript. Rendering
goes through vl-convert (Vega-Lite's own renderer, offline); a rendered chart is cached by
the hash of its specification, because the first render costs about half a second and a
repeat only a lookup.
"""

from __future__ import annotations

import hashlib
import html
import json
import re

import vl_convert
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
FONT = "Arial, Helvetica, sans-serif"
# GOV.UK Design System colours, in an order that stays distinguishable for common colour
# blindness; the first series (the partnership's own area) is the strongest.
SERIES_COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f"]

BASE_CONFIG = {
    "aria": False,
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelColor": "#0b0c0c",
             "titleColor": "#0b0c0c", "gridColor": "#dddddd"},
    "legend": {"labelFontSize": 13, "titleFontSize": 14, "orient": "bottom",
               "labelLimit": 300},
    "title": {"fontSize": 16},
}


def render_svg(spec: dict, *, label: str) -> SafeString:
    """Render a Vega-Lite spec to inline SVG with one accessible name, ``label``.

    The figure's own marks are hidden from assistive technology (``config.aria`` off);
    the page gives the same figures in a table.
    """
    spec = {"$schema": VEGA_LITE_SCHEMA, **spec, "config": {**BASE_CONFIG, **spec.get("config", {})}}
    text = json.dumps(spec, sort_keys=True, default=str)
    key = "chart:" + hashlib.sha256(f"{label}\0{text}".encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = vl_convert.vegalite_to_svg(json.loads(text))
        svg = _label_root(svg, label)
        cache.set(key, svg, timeout=24 * 3600)
    return mark_safe(svg)  # noqa: S308 - produced by our own renderer from escaped data


def _label_root(svg: str, label: str) -> str:
    """Give the root one accessible name; make everything inside it presentational."""
    svg = re.sub(r'\s(?:role|aria-[a-z]+)="[^"]*"', "", svg)
    attributes = f' role="img" aria-label="{html.escape(label, quote=True)}" focusable="false"'
    return re.sub(r"^<svg\b", "<svg" + attributes, svg, count=1)


def trend_chart(points: list[dict], *, unit: str, targets: list[dict] | None = None,
                area_order: list[str] | None = None, width: int = 640) -> dict:
    """Lines over time, one per area.

    ``points``: dicts with ``period``, ``start`` (ISO date), ``area``, ``value``.
    ``targets``: dicts with ``period``, ``start``, ``area``, ``value`` drawn as diamonds.
    """
    areas = area_order or sorted({p["area"] for p in points})
    colour = {"field": "area", "type": "nominal", "title": None,
              "scale": {"domain": areas, "range": SERIES_COLOURS[: len(areas)]}}
    x = {"field": "start", "type": "temporal", "title": "Period starting",
         "axis": {"format": "%Y", "tickCount": 8}}
    y = {"field": "value", "type": "quantitative", "title": unit,
         "scale": {"zero": False}}
    layers = [{
        "data": {"values": points},
        "mark": {"type": "line", "point": {"filled": True, "size": 40}, "strokeWidth": 2.5},
        "encoding": {"x": x, "y": y, "color": colour,
                     "strokeDash": {"field": "area", "type": "nominal", "title": None,
                                    "scale": {"domain": areas,
                                              "range": [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2],
                                                        [4, 4], [1, 3]][: len(areas)]}}},
    }]
    if targets:
        layers.append({
            "data": {"values": targets},
            "mark": {"type": "point", "shape": "diamond", "size": 140, "filled": True,
                     "color": "#0b0c0c"},
            "encoding": {"x": x, "y": y},
        })
    return {"width": width, "height": 300, "layer": layers}


def area_map(outline: dict | None, features: list[dict], *, colour_field: str | None,
             colour_title: str | None, ordinal: bool = False, width: int = 520) -> dict:
    """A boundary map: the area's outline over its smaller areas, shaded by a field.

    ``features`` are GeoJSON features whose ``properties`` carry ``name`` and, when
    shading, ``colour_field``.
    """
    layers = []
    if features:
        fill: dict = {"value": "#dee0e2"}
        if colour_field:
            fill = {"field": f"properties.{colour_field}", "title": colour_title,
                    "type": "ordinal" if ordinal else "nominal"}
            if ordinal:
                fill["scale"] = {"scheme": "viridis", "domain": list(range(1, 11))}
            else:
                fill["scale"] = {"range": SERIES_COLOURS}
        layers.append({
            "data": {"values": {"type": "FeatureCollection", "features": features},
                     "format": {"type": "json", "property": "features"}},
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.8},
            "encoding": {"color": fill},
        })
    if outline:
        layers.append({
            "data": {"values": {"type": "Feature", "geometry": outline, "properties": {}}},
            "mark": {"type": "geoshape", "fill": None if features else "#1d70b8",
                     "fillOpacity": 0 if features else 0.6, "stroke": "#0b0c0c",
                     "strokeWidth": 2},
        })
    return {"width": width, "height": width, "projection": {"type": "mercator"},
            "layer": layers}
