"""The map pages: an indicator by ward or LSOA, with its legend, hatching and table."""

from __future__ import annotations

import re
from html import unescape

import pytest

from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db

WARD_MAP = "/indicators/ng-07/map/"


def table_names(html: str) -> list[str]:
    table = html.split('data-testid="map-table"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', table)


def table_figures(html: str) -> list[str]:
    table = html.split('data-testid="map-table"')[1].split("</table>")[0]
    return re.findall(r'govuk-table__cell--numeric">([^<]*)<', table)


def test_the_ward_map_has_an_accessible_svg_a_legend_and_a_table_of_every_ward(client):
    answer = client.get(WARD_MAP)
    assert answer.status_code == 200
    html = answer.content.decode()
    wards = sorted(Area.objects.filter(level="ward").values_list("name", flat=True))
    assert sorted(table_names(html)) == wards
    figures = [float(f.replace(",", "")) for f in table_figures(html)]
    assert figures == sorted(figures, reverse=True)
    assert '<svg aria-describedby="map-legend" role="img" aria-label="Map of the 22 wards of ' \
           'Gateshead, shaded by Resident population in mid-2020, in 5 classes by quantiles; ' \
           'darker is higher' in html
    assert 'href="#map-figures">Skip to the table of the map\'s figures</a>' in html
    assert 'id="map-figures"' in html
    assert 'role="region" aria-label="The map\'s figures" tabindex="0"' in html
    assert "5 classes by quantiles (equal numbers of areas in each class)" in html
    assert "<script" not in html.split('data-testid="indicator-map"')[1].split("</figure>")[0]
    assert "No figure for" not in html


def test_the_lsoa_map_lists_all_126_lsoas(client):
    html = client.get(WARD_MAP, {"level": "lsoa", "period": "mid-2015"}).content.decode()
    assert len(table_names(html)) == 126
    assert "Resident population in the LSOAs of Gateshead, mid-2015" in html


def legend_colours(html: str) -> list[str]:
    legend = html.split('data-testid="map-legend"')[1].split("</ul>")[0]
    return re.findall(r'<rect x="0.5" y="0.5" width="27" height="19" fill="(#[0-9a-f]{6})"',
                      legend)


@pytest.mark.parametrize("polarity, colours, darker", [
    ("up", ["#08519c", "#3182bd", "#6baed6", "#bdd7e7", "#eff3ff"],
     "Darker is worse (lower, where higher is better)."),
    ("down", ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
     "Darker is worse (higher, where lower is better)."),
    ("none", ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
     "Darker is higher (the indicator makes no judgement of better or worse)."),
])
def test_shades_follow_polarity(client, polarity, colours, darker):
    Indicator.objects.filter(code="NG 07").update(polarity=polarity)
    html = client.get(WARD_MAP).content.decode()
    assert legend_colours(html) == colours
    assert darker in html
    # The most populous ward is in the highest class, whose shade the legend lists last.
    svg = html.split('data-testid="indicator-map"')[1].split("</svg>")[0]
    assert f'fill="{colours[-1]}"' in svg and f'fill="{colours[0]}"' in svg


def test_wards_without_a_figure_are_hatched_and_named(client):
    missing = ["Birtley", "Whickham North"]
    DataValue.objects.filter(indicator__code="NG 07", period="mid-2020",
                             area__name__in=missing).update(state="returned")
    html = client.get(WARD_MAP).content.decode()
    assert '<p class="govuk-body" data-testid="no-figure">No figure for: Birtley, ' \
           'Whickham North.</p>' in html
    svg = html.split('data-testid="indicator-map"')[1].split("</svg>")[0]
    assert svg.count('fill="url(#app-map-no-figure)"') == len(missing)
    assert '<pattern id="app-map-no-figure"' in svg
    assert "No figure (hatched)" in html
    # Every ward is still in the table, the two without a figure last.
    assert table_names(html)[-2:] == missing
    assert len(table_names(html)) == 22


def test_ward_figures_from_lsoas_say_how_they_were_made(client):
    DataValue.objects.filter(indicator__code="IL 08", area__level="ward").update(
        state="returned")
    html = unescape(client.get("/indicators/il-08/map/").content.decode())
    assert ("so each ward's figure is the average of its LSOAs' figures weighted by their "
            "population (the indicator is a rate or share)") in html
    assert len(table_names(html)) == 22


def test_few_distinct_figures_give_fewer_classes_and_say_why(client):
    DataValue.objects.filter(indicator__code="NG 07", period="mid-2020",
                             area__level="ward").update(value=100)
    DataValue.objects.filter(indicator__code="NG 07", period="mid-2020",
                             area__name__in=["Birtley", "Felling"]).update(value=200)
    html = client.get(WARD_MAP, {"k": 5}).content.decode()
    assert "There are only 2 classes because there are only 2 distinct figures" in html
    assert legend_colours(html) == ["#deebf7", "#3182bd"]


@pytest.mark.parametrize("persona, status", [
    (None, 404), ("police", 404), ("theme_lead", 200), ("officer", 200)])
def test_a_restricted_indicators_map_is_not_found_for_outsiders(client_as, persona, status):
    Indicator.objects.filter(code="NG 07").update(visibility="restricted")
    client = client_as(persona)
    assert client.get(WARD_MAP).status_code == status
    assert client.get(WARD_MAP, {"level": "lsoa"}).status_code == status


def test_the_indicator_page_links_to_its_maps(client):
    html = client.get("/indicators/ng-07/").content.decode()
    assert 'href="/indicators/ng-07/map/?level=ward">Map by ward</a>' in html
    assert 'href="/indicators/ng-07/map/?level=lsoa">Map by LSOA</a>' in html
    assert "Map by" not in client.get("/indicators/hw-02/").content.decode()


def test_unknown_periods_and_levels_are_not_found(client):
    assert client.get(WARD_MAP, {"period": "2001"}).status_code == 404
    assert client.get(WARD_MAP, {"level": "county"}).status_code == 404
    assert client.get("/indicators/hw-02/map/").status_code == 404


def test_a_missing_map_says_why_and_offers_none_it_does_not_have(client):
    answer = client.get("/indicators/hw-02/map/")
    page = answer.content.decode()
    assert answer.status_code == 404
    assert "No map of year 6 children with excess weight by wards" in page
    assert 'data-testid="no-map"' in page
    assert "There is a map by" not in page
    assert 'href="/indicators/hw-02/"' in page


def test_a_missing_lsoa_map_points_to_the_ward_map_there_is(client):
    answer = client.get("/indicators/ec-06/map/", {"level": "lsoa"})
    page = answer.content.decode()
    assert answer.status_code == 404
    assert ('There is a map by <a class="govuk-link" href="/indicators/ec-06/map/?level=ward">'
            'ward</a>.') in page
