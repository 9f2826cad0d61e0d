"""GET /api/areas/maps/{code}: an indicator's map as GeoJSON."""

from __future__ import annotations

import pytest

from joinedup.core.choropleth import classify
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db


def test_the_ward_map_as_geojson(api):
    answer = api(None).get("/api/areas/maps/NG%2007", level="ward")
    assert answer.status_code == 200
    body = answer.json()
    assert body["type"] == "FeatureCollection" and body["period"] == "mid-2020"
    assert body["method"] == "quantiles" and body["aggregated_from_lsoas"] is None
    stored = {v.area.code: v.value for v in DataValue.objects.filter(
        indicator__code="NG 07", period="mid-2020", area__level="ward").select_related("area")}
    features = body["features"]
    assert {f["properties"]["code"]: f["properties"]["value"] for f in features} == stored
    assert {f["properties"]["name"] for f in features} == set(
        Area.objects.filter(level="ward").values_list("name", flat=True))
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    expected = classify([f["properties"]["value"] for f in features], "quantiles", 5)
    assert body["breaks"] == pytest.approx(list(expected.breaks))
    assert [f["properties"]["class"] for f in features] == [c + 1 for c in expected.of]
    assert [c["colour"] for c in body["classes"]] == [
        "#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]


def test_lsoas_by_natural_breaks_for_a_period(api):
    body = api(None).get("/api/areas/maps/ng-07", level="lsoa", period="mid-2015",
                         classes="natural_breaks", k=4).json()
    assert body["period"] == "mid-2015" and body["method"] == "natural_breaks"
    assert len(body["features"]) == 126 and len(body["breaks"]) == 4


def test_areas_without_a_figure_have_a_null_value_and_class(api):
    DataValue.objects.filter(indicator__code="NG 07", period="mid-2020",
                             area__name="Felling").update(state="draft")
    body = api(None).get("/api/areas/maps/NG%2007").json()
    felling = next(f for f in body["features"] if f["properties"]["name"] == "Felling")
    assert felling["properties"]["value"] is None and felling["properties"]["class"] is None
    assert body["no_figure"] == ["Felling"]


@pytest.mark.parametrize("persona, status", [
    (None, 404), ("police", 404), ("theme_lead", 200), ("officer", 200)])
def test_a_restricted_indicators_map_is_not_found_for_outsiders(api, persona, status):
    Indicator.objects.filter(code="NG 07").update(visibility="restricted")
    assert api(persona).get("/api/areas/maps/NG%2007").status_code == status


def test_bad_parameters_are_refused(api):
    assert api(None).get("/api/areas/maps/NG%2007", k=9).status_code == 422
    assert api(None).get("/api/areas/maps/NG%2007", classes="equal").status_code == 422
    assert api(None).get("/api/areas/maps/NG%2007", period="2001").status_code == 404
