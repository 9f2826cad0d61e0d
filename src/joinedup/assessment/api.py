"""Stored assessments in the API: the judgement of each series' latest figure.

The API reads what the last run stored and computes nothing. An assessment is as
confidential as its indicator: one the caller may not see never appears. Assessments are
made from approved figures only, so they never reveal a draft.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.common.api import READ_ERRORS, Code, Page, PageQuery, finite, page
from joinedup.assessment.models import Assessment
from joinedup.core.status import STATUSES

router = Router(auth=READ)

NUMBERS = (
    "value", "status_target", "spc_mean", "spc_lower", "spc_upper", "spc_lower_2sigma",
    "spc_upper_2sigma", "outlier_score", "target", "forecast", "forecast_lower80",
    "forecast_upper80", "forecast_lower95", "forecast_upper95", "p_meet_target",
)
WORDS = (
    "status", "status_target_period", "direction", "direction_previous", "direction_year",
    "spc_signal", "spc_side", "variation", "assurance", "outlier_reason", "forecast_period",
    "forecast_method", "forecast_reason",
)


class AssessmentOut(Schema):
    indicator: str
    area: str
    period: str
    period_start: date
    period_end: date
    is_latest: bool = Field(description="Whether this is the series' latest figure.")
    run: int = Field(description="The assessment run that stored it.")
    assessed_at: datetime
    value: float | None
    status: str = Field(description="Against target: green, amber, red or grey.")
    status_target: float | None
    status_target_period: str
    direction: str = Field(description="improving, no_change, worsening or none.")
    direction_previous: str
    direction_year: str
    worsening_run: int
    spc_mean: float | None
    spc_lower: float | None
    spc_upper: float | None
    spc_lower_2sigma: float | None
    spc_upper_2sigma: float | None
    spc_signal: str
    spc_side: str
    spc_trial_limits: bool = Field(description="Fewer than 12 points: the limits are trial.")
    variation: str
    assurance: str
    outlier: bool
    outlier_score: float | None
    outlier_reason: str
    target: float | None
    forecast_period: str
    forecast: float | None
    forecast_lower80: float | None
    forecast_upper80: float | None
    forecast_lower95: float | None
    forecast_upper95: float | None
    p_meet_target: float | None = Field(description="Chance of meeting the target.")
    forecast_method: str
    forecast_reason: str


class AssessmentPage(Page):
    items: list[AssessmentOut]


class AssessmentQuery(PageQuery):
    indicator: Code | None = Field(None, description="An indicator code, such as 'HW 02'.")
    area: Code | None = Field(None, description="An area code.")
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    latest: bool = Field(True, description="Only each series' latest figure (the default); "
                         "false gives every stored period.")


def assessment_item(row: Assessment) -> dict:
    return {
        "indicator": row.indicator.code, "area": row.area.code, "period": row.period,
        "period_start": row.period_start, "period_end": row.period_end,
        "is_latest": row.is_latest, "run": row.run_id,
        "assessed_at": row.run.finished_at or row.run.started_at,
        "worsening_run": row.worsening_run, "spc_trial_limits": row.spc_trial_limits,
        "outlier": row.outlier,
        **{name: finite(getattr(row, name)) for name in NUMBERS},
        **{name: getattr(row, name) or "" for name in WORDS},
    }


@router.get("", response={200: AssessmentPage, **READ_ERRORS},
            summary="List stored assessments", openapi_extra=OPTIONAL_TOKEN)
def list_assessments(request, query: Query[AssessmentQuery]):
    """Each series' latest assessed figure, for indicators the caller may see."""
    rows = (Assessment.objects.visible_to(request.auth)
            .select_related("indicator", "area", "run")
            .order_by("indicator__code", "area__code", "period_start", "period_end"))
    if query.latest:
        rows = rows.filter(is_latest=True)
    if query.indicator:
        chosen = query.indicator.strip()
        rows = rows.filter(Q(indicator__code__iexact=chosen) | Q(indicator__slug=chosen.lower()))
    if query.area:
        rows = rows.filter(area__code__iexact=query.area.strip())
    if query.status:
        rows = rows.filter(status=query.status)
    return page(rows, query, assessment_item)
