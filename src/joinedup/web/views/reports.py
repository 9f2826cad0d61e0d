"""Each layer's zero-based exception report: only its exceptions, and a line on the rest.

What a layer is shown is decided in ``reports.layers``; this page adds each exception's
charts (for the widest area it is flagged in) and says which period it covers. The same
entries are listed in the performance-exceptions item of the body's meetings.

A short report (the Board's) draws its charts in the page, and keeps them until the next
assessment run, so a reader who comes back does not wait for them again. A long one (the
management group's sees every open exception) leaves the browser to fetch each chart from
the exception's own chart address as it scrolls into view: drawing fifty exceptions'
charts at once would keep the reader waiting seconds for megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404

from joinedup.assessment.pages import SeriesAssessment, series_assessment
from joinedup.core.periods import PeriodError, parse_period
from joinedup.exceptions.models import IndicatorException
from joinedup.exceptions.pages import charts_version, mark_charts
from joinedup.partnership.models import Body
from joinedup.reports.finance import finance_slot
from joinedup.reports.forum_outcomes import forum_outcomes
from joinedup.reports.risks import risk_slot
from joinedup.reports.layers import (
    BOARD_KINDS,
    EXECUTIVE_KINDS,
    LayerReport,
    ReportItem,
    layer_report,
)
from joinedup.web import page_cache

#: The most exceptions a report draws the charts of in the page itself.
CHARTS_IN_PAGE = 10


@dataclass(frozen=True)
class Charts:
    """What a report shows of one series' stored assessment: its control chart and its
    forecast chart, as inline SVG, and the words beside them."""

    spc_chart: str | None = None
    forecast_chart: str | None = None
    trial_limits: bool = False
    forecast_period: str = ""
    p_meet_target: float | None = None

    @classmethod
    def of(cls, series: SeriesAssessment | None) -> Charts:
        if series is None:
            return cls()
        latest = series.latest
        return cls(spc_chart=series.spc_chart, forecast_chart=series.forecast_chart,
                   trial_limits=bool(latest.spc_trial_limits),
                   forecast_period=latest.forecast_period or "",
                   p_meet_target=latest.p_meet_target)


def series_charts(indicator, area, user, version: str) -> Charts:
    """One series' charts (``assessment.pages.series_assessment``), kept until ``version``
    changes (``exceptions.pages.charts_version``). They are the same for everyone who may see the indicator: its assessments are
    visible exactly when it is."""
    key = f"report-charts:{indicator.pk}:{area.pk}:{version}"
    charts = cache.get(key)
    if charts is None:
        charts = Charts.of(series_assessment(indicator, area, user))
        cache.set(key, charts, timeout=24 * 3600)
    return charts


@dataclass
class ReportEntry:
    """One exception in a report, with the charts for its headline area: drawn in the page
    (``charts``), or to be fetched from the exception's chart addresses (``has_…``)."""

    item: ReportItem
    charts: Charts | None = None
    has_spc_chart: bool = False
    has_forecast_chart: bool = False
    #: On a Board meeting's page, for those who may minute: the form for the Board's
    #: decision on it.
    minute_form: object = None

    @property
    def indicator(self):
        return self.item.indicator

    @property
    def headline_area(self):
        return self.item.headline_area


def chosen_period(request) -> tuple[str | None, str]:
    """The period asked for (its canonical label, or None for every period), and a
    sentence saying what was wrong with it when it is not a period."""
    text = (request.GET.get("period") or "").strip()
    if not text:
        return None, ""
    try:
        return parse_period(text).label, ""
    except PeriodError:
        return None, (f"{text!r} is not a period, so the report shows every period. Choose "
                      "one from the list.")


def meeting_period(meeting) -> str | None:
    """The period a meeting looks at, or None (every period) when it names none we read."""
    try:
        return parse_period(meeting.period).label if meeting.period else None
    except PeriodError:
        return None


def with_minuted_meetings(report: LayerReport) -> LayerReport:
    """Load the body of every meeting a minute was taken at, in one query, so the minutes
    can link to their meetings."""
    meetings = [decision.meeting for item in report.items for decision in item.board_decisions
                if decision.meeting is not None]
    prefetch_related_objects(meetings, "body")
    return report


def report_themes(report: LayerReport, user, *, charts: bool = True) -> list[tuple]:
    """The report's exceptions by theme, (theme, [ReportEntry]), with their charts."""
    groups = [(group.theme, [ReportEntry(item) for item in group.items])
              for group in report.by_theme]
    entries = [entry for _theme, group in groups for entry in group]
    if not charts:
        return groups
    if len(entries) > CHARTS_IN_PAGE:
        mark_charts(entries, user)
        return groups
    version = charts_version() if entries else ""
    for entry in entries:
        area = entry.headline_area
        entry.charts = series_charts(entry.indicator, area, user, version) if area else None
    return groups


def management_group(body, user) -> Body | None:
    """The executive the Board's exceptions come through: its own, else the partnership's."""
    executives = Body.objects.visible_to(user).filter(kind__in=EXECUTIVE_KINDS).order_by(
        "order", "name")
    return executives.filter(parent=body).first() or executives.first()


def period_choices(user) -> list[str]:
    """The periods of the exceptions a person may see, earliest first."""
    rows = (IndicatorException.objects.visible_to(user).order_by("period_end", "period")
            .values_list("period", flat=True).distinct())
    return list(dict.fromkeys(rows))


@login_required
def report(request, slug):
    return page_cache.cached_page(request, "partnership/report.html",
                                  lambda: _report_context(request, slug))


def _report_context(request, slug) -> dict:
    user = request.user
    body = get_object_or_404(Body.objects.visible_to(user).select_related("area"), slug=slug)
    period, period_problem = chosen_period(request)
    layer = with_minuted_meetings(layer_report(body, user, period=period))
    is_board = body.kind in BOARD_KINDS
    themes = report_themes(layer, user)
    context = {
        "body": body,
        "report": layer,
        "period": period,
        "period_problem": period_problem,
        "periods": period_choices(user),
        "themes": themes,
        "charts_version": charts_version() if any(
            e.has_spc_chart or e.has_forecast_chart for _t, group in themes for e in group)
        else 0,
        "is_board": is_board,
        "is_executive": body.kind in EXECUTIVE_KINDS,
        "management_group": management_group(body, user) if is_board else None,
        "finance": finance_slot(user) if is_board else None,
        "risks": risk_slot(user, body=None if is_board else body),
        "forum_outcomes": forum_outcomes(body, user) if body.kind == "area_forum" else None,
    }
    return context
