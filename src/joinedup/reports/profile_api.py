"""Locality profiles in the API: what the partnership knows about one area, as the profile
page gives it (``reports.profiles``), with what the caller may see."""

from __future__ import annotations

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from joinedup.common.api import DETAIL_ERRORS, Code, finite
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.places.models import Area
from joinedup.reports.profiles import profile

router = Router(auth=READ)


class ProfileIndicatorOut(Schema):
    code: str
    title: str
    period: str
    value: float | None
    parent: float | None = Field(description="The parent area's figure, same period.")
    england: float | None = Field(description="England's figure, same period.")
    direction: str
    status: str


class DeprivationOut(Schema):
    measure: str
    lsoas: int
    population: int
    average_rank: float = Field(description="Population-weighted; 1 is most deprived.")
    most_deprived_10: float = Field(description="Share of residents in England's most "
                                    "deprived 10% of LSOAs.")
    most_deprived_20: float


class SpendOut(Schema):
    theme: str
    budget: float
    per_head: float | None


class ProfileOut(Schema):
    area: str
    name: str
    level: str
    parent: str | None
    population: int | None
    ages: dict[str, int] = Field(description="Residents by broad age, mid-2020.")
    indicators: list[ProfileIndicatorOut]
    not_measured: list[str] = Field(description="Codes of the indicators of the area's "
                                    "level with no figure there.")
    deprivation: list[DeprivationOut]
    spend_year: str | None
    spend_per_head: float | None
    spend: list[SpendOut]
    open_exceptions: int
    risks: list[str]
    chosen_outcomes: list[str]
    operations: list[str]


@router.get("/{code}", response={200: ProfileOut, **DETAIL_ERRORS},
            summary="One area's locality profile", openapi_extra=OPTIONAL_TOKEN)
def get_profile(request, code: Code):
    """The profile of any area by its code, with the figures the caller may see."""
    area = Area.objects.visible_to(request.auth).select_related("parent").filter(
        code__iexact=code.strip()).first()
    if area is None:
        raise HttpError(404, f"There is no area {code!r}.")
    found = profile(area, request.auth)
    return {
        "area": area.code, "name": area.name, "level": area.level,
        "parent": area.parent.code if area.parent_id else None,
        "population": area.population,
        "ages": {label: people for label, people, _ in found.ages},
        "indicators": [{
            "code": row["indicator"].code, "title": row["indicator"].title,
            "period": row["assessment"].period, "value": finite(row["assessment"].value),
            "parent": finite(row["parent"]), "england": finite(row["england"]),
            "direction": row["assessment"].direction, "status": row["assessment"].status}
            for row in found.indicators],
        "not_measured": [i.code for i in found.not_measured],
        "deprivation": [{k: row[k] for k in ("measure", "lsoas", "population",
                                             "average_rank", "most_deprived_10",
                                             "most_deprived_20")}
                        for row in found.deprivation],
        "spend_year": found.spend_year, "spend_per_head": finite(found.spend_per_head),
        "spend": [{**row, "per_head": finite(row["per_head"])} for row in found.spend],
        "open_exceptions": len(found.exceptions),
        "risks": [risk.title for risk in found.risks],
        "chosen_outcomes": [choice.outcome.title for choice in found.chosen],
        "operations": [operation.slug for operation in found.operations],
    }
