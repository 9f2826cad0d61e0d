"""The radar chart of a round's results: the mean score of each of the seven elements on
its own spoke, this round against the previous one.

Vega-Lite has no polar line, so the chart is drawn in plain x, y: the spokes go round
clockwise from the top, the k-th of n at angle 2πk/n, and a score r sits at
x = r sin(angle), y = r cos(angle). The rings mark the scores 1 to 5. The same figures
are in the table beside the chart.
"""

from __future__ import annotations

import math

from joinedup.common.charts import SERIES_COLOURS

RINGS = (1, 2, 3, 4, 5)
LABEL_AT = 5.55
EDGE = 7.6
SIZE = 440


def _at(radius: float, k: int, n: int) -> tuple[float, float]:
    angle = 2 * math.pi * k / n
    return round(radius * math.sin(angle), 6), round(radius * math.cos(angle), 6)


def _polygon(values: list[float | None], n: int, series: str) -> list[dict]:
    """The closed outline through each scored spoke; a spoke without a score is skipped."""
    points = []
    for k, value in enumerate(values):
        if value is not None:
            x, y = _at(value, k, n)
            points.append({"x": x, "y": y, "order": k, "series": series, "score": value})
    if points:
        points.append({**points[0], "order": n})
    return points


def radar_spec(names: list[str], series: list[tuple[str, list[float | None]]]) -> dict:
    """A radar chart for ``names`` (the spokes, in order) and each ``(label, values)`` of
    ``series`` (the first drawn strongest; later ones dashed)."""
    n = len(names)
    rings = [{"ring": f"ring {r}", "order": k, "x": _at(r, k % n, n)[0],
              "y": _at(r, k % n, n)[1]} for r in RINGS for k in range(n + 1)]
    spokes = [{"x": 0, "y": 0, "x2": _at(5, k, n)[0], "y2": _at(5, k, n)[1]}
              for k in range(n)]
    labels = []
    for k, name in enumerate(names):
        x, y = _at(LABEL_AT, k, n)
        side = "center" if abs(x) < 0.5 else ("left" if x > 0 else "right")
        labels.append({"x": x, "y": y, "name": name, "side": side})
    ticks = [{"x": 0.15, "y": float(r), "tick": str(r)} for r in RINGS]
    domain = [label for label, _ in series]
    outlines = [p for label, values in series for p in _polygon(values, n, label)]
    x = {"field": "x", "type": "quantitative", "axis": None,
         "scale": {"domain": [-EDGE, EDGE], "nice": False}}
    y = {"field": "y", "type": "quantitative", "axis": None,
         "scale": {"domain": [-EDGE + 1.2, EDGE - 0.4], "nice": False}}
    layers = [
        {"data": {"values": rings}, "mark": {"type": "line", "color": "#b1b4b6",
                                             "strokeWidth": 1},
         "encoding": {"x": x, "y": y, "detail": {"field": "ring"},
                      "order": {"field": "order", "type": "quantitative"}}},
        {"data": {"values": spokes}, "mark": {"type": "rule", "color": "#b1b4b6"},
         "encoding": {"x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"}}},
        {"data": {"values": ticks}, "mark": {"type": "text", "align": "left", "dy": -6,
                                             "fontSize": 11, "color": "#505a5f"},
         "encoding": {"x": x, "y": y, "text": {"field": "tick"}}},
    ]
    for side in ("left", "right", "center"):
        layers.append({
            "data": {"values": [label for label in labels if label["side"] == side]
                     or [{"x": 0, "y": 0, "name": ""}]},
            "mark": {"type": "text", "align": side, "baseline": "middle", "fontSize": 13,
                     "color": "#0b0c0c"},
            "encoding": {"x": x, "y": y, "text": {"field": "name"}}})
    if outlines:
        # one round a line: the legend's names are long, and the chart is narrow
        colour = {"field": "series", "type": "nominal", "title": None,
                  "scale": {"domain": domain, "range": SERIES_COLOURS[:len(domain)]},
                  "legend": {"direction": "vertical"}}
        dash = {"field": "series", "type": "nominal", "title": None,
                "scale": {"domain": domain,
                          "range": [[1, 0], [6, 4], [2, 2], [8, 2, 2, 2]][:len(domain)]}}
        layers.append({
            "data": {"values": outlines},
            "mark": {"type": "line", "strokeWidth": 2.5,
                     "point": {"filled": True, "size": 50}},
            "encoding": {"x": x, "y": y, "color": colour, "strokeDash": dash,
                         "order": {"field": "order", "type": "quantitative"}}})
    return {"width": SIZE, "height": SIZE, "layer": layers}
