"""The figures a map draws: the demo partnership's wards and LSOAs, and ward figures made
from LSOA figures through the Area tree."""

from __future__ import annotations

import pytest

from joinedup.core.choropleth import classify
from joinedup.places import choropleth
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db


def approved(indicator):
    return DataValue.objects.filter(indicator=indicator, state="approved")


def slow_wards_from_lsoas(indicator, period, how) -> dict[str, float]:
    """Each Gateshead ward's figure from its LSOAs, one ward at a time."""
    figures = {v.area_id: v.value for v in approved(indicator).filter(period=period)}
    result = {}
    for ward in Area.objects.filter(level="ward"):
        lsoas = list(Area.objects.filter(parent=ward, level="lsoa"))
        if how == "sum":
            result[ward.code] = sum(figures[lsoa.pk] for lsoa in lsoas)
        else:
            result[ward.code] = (sum(figures[lsoa.pk] * lsoa.population for lsoa in lsoas)
                                 / sum(lsoa.population for lsoa in lsoas))
    return result


def test_the_ward_map_draws_every_gateshead_ward_with_its_stored_figure():
    indicator = Indicator.objects.get(code="NG 07")
    drawn = choropleth.build(indicator, approved(indicator), level="ward")
    stored = {v.area.code: v.value for v in approved(indicator).filter(
        period="mid-2020", area__level="ward").select_related("area")}
    assert drawn.period == "mid-2020" and drawn.periods == ["mid-2020", "mid-2015"]
    assert len(drawn.areas) == 22 and drawn.aggregated is None and drawn.missing == []
    assert {a.code: a.value for a in drawn.areas} == stored
    values = [a.value for a in drawn.areas]
    assert [a.klass for a in drawn.areas] == list(classify(values, "quantiles", 5).of)


def test_the_lsoa_map_draws_all_126_lsoas():
    indicator = Indicator.objects.get(code="IL 08")
    drawn = choropleth.build(indicator, approved(indicator), level="lsoa",
                             method="natural_breaks", k=7)
    assert len(drawn.areas) == 126 and drawn.missing == []
    assert drawn.classes.count == 7 and drawn.method == "natural_breaks"


@pytest.mark.parametrize("code, how", [("NG 07", "sum"), ("IL 08", "mean")])
def test_wards_without_figures_take_their_lsoas_figures(code, how):
    indicator = Indicator.objects.get(code=code)
    lsoa_only = approved(indicator).exclude(area__level="ward")
    drawn = choropleth.build(indicator, lsoa_only, level="ward", period="mid-2020")
    assert drawn.aggregated == how
    expected = slow_wards_from_lsoas(indicator, "mid-2020", how)
    assert {a.code: a.value for a in drawn.areas} == pytest.approx(expected, rel=1e-12)
    if how == "sum":
        # Resident population adds up: the wards' own published figures, exactly.
        stored = {v.area.code: v.value for v in approved(indicator).filter(
            period="mid-2020", area__level="ward").select_related("area")}
        assert {a.code: a.value for a in drawn.areas} == stored


def test_a_ward_missing_one_lsoa_figure_has_no_figure():
    indicator = Indicator.objects.get(code="IL 08")
    birtley = Area.objects.get(code="E05001067")
    one_lsoa = Area.objects.filter(parent=birtley).order_by("code").first()
    figures = approved(indicator).exclude(area__level="ward").exclude(area=one_lsoa)
    drawn = choropleth.build(indicator, figures, level="ward", period="mid-2020")
    assert drawn.missing == ["Birtley"]


def test_no_figures_and_unknown_periods_are_no_map():
    indicator = Indicator.objects.get(code="NG 07")
    with pytest.raises(choropleth.NoMap, match="'2001'"):
        choropleth.build(indicator, approved(indicator), level="ward", period="2001")
    with pytest.raises(choropleth.NoMap, match="no figures you may see"):
        choropleth.build(indicator, approved(indicator).none(), level="lsoa")
    with pytest.raises(choropleth.NoMap, match="not 'district'"):
        choropleth.build(indicator, approved(indicator), level="district")
