"""Each exception's two charts, drawn for a pack: sized for an A4 page and labelled to read.

The web pages draw a series' SPC chart and forecast fan (``assessment.pages``) to be read
on a screen, where a reader can widen the window. A pack is printed: its two charts sit
side by side, each half a page wide, their text is larger, and their time axis says which
years the figures are for, with no more labels than fit (a twenty-year series labelled
every year runs its labels together on paper; a three-year series of financial years
labelled by month names no year at all). The charts themselves are the same:
``common.charts`` makes both specifications, from the same points (``assessment.pages``);
only the size, the text and the time axis are the pack's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from joinedup.assessment.models import Assessment
from joinedup.assessment.pages import HISTORY_IN_FAN, fan_points, spc_points
from joinedup.common import charts

#: The two charts are printed side by side, each about 85 mm wide.
WIDTH = 330
SPC_HEIGHT = 220
FAN_HEIGHT = 220
#: At most this many labels on a time axis half a page wide.
MOST_LABELS = 5
#: Text as large as the page's own once the chart is shrunk to its 85 mm.
PRINT_CONFIG = {
    "axis": {**charts.BASE_CONFIG["axis"], "labelFontSize": 14, "titleFontSize": 14,
             "labelOverlap": "greedy", "labelSeparation": 6},
    "legend": {**charts.BASE_CONFIG["legend"], "labelFontSize": 14, "symbolSize": 110},
}


@dataclass
class SeriesCharts:
    """A series' charts for a pack, and what its captions need to say."""

    spc: str | None
    forecast: str | None
    points: int
    target: float | None
    forecast_period: str


def series_charts(indicator, area, user) -> SeriesCharts | None:
    rows = list(Assessment.objects.visible_to(user).filter(indicator=indicator, area=area)
                .order_by("period_start", "period_end"))
    if not rows:
        return None
    latest = next((row for row in reversed(rows) if row.is_latest), rows[-1])
    figures = [row for row in rows if row.value is not None]
    limits = [row for row in figures if row.spc_mean is not None]
    return SeriesCharts(
        spc=_spc(indicator, area, limits, latest) if len(limits) >= 2 else None,
        forecast=_fan(indicator, area, figures, latest) if latest.forecast is not None
        else None,
        points=len(limits), target=latest.target, forecast_period=latest.forecast_period)


def _spc(indicator, area, rows, latest) -> str:
    spec = charts.spc_chart(spc_points(rows), unit=indicator.unit, target=latest.target,
                            width=WIDTH, height=SPC_HEIGHT, config=PRINT_CONFIG,
                            axis=_print_axis(rows))
    target = f", with the target of {latest.target:g}" if latest.target is not None else ""
    return charts.render_svg(spec, label=(
        f"Statistical process control chart of {indicator.title} in {area.name}: "
        f"{len(rows)} figures from {rows[0].period} to {rows[-1].period}, with the mean "
        f"and process limits{target}."))


def _fan(indicator, area, rows, latest) -> str:
    history, forecast = fan_points(rows, latest)
    shown = rows[-HISTORY_IN_FAN:]
    ahead = dt.date.fromisoformat(forecast["start"])
    spec = charts.forecast_chart(history, forecast, unit=indicator.unit, target=latest.target,
                                 width=WIDTH, height=FAN_HEIGHT, config=PRINT_CONFIG,
                                 axis=_print_axis(shown, until=ahead))
    chance = (f"; a {round(100 * latest.p_meet_target)}% chance of meeting the target"
              if latest.p_meet_target is not None else "")
    return charts.render_svg(spec, label=(
        f"Forecast of {indicator.title} in {area.name} to {latest.forecast_period}: "
        f"{latest.forecast:.{indicator.decimals}f} {indicator.unit}, with 80% and 95% "
        f"prediction intervals{chance}."))


def _print_axis(rows, until=None) -> dict:
    """The pack's time axis: labelled by the year when the figures are for whole years,
    with at most ``MOST_LABELS`` labels."""
    return charts.time_axis(
        [r.period_start for r in rows] + ([until] if until else []),
        yearly=all((r.period_end - r.period_start).days >= 360 for r in rows),
        most=MOST_LABELS)
