"""Two tiers in the API: each county outcome with the county's own figures and each
district partnership's contribution (``reports.contributions``), as the caller may see."""

from __future__ import annotations

from ninja import Field, Router, Schema

from joinedup.common.api import READ_ERRORS, finite
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.reports.contributions import Measure, counties, districts_of, rollup
from joinedup.strategy.models import Strategy

router = Router(auth=READ)


class MeasureOut(Schema):
    code: str
    title: str
    area: str = Field(description="Where the figure is judged: the county or the district.")
    period: str | None
    value: float | None
    direction: str | None
    status: str | None = Field(description="None when the series has no figure yet.")


class DistrictOut(Schema):
    strategy: str
    name: str
    area: str
    measures: list[MeasureOut]


class OutcomeOut(Schema):
    outcome: str
    theme: str
    county: list[MeasureOut]
    districts: list[DistrictOut]


class CountyOut(Schema):
    county: str = Field(description="The county strategy's slug.")
    name: str
    area: str
    districts: list[str] = Field(description="Slugs of the district strategies the caller "
                                 "may see.")
    outcomes: list[OutcomeOut]


def _measure(measure: Measure, area_code: str) -> dict:
    latest = measure.assessment
    return {"code": measure.indicator.code, "title": measure.indicator.title,
            "area": area_code, "period": latest.period if latest else None,
            "value": finite(latest.value) if latest else None,
            "direction": latest.direction if latest else None,
            "status": latest.status if latest else None}


def _county(county: Strategy, user) -> dict:
    return {
        "county": county.slug, "name": county.name, "area": county.area.code,
        "districts": [d.slug for d in districts_of(county, user)],
        "outcomes": [{
            "outcome": entry.outcome.title, "theme": entry.outcome.theme.name,
            "county": [_measure(m, county.area.code) for m in entry.county],
            "districts": [{
                "strategy": part.strategy.slug, "name": part.strategy.name,
                "area": part.strategy.area.code,
                "measures": [_measure(m, part.strategy.area.code) for m in part.measures]}
                for part in entry.districts],
        } for entry in rollup(county, user)],
    }


@router.get("", response={200: list[CountyOut], **READ_ERRORS},
            summary="What each district contributes",
            openapi_extra=OPTIONAL_TOKEN)
def list_contributions(request):
    """For each county with district partnerships (usually one; none where the partnership
    has a single tier): each county outcome, the county's own indicators judged in the
    county, and each district's indicators that roll up to it, judged in the district."""
    return [_county(county, request.auth) for county in counties(request.auth)]
