"""An operation's measured impact, for its page.

The counts are the figures of the indicator the operation is measured on (a monthly count
by LSOA, such as the police's anti-social behaviour incidents), as far as the reader may
see them. ``core.impact`` matches each target area to its nearest areas on their level
before and their deprivation (IMD 2019 rank), and estimates the relative change from the
operation's first month to its follow-up as a difference in differences with a 95%
interval; the page says it in words, with the method, a chart of the targets against what
their comparison predicts, and the figures in a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from joinedup.common import charts
from joinedup.core.impact import ImpactError, impact_series, measure_impact
from joinedup.returns.models import DataValue

MATCHES = 5


@dataclass
class Impact:
    reason: str = ""
    estimate: float | None = None
    lower95: float | None = None
    upper95: float | None = None
    comparison_areas: int = 0
    pre_fit: float | None = None
    sentence: str = ""
    method: str = ""
    caption: str = ""
    table_caption: str = ""
    chart: str = ""
    rows: list[dict] = field(default_factory=list)


def counts_for(indicator, user) -> pl.DataFrame:
    """``area, period, count, deprivation`` from the indicator's monthly LSOA figures."""
    rows = list(DataValue.objects.visible_to(user)
                .filter(indicator=indicator, area__level="lsoa", area__imd_rank__isnull=False)
                .values_list("area__code", "period_start", "value", "area__imd_rank"))
    return pl.DataFrame(rows, orient="row", schema={
        "area": pl.String, "period": pl.Date, "count": pl.Float64, "deprivation": pl.Int64})


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def measured(operation, user) -> Impact:
    indicator = operation.measured_by
    if indicator is None:
        return Impact(reason="The operation's impact is not measured: no indicator is named "
                             "to measure it on.")
    counts = counts_for(indicator, user)
    targets = list(operation.target_areas.filter(level="lsoa").values_list("code", flat=True))
    if counts.is_empty() or not targets:
        return Impact(reason=f"The impact is not measured: there are no monthly figures of "
                             f"{indicator.title.lower()} for its target LSOAs that you may "
                             "see.")
    last = counts["period"].max()
    start, end = _month(operation.starts), min(_month(operation.follow_up), last)
    try:
        found = measure_impact(counts, targets, start, end, matches=MATCHES).row(0, named=True)
        series = impact_series(counts, targets, start, end, matches=MATCHES)
    except ImpactError as refused:
        return Impact(reason=f"The impact cannot be measured: {refused}.")
    what = indicator.title.lower()
    change = "fewer" if found["estimate"] < 0 else "more"
    window = f"{start:%B %Y} to {end:%B %Y}"
    return Impact(
        estimate=found["estimate"], lower95=found["lower95"], upper95=found["upper95"],
        comparison_areas=found["comparison_areas"], pre_fit=found["pre_fit"],
        sentence=(f"From {window}, the {found['target_areas']} target areas recorded "
                  f"{abs(found['estimate']):.0%} {change} {what} than their "
                  f"{found['comparison_areas']} comparison areas predict (95% interval "
                  f"{found['lower95']:+.0%} to {found['upper95']:+.0%})."
                  + (" The interval includes no change, so this could be chance."
                     if found["lower95"] < 0 < found["upper95"] else "")),
        method=(f"Method: {found['method']}. Each target LSOA is matched to its {MATCHES} "
                "nearest LSOAs that were not targets, on their monthly level over the "
                f"{found['months_before']} months before and on their IMD 2019 rank; the "
                f"estimate compares {window} with those months. Before the operation, the "
                f"targets' ratio to their comparison varied by {found['pre_fit']:.2f} on the "
                "log scale (lower is a closer match)." if found["pre_fit"] is not None else
                f"Method: {found['method']}."),
        caption=(f"{indicator.title} in the target areas each month, and what their "
                 "comparison areas predict, scaled to the targets' level before."),
        table_caption=f"{indicator.title} by month: the target areas and their comparison",
        chart=_chart(series, start, end, indicator.title),
        rows=[{"month": f"{row['period']:%B %Y}", "during": row["phase"] == "during",
               "target": f"{row['target']:,.0f}", "comparison": f"{row['expected']:,.1f}"}
              for row in series.filter(pl.col("phase") != "after").iter_rows(named=True)])


def _chart(series: pl.DataFrame, start: dt.date, end: dt.date, title: str) -> str:
    points = [{"month": row["period"].isoformat(), "what": what, "count": value}
              for row in series.iter_rows(named=True)
              for what, value in (("Target areas", row["target"]),
                                  ("Comparison, scaled", row["expected"]))
              if row["phase"] != "after"]
    spec = {
        "width": 640, "height": 260,
        "layer": [
            {"data": {"values": [{"from": start.isoformat(), "to": end.isoformat()}]},
             "mark": {"type": "rect", "color": "#f3f2f1"},
             "encoding": {"x": {"field": "from", "type": "temporal"},
                          "x2": {"field": "to"}}},
            {"data": {"values": points},
             "mark": {"type": "line", "point": True},
             "encoding": {
                 "x": {"field": "month", "type": "temporal", "title": "Month"},
                 "y": {"field": "count", "type": "quantitative", "title": title},
                 "color": {"field": "what", "type": "nominal", "title": None,
                           "scale": {"range": [charts.SERIES_COLOURS[0], "#505a5f"]}},
                 "strokeDash": {"field": "what", "type": "nominal", "legend": None,
                                "scale": {"range": [[1, 0], [6, 4]]}}}},
        ],
    }
    return charts.render_svg(spec, label=f"{title}: the target areas against their "
                                         "comparison, by month; the shaded band is the "
                                         "period measured.")
