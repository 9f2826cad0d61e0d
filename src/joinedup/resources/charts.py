"""The resources pages' charts: spend per head on a ward map, need against spend, and
each allocation scenario's map. Vega-Lite rendered to SVG on the server
(``common.charts``), each beside a table with the same figures."""

from __future__ import annotations

from joinedup.common.charts import SERIES_COLOURS, render_svg

NO_DATA = "No spend recorded"
#: Colour-blind-safe sequential classes (ColorBrewer Blues, 5 classes), light to dark.
CLASSES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
#: Marks for the scatter: shape as well as colour, so no one needs colour to read it.
OUTCOME_MARKS = {
    "improving": ("Some indicator improving", "#00703c", "triangle-up"),
    "not improving": ("None improving", "#d4351c", "triangle-down"),
    "not measured": ("No indicator measured here", "#505a5f", "circle"),
}


def quantile_breaks(values: list[float], classes: int = 5) -> list[float]:
    """Upper edges of at most ``classes`` equal-count classes (quantiles), the last the
    maximum; equal edges merge, so equal values never split into two classes."""
    ordered = sorted(round(v, 2) for v in values if v is not None)
    if not ordered:
        return []
    count = len(ordered)
    return sorted({ordered[-(-count * k // classes) - 1] for k in range(1, classes + 1)})


def class_of(value: float | None, breaks: list[float]) -> int | None:
    if value is None:
        return None
    for index, edge in enumerate(breaks):
        if value <= edge:
            return index
    return len(breaks) - 1


def legend(breaks: list[float], fmt) -> list[str]:
    labels, low = [], None
    for edge in breaks:
        labels.append(f"{fmt(low)} to {fmt(edge)}" if low is not None else f"up to {fmt(edge)}")
        low = edge
    return labels


def choropleth(features: list[dict], *, field: str, title: str, label: str, fmt,
               width: int = 460):
    """Areas shaded by ``properties[field]`` in quantile classes; areas without a value
    hatched grey and named in the legend as having none."""
    values = [f["properties"].get(field) for f in features]
    breaks = quantile_breaks(values)
    names = legend(breaks, fmt)
    for feature in features:
        value = feature["properties"].get(field)
        klass = class_of(None if value is None else round(value, 2), breaks)
        feature["properties"]["class"] = names[klass] if klass is not None else NO_DATA
    classes = list(dict.fromkeys(names))
    colours = [CLASSES[names.index(name)] for name in classes]
    if any(f["properties"]["class"] == NO_DATA for f in features):
        classes, colours = [*classes, NO_DATA], [*colours, "#f3f2f1"]
    domain = classes
    spec = {
        "width": width, "height": width, "projection": {"type": "mercator"},
        "data": {"values": {"type": "FeatureCollection", "features": features},
                 "format": {"type": "json", "property": "features"}},
        "mark": {"type": "geoshape", "stroke": "#0b0c0c", "strokeWidth": 0.6},
        "encoding": {"color": {"field": "properties.class", "type": "ordinal",
                               "title": title, "scale": {"domain": domain, "range": colours},
                               "legend": {"orient": "bottom", "columns": 1}}},
    }
    return render_svg(spec, label=label)


def need_against_spend(points: list[dict], *, label: str, width: int = 520):
    """Need (x) against spend per head (y), a mark per area × theme, by outcome."""
    domain = [name for name, _, _ in OUTCOME_MARKS.values()]
    spec = {
        "width": width, "height": 360,
        "data": {"values": points},
        "mark": {"type": "point", "filled": True, "size": 70},
        "encoding": {
            "x": {"field": "need", "type": "quantitative", "title": "Need (deprivation, 0 to 1)"},
            "y": {"field": "spend_per_head", "type": "quantitative",
                  "title": "Spend per head (£)", "scale": {"zero": False}},
            "color": {"field": "outcome", "type": "nominal", "title": "Outcomes here",
                      "legend": {"orient": "bottom", "direction": "vertical"},
                      "scale": {"domain": domain,
                                "range": [c for _, c, _ in OUTCOME_MARKS.values()]}},
            "shape": {"field": "outcome", "type": "nominal",
                      "scale": {"domain": domain,
                                "range": [s for _, _, s in OUTCOME_MARKS.values()]}},
        },
    }
    return render_svg(spec, label=label)


def scenario_bars(rows: list[dict], *, label: str, width: int = 520):
    """Each area's amount under each scenario, side by side."""
    spec = {
        "width": width, "height": {"step": 14}, "padding": {"left": 8, "right": 8},
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "area", "type": "nominal", "title": None, "sort": None,
                  "axis": {"labelLimit": 260}},
            "yOffset": {"field": "scenario", "type": "nominal"},
            "x": {"field": "amount", "type": "quantitative", "title": "Amount (£)"},
            "color": {"field": "scenario", "type": "nominal", "title": "Scenario",
                      "scale": {"range": SERIES_COLOURS},
                      "legend": {"orient": "bottom", "direction": "vertical"}},
        },
    }
    return render_svg(spec, label=label)
