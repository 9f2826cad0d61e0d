"""What the pages show of stored assessments. Reads results; never computes statistics."""

from __future__ import annotations

from dataclasses import dataclass, field

from joinedup.assessment.models import Assessment, AssessmentRun, Flag, Gap, GapTrend
from joinedup.common import charts

HISTORY_IN_FAN = 12


@dataclass
class SeriesAssessment:
    area: object
    rows: list[Assessment]
    latest: Assessment | None
    run: AssessmentRun | None
    spc_chart: str | None = None
    forecast_chart: str | None = None
    flags: list[Flag] = field(default_factory=list)


def latest_by_series(indicators, user) -> dict[tuple[int, int], Assessment]:
    """Each (indicator, area)'s latest assessed figure."""
    rows = Assessment.objects.visible_to(user).filter(indicator__in=indicators, is_latest=True)
    return {(row.indicator_id, row.area_id): row for row in rows}


def open_flags(user, **filters):
    return (Flag.objects.visible_to(user).filter(cleared_at__isnull=True, **filters)
            .select_related("indicator", "area").order_by("indicator__code", "area__name", "kind"))


def series_assessment(indicator, area, user) -> SeriesAssessment | None:
    rows = list(Assessment.objects.visible_to(user).filter(indicator=indicator, area=area)
                .select_related("run").order_by("period_start", "period_end"))
    if not rows:
        return None
    latest = next((row for row in reversed(rows) if row.is_latest), rows[-1])
    result = SeriesAssessment(area=area, rows=rows, latest=latest, run=latest.run,
                              flags=list(open_flags(user, indicator=indicator, area=area)))
    result.spc_chart = _spc(indicator, area, rows, latest)
    result.forecast_chart = _fan(indicator, area, rows, latest)
    return result


def spc_points(rows) -> list[dict]:
    """The points of a control chart (``charts.spc_chart``): each assessed figure with its
    process limits, from rows in period order."""
    return [
        {"start": r.period_start.isoformat(), "period": r.period, "value": r.value,
         "variation": r.variation, "outlier": r.outlier, "mean": r.spc_mean,
         "lower": r.spc_lower, "upper": r.spc_upper, "lower_2sigma": r.spc_lower_2sigma,
         "upper_2sigma": r.spc_upper_2sigma}
        for r in rows if r.value is not None and r.spc_mean is not None
    ]


def fan_points(rows, latest) -> tuple[list[dict], dict]:
    """A forecast fan's history and forecast (``charts.forecast_chart``): the last
    ``HISTORY_IN_FAN`` figures of rows in period order, and ``latest``'s forecast."""
    from joinedup.core.periods import parse_period

    history = [{"start": r.period_start.isoformat(), "value": r.value}
               for r in rows if r.value is not None][-HISTORY_IN_FAN:]
    start = parse_period(latest.forecast_period).start.isoformat()
    forecast = {"start": start, "value": latest.forecast,
                "lower80": latest.forecast_lower80, "upper80": latest.forecast_upper80,
                "lower95": latest.forecast_lower95, "upper95": latest.forecast_upper95}
    return history, forecast


def _spc(indicator, area, rows, latest) -> str | None:
    points = spc_points(rows)
    if len(points) < 2:
        return None
    specials = sum(1 for p in points if p["variation"] != "common_cause")
    outliers = sum(1 for p in points if p["outlier"])
    label = (f"Statistical process control chart of {indicator.title} in {area.name}: "
             f"{len(points)} points, the mean and process limits"
             f"{', with the target' if latest.target is not None else ''}; "
             f"{specials} point{'s' if specials != 1 else ''} show special cause variation"
             f"{f' and {outliers} are marked as unusual figures' if outliers else ''}. "
             "The figures are in the table below.")
    spec = charts.spc_chart(points, unit=indicator.unit, target=latest.target)
    return charts.render_svg(spec, label=label)


def _fan(indicator, area, rows, latest) -> str | None:
    if latest.forecast is None:
        return None
    history, forecast = fan_points(rows, latest)
    chance = (f"; the chance of meeting the target of {latest.target:g} is "
              f"{round(100 * latest.p_meet_target)}%" if latest.p_meet_target is not None else "")
    label = (f"Forecast of {indicator.title} in {area.name} to {latest.forecast_period}: "
             f"{latest.forecast:.{indicator.decimals}f} {indicator.unit}, with 80% and 95% "
             f"prediction intervals{chance}.")
    spec = charts.forecast_chart(history, forecast, unit=indicator.unit, target=latest.target)
    return charts.render_svg(spec, label=label)


MEASURE_WORDS = {
    "range": "Range (highest − lowest)",
    "iqr_gap": "Inter-quartile gap",
    "quintile_gap": "Most deprived fifth − the rest",
    "sii": "Slope index of inequality",
}


def gaps_for(indicator, user) -> list[dict]:
    """Per level: the gaps between areas by period, and whether each gap is narrowing."""
    gaps = list(Gap.objects.visible_to(user).filter(indicator=indicator).order_by(
        "level", "-period_start"))
    trends = list(GapTrend.objects.visible_to(user).filter(indicator=indicator))
    levels = []
    for level in dict.fromkeys(g.level for g in gaps):
        from joinedup.places.models import Level

        levels.append({
            "level": Level(level).label if level in Level.values else level,
            "rows": [g for g in gaps if g.level == level],
            "trends": [{"words": MEASURE_WORDS.get(t.measure, t.measure), "trend": t}
                       for t in trends if t.level == level and t.narrowing],
        })
    return levels
