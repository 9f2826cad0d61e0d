"""Maps in the API: an indicator's figures across the wards or LSOAs of the partnership's
district as GeoJSON, each area with its figure and class, and the classes on top."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from joinedup.common.api import DETAIL_ERRORS, Code, text
from joinedup.core.choropleth import DEFAULT_CLASSES, FEWEST_CLASSES, MOST_CLASSES
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.places import choropleth
from joinedup.returns.models import DataValue
from joinedup.strategy.api import indicator_or_404

router = Router(auth=READ)


class MapQuery(Schema):
    level: Literal["ward", "lsoa"] = Field("ward", description="Wards or LSOAs.")
    period: text(40) | None = Field(None, description="A period with figures at that "
                                    "level, such as 'mid-2020'; the latest if left out.")
    classes: Literal["quantiles", "natural_breaks"] = Field(
        "quantiles", description="How the breaks between classes are found.")
    k: int = Field(DEFAULT_CLASSES, ge=FEWEST_CLASSES, le=MOST_CLASSES,
                   description="How many classes at most; fewer where there are fewer "
                   "distinct figures.")


class MapProperties(Schema):
    code: str
    name: str
    value: float | None = Field(description="The figure; null where there is none.")
    class_: int | None = Field(alias="class", description="1 for the lowest class; null "
                               "where there is no figure.")


class MapFeature(Schema):
    type: Literal["Feature"]
    geometry: dict | None = Field(description="GeoJSON geometry in WGS84 longitude and "
                                  "latitude; null where the area has no boundary.")
    properties: MapProperties


class MapClass(Schema):
    class_: int = Field(alias="class")
    lower: float = Field(description="The lowest figure of the first class; for the "
                         "others, the break below (figures above it belong).")
    upper: float = Field(description="The break above: figures up to it belong.")
    label: str
    colour: str = Field(description="The shade on the site's map; darker is worse.")


class MapOut(Schema):
    type: Literal["FeatureCollection"]
    indicator: str
    level: str
    period: str
    periods: list[str] = Field(description="Every period with figures, latest first.")
    method: str
    method_name: str
    breaks: list[float] = Field(description="Each class's upper edge, lowest first; the "
                                "last is the highest figure.")
    lowest: float
    classes: list[MapClass]
    darker: str = Field(description="What a darker shade means.")
    aggregated_from_lsoas: Literal["sum", "mean"] | None = Field(
        description="Set where the indicator has no ward figures, so each ward's is its "
        "LSOAs' sum (a count) or population-weighted mean (a rate).")
    no_figure: list[str] = Field(description="Names of the areas without a figure.")
    features: list[MapFeature]


@router.get("/{code}", response={200: MapOut, **DETAIL_ERRORS}, by_alias=True,
            summary="An indicator's map by ward or LSOA, as GeoJSON",
            openapi_extra=OPTIONAL_TOKEN)
def indicator_map(request, code: Code, query: Query[MapQuery]):
    """The approved figures you may see, classed by quantiles or natural breaks."""
    indicator = indicator_or_404(request.auth, code)
    figures = DataValue.objects.visible_to(request.auth).filter(
        indicator=indicator, state=DataValue.State.APPROVED)
    try:
        drawn = choropleth.build(indicator, figures, level=query.level, period=query.period,
                                 method=query.classes, k=query.k)
    except choropleth.NoMap as reason:
        raise HttpError(404, str(reason)) from None
    return drawn.feature_collection()
