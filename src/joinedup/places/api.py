"""Areas in the API: the places figures are for, from England down to LSOAs."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.common.api import DETAIL_ERRORS, READ_ERRORS, Code, Page, PageQuery, page
from joinedup.places.models import Area, Level

router = Router(auth=READ)

class AreaOut(Schema):
    code: str = Field(description="The ONS code, such as E08000037.")
    name: str
    level: Level
    parent: str | None = Field(description="The code of the area this one lies in.")
    imd_rank: int | None = Field(description="IMD 2019 rank among English LSOAs; 1 is the "
                                 "most deprived.")
    imd_decile: int | None
    population: int | None
    url: str = Field(description="The area's page on the site.")


class AreaSummary(Schema):
    code: str
    name: str
    level: Level


class AreaDetail(AreaOut):
    ancestors: list[AreaSummary] = Field(description="The areas it lies in, largest first.")
    children: list[AreaSummary]


class AreaPage(Page):
    items: list[AreaOut]


class AreaQuery(PageQuery):
    level: Level | None = None
    parent: Code | None = Field(None, description="Only areas directly within this one "
                                "(its code).")


def _areas(user):
    return Area.objects.visible_to(user).without_boundaries().select_related("parent")


def area_item(area: Area) -> dict:
    return {
        "code": area.code, "name": area.name, "level": area.level,
        "parent": area.parent.code if area.parent_id else None,
        "imd_rank": area.imd_rank, "imd_decile": area.imd_decile,
        "population": area.population, "url": area.get_absolute_url(),
    }


def _summary(area: Area) -> dict:
    return {"code": area.code, "name": area.name, "level": area.level}


@router.get("", response={200: AreaPage, **READ_ERRORS}, summary="List areas",
            openapi_extra=OPTIONAL_TOKEN)
def list_areas(request, query: Query[AreaQuery]):
    """Areas by name; filter by level or by the area they lie in."""
    areas = _areas(request.auth).order_by("name", "code")
    if query.level:
        areas = areas.filter(level=query.level)
    if query.parent:
        areas = areas.filter(parent__code__iexact=query.parent.strip())
    return page(areas, query, area_item)


@router.get("/{code}", response={200: AreaDetail, **DETAIL_ERRORS},
            summary="One area, with where it lies and what lies within it",
            openapi_extra=OPTIONAL_TOKEN)
def get_area(request, code: Code):
    """One area by its code."""
    area = _areas(request.auth).filter(code__iexact=code.strip()).first()
    if area is None:
        raise HttpError(404, f"There is no area with the code {code!r}.")
    children = _areas(request.auth).filter(parent=area).order_by("name")
    return {**area_item(area), "ancestors": [_summary(a) for a in area.ancestors()],
            "children": [_summary(a) for a in children]}
