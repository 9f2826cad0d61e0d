"""The benchmark's two charts as Vega-Lite specifications, rendered to SVG by
``common.charts.render_svg``: the funnel plot and the neighbours' average trend. Each page
gives the same figures in a table beside its chart."""

from __future__ import annotations

from joinedup.common.charts import SERIES_COLOURS, render_svg, trend_chart

LIMIT_NAMES = {"lower_99_8": "99.8% limits", "upper_99_8": "99.8% limits",
               "lower_95": "95% limits", "upper_95": "95% limits"}
GROUPS = ["Our area", "A statistical neighbour", "Another area"]


def funnel_svg(benchmark) -> str | None:
    funnel = benchmark.funnel
    if funnel is None:
        return None
    neighbours = {n["code"] for n in benchmark.neighbours}
    points = [{"denominator": p["denominator"], "value": p["funnel_value"], "name": p["name"],
               "group": GROUPS[0] if p["area"] == benchmark.home
               else GROUPS[1] if p["area"] in neighbours else GROUPS[2]}
              for p in funnel.points]
    lines = [{**line, "kind": LIMIT_NAMES[line["limit"]]} for line in funnel.lines]
    x = {"field": "denominator", "type": "quantitative", "title": "Denominator",
         "scale": {"type": "log"}, "axis": {"labelOverlap": "greedy", "labelSeparation": 6}}
    y = {"field": "value", "type": "quantitative", "title": benchmark.indicator.unit,
         "scale": {"zero": False}}
    spec = {"width": 600, "height": 320, "layer": [
        {"data": {"values": lines}, "mark": {"type": "line", "strokeWidth": 1.5},
         "encoding": {"x": x, "y": y, "detail": {"field": "limit"},
                      "strokeDash": {"field": "kind", "type": "nominal", "title": None,
                                     "scale": {"domain": ["95% limits", "99.8% limits"],
                                               "range": [[6, 3], [1, 0]]}},
                      "color": {"value": "#505a5f"}}},
        {"data": {"values": [{"value": funnel.benchmark}]},
         "mark": {"type": "rule", "color": "#0b0c0c", "strokeWidth": 1},
         "encoding": {"y": {"field": "value", "type": "quantitative"}}},
        {"data": {"values": points}, "mark": {"type": "point", "filled": True, "size": 50},
         "encoding": {"x": x, "y": y,
                      "color": {"field": "group", "type": "nominal", "title": None,
                                "scale": {"domain": GROUPS, "range": [
                                    SERIES_COLOURS[1], SERIES_COLOURS[0], "#b1b4b6"]}},
                      "shape": {"field": "group", "type": "nominal", "title": None,
                                "scale": {"domain": GROUPS,
                                          "range": ["diamond", "square", "circle"]}},
                      "size": {"field": "group", "type": "nominal", "legend": None,
                               "scale": {"domain": GROUPS, "range": [220, 70, 30]}}}},
    ]}
    label = (f"Funnel plot of {benchmark.indicator.title}, {funnel.period}: "
             f"{len(points)} areas against England's {funnel.benchmark:g} with 95% and 99.8% "
             f"control limits ({funnel.method}); {benchmark.home_name} highlighted and its "
             "neighbours marked. The figures are in the table beside it.")
    return render_svg(spec, label=label)


def trend_svg(benchmark) -> str | None:
    ours, average = benchmark.home_name, "Neighbours' average"
    points = []
    for row in benchmark.trend:
        start = row["period_start"].isoformat()
        for area, value in ((ours, row["value"]), (average, row["neighbours_mean"]),
                            ("England", row["england"])):
            if value is not None:
                points.append({"period": row["period"], "start": start, "area": area,
                               "value": value})
    if len({p["start"] for p in points}) < 2:
        return None
    spec = trend_chart(points, unit=benchmark.indicator.unit,
                       area_order=[ours, average, "England"])
    label = (f"Line chart of {benchmark.indicator.title}: {ours} against the average of its "
             f"{len(benchmark.neighbours)} statistical neighbours and England, "
             f"{benchmark.trend[0]['period']} to {benchmark.trend[-1]['period']}. The "
             "figures are in the table beside it.")
    return render_svg(spec, label=label)
