"""What the pages show, checked against the database and the shipped data."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator, Outcome, Target, Theme

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page as a reader hears it: tags removed, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", html)))


def test_overview_counts_what_the_visitor_may_see(client_as):
    page = text(client_as(None).get("/"))
    public = Indicator.objects.filter(visibility="public").count()
    assert f"{public} indicators published" in page
    assert f"{Theme.objects.count()} themes" in page
    assert f"{Outcome.objects.count()} outcomes" in page
    assert "22 wards" in page
    officer = text(client_as("officer").get("/"))
    assert f"{Indicator.objects.count()} indicators you can see" in officer
    themes = Theme.objects.all()
    assert themes.count() == 7
    for theme in themes:
        assert theme.name in page


def test_theme_page_shows_latest_value_against_target_with_its_assessment(client_as):
    from joinedup.assessment.models import Assessment
    from joinedup.assessment.words import ASSURANCE, DIRECTION, STATUS, VARIATION

    response = client_as(None).get("/themes/active-and-healthy-gateshead/")
    page = text(response)
    latest = DataValue.objects.filter(indicator__code="HW 02", area__code="E08000037").latest(
        "period_start")
    target = Target.objects.filter(indicator__code="HW 02", area__code="E08000037",
                                   period_end__gte=latest.period_end).earliest("period_end")
    assessed = Assessment.objects.get(indicator__code="HW 02", area__code="E08000037",
                                      is_latest=True)
    row = re.search(r"HW 02 Year 6 children with excess weight (.*?)(HW 03|$)", page).group(1)
    assert f"{latest.value:.1f} % {latest.period}" in row
    assert f"{target.value:.1f} by {target.period} illustrative" in row
    assert STATUS[assessed.status].label in row
    assert DIRECTION[assessed.direction].label in row
    assert f"{round(100 * assessed.p_meet_target)}%" in row
    html = response.content.decode()
    row_html = re.search(r'<tr class="govuk-table__row">\s*<th scope="row"[^>]*>'
                         r'<a class="govuk-link" href="/indicators/hw-02/">.*?</tr>', html,
                         flags=re.S).group(0)
    assert f'aria-label="{VARIATION[assessed.variation].sentence}"' in row_html
    assert f'aria-label="{ASSURANCE[assessed.assurance].sentence}"' in row_html


def test_indicator_page_shows_the_assessment_of_the_chosen_area(client_as):
    from joinedup.assessment.models import Assessment

    response = client_as(None).get("/indicators/hw-02/")
    page, html = text(response), response.content.decode()
    latest = Assessment.objects.get(indicator__code="HW 02", area__code="E08000037",
                                    is_latest=True)
    assert "How it is doing in Gateshead" in page
    assert f"{latest.forecast:.1f} % in {latest.forecast_period}" in page
    assert f"{round(100 * latest.p_meet_target)}% chance of meeting the target" in page
    assert latest.forecast_method == "combined"
    assert ("(four forecasting methods combined, each weighted by how well it forecast the "
            "series' own recent figures)") in page
    assert 'aria-label="Statistical process control chart of Year 6 children' in html
    assert 'aria-label="Forecast of Year 6 children with excess weight in Gateshead' in html
    england = text(client_as(None).get("/indicators/hw-02/?area=E92000001"))
    assert "How it is doing in England" in england
    unknown = text(client_as(None).get("/indicators/hw-02/?area=NOWHERE"))
    assert "How it is doing in Gateshead" in unknown


def test_open_flags_are_shown_on_theme_and_indicator_pages(client_as):
    from joinedup.assessment.models import Flag

    flag = Flag.objects.filter(cleared_at__isnull=True, indicator__visibility="public").first()
    theme = flag.indicator.outcome.theme
    assert flag.reason in text(client_as(None).get(theme.get_absolute_url()))
    page = text(client_as(None).get(f"{flag.indicator.get_absolute_url()}?area={flag.area.code}"))
    assert flag.reason in page


def test_indicator_page_shows_definition_owner_values_and_chart(client_as):
    response = client_as(None).get("/indicators/hw-02/")
    html = response.content.decode()
    page = text(response)
    indicator = Indicator.objects.get(code="HW 02")
    assert indicator.definition in page
    assert "Polarity Lower is better" in page
    assert "Owner NHS Gateshead (Gateshead Primary Care Trust)" in page
    for area in ("Gateshead", "Sunderland", "South Tyneside", "Newcastle upon Tyne", "England"):
        assert area in page
    sunderland = DataValue.objects.filter(indicator=indicator, area__code="E08000024")
    assert sunderland.count() == 12  # 2006/07 to 2017/18
    for value in sunderland:
        assert f"{value.value:.1f}" in page
    trend = re.search(r'data-testid="trend-chart">\s*(<svg[^>]*>)', html).group(1)
    assert 'role="img"' in trend
    assert 'aria-label="Line chart of Year 6 children with excess weight' in trend
    assert "Illustrative" in page and "£500,000 reward grant at stake" in page


def test_confidence_intervals_are_shown_where_published(client_as):
    page = text(client_as(None).get("/indicators/ec-01/"))
    value = DataValue.objects.filter(indicator__code="EC 01", area__code="E08000037",
                                     lower_ci__isnull=False).latest("period_start")
    assert f"{value.value:.1f} {value.lower_ci:.1f} to {value.upper_ci:.1f}" in page


def test_ward_indicator_page_lists_each_ward(client_as):
    page = text(client_as(None).get("/indicators/ng-01/"))
    assert "Latest figures by ward" in page
    wards = Area.objects.filter(level="ward")
    assert wards.count() == 22
    for ward in wards:
        assert ward.name in page


def test_area_page_has_map_children_and_indicators(client_as):
    response = client_as(None).get("/areas/E05001076/")
    ward = Area.objects.get(code="E05001076")
    html, page = response.content.decode(), text(response)
    assert ward.name in page
    assert 'aria-label="Map of ' in html
    assert "shaded by IMD 2019 deprivation decile" in html
    lsoas = ward.children.all()
    assert lsoas.count() == 5  # Felling's five LSOAs
    for lsoa in lsoas:
        assert lsoa.name in page
    assert "NG 01 Neighbourhoods among the most deprived 10% in England" in page


def test_lsoa_page_explains_its_deprivation(client_as):
    lsoa = Area.objects.filter(level="lsoa").order_by("imd_rank").first()
    page = text(client_as(None).get(lsoa.get_absolute_url()))
    assert f"Ranked {lsoa.imd_rank:,} of 32,844 English LSOAs" in page
    assert f"decile {lsoa.imd_decile}" in page


def test_england_has_no_boundary_so_its_map_shows_the_districts_it_holds(client_as):
    assert Area.objects.get(code="E92000001").boundary is None
    response = client_as(None).get("/areas/E92000001/")
    assert response.status_code == 200
    # neither England nor its region has a boundary: the map is of the four districts
    # two levels down, shaded by their region
    assert ('aria-label="Map of England showing its 4 district boundaries, shaded by region. '
            'The areas are listed beneath the map."') in response.content.decode()


def test_sign_in_explains_a_wrong_password_and_keeps_the_username(client):
    response = client.post("/account/sign-in/", {"username": "officer", "password": "wrong"})
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter a correct username and password" in page
    assert 'value="officer"' in response.content.decode()
    empty = text(client.post("/account/sign-in/", {"username": "", "password": ""}))
    assert "Enter your username" in empty and "Enter your password" in empty


def test_sign_in_and_out(client, passwords):
    response = client.post("/account/sign-in/?next=/indicators/sc-02/",
                           {"username": "police.analyst", "password": passwords["police.analyst"],
                            "next": "/indicators/sc-02/"})
    assert response.status_code == 302 and response["Location"] == "/indicators/sc-02/"
    assert client.get("/indicators/sc-02/").status_code == 200
    assert client.post("/account/sign-out/").status_code == 302
    assert client.get("/indicators/sc-02/").status_code == 404


def test_not_found_page_suggests_signing_in(client):
    response = client.get("/indicators/hw-15/")
    assert response.status_code == 404
    assert "sign in" in text(response)


def test_static_information_pages(client):
    about = text(client.get("/account/about-the-data/"))
    assert "Open Government Licence v3.0" in about
    assert "OHID Fingertips" in about
    assert "WCAG" in text(client.get("/account/accessibility/"))
