"""Charts and maps as Vega-Lite specifications, rendered to SVG on the server.

The same SVG goes into web pages and PDF packs, so pages need no JavaScript. Rendering
goes through vl-convert (Vega-Lite's own renderer, offline); a rendered chart is cached by
the hash of its specification, because the first render costs about half a second and a
repeat only a lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import math
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
    return mark_safe(svg)  # noqa: S308  # nosec B308, B703 - produced by our own renderer from escaped data


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


VARIATION_STYLE = {
    # name: (legend label, colour, shape) — shape as well as colour, so no one needs colour
    "common_cause": ("Common cause", "#b1b4b6", "circle"),
    "improvement": ("Special cause: improvement", "#1d70b8", "triangle-up"),
    "concern": ("Special cause: concern", "#b35900", "triangle-down"),
    "neutral_high": ("Special cause: higher", "#4c2c92", "diamond"),
    "neutral_low": ("Special cause: lower", "#4c2c92", "diamond"),
}


#: At most this many labels on a chart's time axis, unless the chart says otherwise.
MOST_LABELS = 9


def time_axis(starts: list[dt.date], *, yearly: bool | None = None,
              most: int = MOST_LABELS) -> dict:
    """A time axis labelled every so many years (or months), so that at most ``most`` show.

    A twenty-year series labelled every year runs its labels together; a three-year series
    of quarters labelled with month names alone gives no year at all. ``yearly`` says
    whether the figures are for whole years; unknown, it is whether no two starts are
    less than 360 days apart. Figures over more than three years are labelled by the
    year, and shorter runs of quarters or months by the month and year.
    """
    first, last = min(starts), max(starts)
    if yearly is None:
        ordered = sorted(set(starts))
        yearly = all((b - a).days >= 360 for a, b in zip(ordered, ordered[1:]))
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    # Quarters over more than three years read best by the year, too.
    if yearly or months > 36:
        step = max(1, math.ceil((last.year - first.year + 1) / most))
        return {"format": "%Y", "tickCount": {"interval": "year", "step": step}}
    step = max(1, math.ceil(months / most))
    return {"format": "%b %Y", "tickCount": {"interval": "month", "step": step}}


def _starts(*groups: list[dict]) -> list[dt.date]:
    return [dt.date.fromisoformat(p["start"][:10]) for group in groups for p in group]


def _sized(spec: dict, height: int | None, config: dict | None) -> dict:
    """``spec`` with the height and configuration a caller asked for, if any."""
    if height is not None:
        spec["height"] = height
    if config is not None:
        spec["config"] = config
    return spec


def spc_chart(points: list[dict], *, unit: str, target: float | None = None,
              width: int = 640, height: int | None = None, config: dict | None = None,
              axis: dict | None = None) -> dict:
    """An XmR chart: the figures, the mean, process limits, 2-sigma lines, special causes.

    ``points``: dicts with ``start`` (ISO date), ``value``, ``variation``, ``outlier``,
    ``mean``, ``lower``, ``upper``, ``lower_2sigma``, ``upper_2sigma``. ``height`` (300
    unless given), ``config`` and the time ``axis`` (``time_axis`` of the points unless
    given) let a printed chart differ from a page's.
    """
    present = [v for v in VARIATION_STYLE if any(p["variation"] == v for p in points)]
    x = {"field": "start", "type": "temporal", "title": "Period starting",
         "scale": {"padding": 12}, "axis": axis if axis is not None
         else time_axis(_starts(points))}
    y_title = unit

    def line(field: str, dash: list[int], colour: str, width_px: float = 1.5) -> dict:
        return {"mark": {"type": "line", "strokeDash": dash, "color": colour,
                         "strokeWidth": width_px, "interpolate": "step-after"},
                "encoding": {"x": x, "y": {"field": field, "type": "quantitative",
                                           "title": y_title,
                                           "scale": {"zero": False, "padding": 12}}}}

    layers = [
        line("upper", [6, 4], "#0b0c0c"), line("lower", [6, 4], "#0b0c0c"),
        line("upper_2sigma", [2, 3], "#6f777b", 1), line("lower_2sigma", [2, 3], "#6f777b", 1),
        line("mean", [1, 0], "#0b0c0c", 1.2),
        {"mark": {"type": "line", "color": "#6f777b", "strokeWidth": 1},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}}},
        {"mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
         "encoding": {
             "x": x, "y": {"field": "value", "type": "quantitative"},
             "color": {"field": "variation", "type": "nominal", "title": None,
                       "scale": {"domain": present,
                                 "range": [VARIATION_STYLE[v][1] for v in present]},
                       "legend": {"labelExpr": _label_expr(present)}},
             "shape": {"field": "variation", "type": "nominal", "title": None,
                       "scale": {"domain": present,
                                 "range": [VARIATION_STYLE[v][2] for v in present]}},
         }},
    ]
    outliers = [p for p in points if p.get("outlier")]
    if outliers:
        layers.append({
            "data": {"values": outliers},
            "mark": {"type": "point", "shape": "circle", "size": 320, "strokeWidth": 2,
                     "color": "#0b0c0c", "filled": False},
            "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}}})
    if target is not None:
        layers.append({"data": {"values": [{"target": target}]},
                       "mark": {"type": "rule", "color": "#00703c", "strokeWidth": 2,
                                "strokeDash": [10, 3]},
                       "encoding": {"y": {"field": "target", "type": "quantitative"}}})
    return _sized({"width": width, "height": 300, "data": {"values": points}, "layer": layers},
                  height, config)


def _label_expr(present: list[str]) -> str:
    cases = " : ".join(f"datum.label == '{v}' ? '{VARIATION_STYLE[v][0]}'" for v in present)
    return f"{cases} : datum.label" if cases else "datum.label"


def forecast_chart(history: list[dict], forecast: dict, *, unit: str,
                   target: float | None = None, width: int = 640, height: int | None = None,
                   config: dict | None = None, axis: dict | None = None) -> dict:
    """The recent figures and a fan to the forecast date: 80% and 95% prediction intervals.

    ``history``: dicts with ``start``, ``value``; ``forecast``: ``start``, ``value``,
    ``lower80``, ``upper80``, ``lower95``, ``upper95``. ``height`` (260 unless given),
    ``config`` and the time ``axis`` (``time_axis`` of the history and forecast unless
    given) let a printed chart differ from a page's.
    """
    last = history[-1]
    fan = [
        {"start": last["start"], "value": last["value"], "lower80": last["value"],
         "upper80": last["value"], "lower95": last["value"], "upper95": last["value"]},
        forecast,
    ]
    x = {"field": "start", "type": "temporal", "title": "Period starting",
         "scale": {"padding": 12},
         "axis": axis if axis is not None
         else time_axis(_starts(history, [forecast]), yearly=None if len(history) > 1 else True)}

    def band(low: str, high: str, colour: str) -> dict:
        return {"data": {"values": fan}, "mark": {"type": "area", "color": colour},
                "encoding": {"x": x, "y": {"field": low, "type": "quantitative"},
                             "y2": {"field": high}}}

    layers = [
        band("lower95", "upper95", "#d2e2f1"),
        band("lower80", "upper80", "#9fc2e3"),
        {"data": {"values": fan}, "mark": {"type": "line", "strokeDash": [6, 4],
                                           "color": "#1d70b8", "strokeWidth": 2},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}}},
        {"data": {"values": history},
         "mark": {"type": "line", "point": {"filled": True, "size": 40}, "color": "#0b0c0c"},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": unit,
                                    "scale": {"zero": False, "padding": 12}}}},
    ]
    if target is not None:
        layers.append({"data": {"values": [{"start": forecast["start"], "value": target}]},
                       "mark": {"type": "point", "shape": "diamond", "size": 180,
                                "filled": True, "color": "#00703c"},
                       "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}}})
    return _sized({"width": width, "height": 260, "layer": layers}, height, config)


def warm_up() -> None:
    """Start the chart renderer (its first chart costs about a second, later ones ~20 ms).

    Servers call this as they start, so no reader waits for it.
    """
    vl_convert.vegalite_to_svg({"$schema": VEGA_LITE_SCHEMA, "data": {"values": [{"x": 1}]},
                                "mark": "point", "encoding": {"x": {"field": "x"}}})
