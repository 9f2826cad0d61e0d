"""An indicator's benchmark as plain data: the API's JSON, and the rows of
``joinedup benchmark --format csv``. Both come from ``figures.benchmark_for``, so the
page, the API and the command line give the same figures."""

from __future__ import annotations

import datetime as dt

from joinedup.common.api import finite

FUNNEL_POINT = ["area", "name", "numerator", "denominator", "value", "lower_99_8", "lower_95",
                "upper_95", "upper_99_8", "band"]
CSV_COLUMNS = ["part", "comparison", "area", "period", "measure", "value"]


def _date(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def benchmark_document(benchmark) -> dict:
    indicator = benchmark.indicator
    funnel = benchmark.funnel
    return {
        "indicator": indicator.code, "title": indicator.title, "unit": indicator.unit,
        "polarity": indicator.polarity, "neighbour_set": benchmark.neighbour_set.slug,
        "area": benchmark.home, "area_name": benchmark.home_name,
        "neighbours": [dict(n) for n in benchmark.neighbours],
        "ranks": [{k: row[k] for k in ("comparison", "period", "value", "rank", "group_size",
                                       "quartile", "ranked")} for row in benchmark.ranks],
        "funnel": None if funnel is None else {
            "period": funnel.period, "measure": funnel.measure,
            "multiplier": funnel.multiplier, "benchmark": funnel.benchmark,
            "benchmark_source": funnel.benchmark_source, "method": funnel.method,
            "method_detail": funnel.method_detail,
            "points": [{**{k: p[k] for k in FUNNEL_POINT if k != "value"},
                        "value": p["funnel_value"]} for p in funnel.points]},
        "funnel_reason": benchmark.funnel_reason,
        "trend": [{"period": row["period"], "period_start": _date(row["period_start"]),
                   "value": finite(row["value"]),
                   "neighbours_mean": finite(row["neighbours_mean"]),
                   "neighbours_with_value": row["neighbours_with_value"],
                   "neighbours_listed": row["neighbours_listed"],
                   "england": finite(row["england"])} for row in benchmark.trend],
        "slopes": None if benchmark.slopes is None else {
            "window_start": _date(benchmark.slopes["window_start"]),
            "window_end": _date(benchmark.slopes["window_end"]),
            **{k: finite(benchmark.slopes[k])
               for k in ("own_slope", "neighbours_slope", "slope_difference")}},
    }


def benchmark_rows(document: dict) -> list[dict]:
    """The document as long rows: ``part, comparison, area, period, measure, value``."""
    rows = []

    def add(part, comparison, area, period, measure, value):
        rows.append({"part": part, "comparison": comparison, "area": area,
                     "period": period, "measure": measure, "value": value})

    area = document["area"]
    for n in document["neighbours"]:
        add("neighbour", "", n["code"], "", "rank", n["rank"])
        add("neighbour", "", n["code"], "", "distance", n["distance"])
    for r in document["ranks"]:
        for measure in ("value", "rank", "group_size", "quartile"):
            add("rank", r["comparison"], area, r["period"], measure, r[measure])
    funnel = document["funnel"]
    if funnel is not None:
        add("funnel", "england", "", funnel["period"], "benchmark", funnel["benchmark"])
        for p in funnel["points"]:
            for measure in FUNNEL_POINT[2:]:
                add("funnel", "england", p["area"], funnel["period"], measure, p[measure])
    for t in document["trend"]:
        for measure in ("value", "neighbours_mean", "neighbours_with_value", "england"):
            add("trend", "", area, t["period"], measure, t[measure])
    slopes = document["slopes"]
    if slopes is not None:
        window = f"{slopes['window_start']}/{slopes['window_end']}"
        for measure in ("own_slope", "neighbours_slope", "slope_difference"):
            add("slope", "", area, window, measure, slopes[measure])
    return rows
