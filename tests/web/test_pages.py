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
    for theme in Theme.objects.all():
        assert theme.name in page


def test_theme_page_shows_latest_value_against_target(client_as):
    response = client_as(None).get("/themes/active-and-healthy-gateshead/")
    page = text(response)
    latest = DataValue.objects.filter(indicator__code="HW 02", area__code="E08000037").latest(
        "period_start")
    target = Target.objects.filter(indicator__code="HW 02", area__code="E08000037",
                                   period_end__gte=latest.period_end).earliest("period_end")
    row = re.search(r"HW 02 Year 6 children with excess weight (.*?)(HW 03|$)", page).group(1)
    assert f"{latest.period} {latest.value:.1f} %" in row
    assert f"{target.value:.1f} by {target.period} illustrative" in row
    gap = latest.value - target.value  # lower is better
    assert (f"Short by {gap:.1f}" if gap > 0 else "Met") in row


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
    for value in DataValue.objects.filter(indicator=indicator, area__code="E08000024"):
        assert f"{value.value:.1f}" in page
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg
    assert 'aria-label="Line chart of Year 6 children with excess weight' in svg
    assert "Illustrative" in page and "£500,000 reward grant at stake" in page


def test_confidence_intervals_are_shown_where_published(client_as):
    page = text(client_as(None).get("/indicators/ec-01/"))
    value = DataValue.objects.filter(indicator__code="EC 01", area__code="E08000037",
                                     lower_ci__isnull=False).latest("period_start")
    assert f"{value.value:.1f} {value.lower_ci:.1f} to {value.upper_ci:.1f}" in page


def test_ward_indicator_page_lists_each_ward(client_as):
    page = text(client_as(None).get("/indicators/ng-01/"))
    assert "Latest figures by ward" in page
    for ward in Area.objects.filter(level="ward"):
        assert ward.name in page


def test_area_page_has_map_children_and_indicators(client_as):
    response = client_as(None).get("/areas/E05001076/")
    ward = Area.objects.get(code="E05001076")
    html, page = response.content.decode(), text(response)
    assert ward.name in page
    assert 'aria-label="Map of ' in html
    assert "shaded by IMD 2019 deprivation decile" in html
    for lsoa in ward.children.all():
        assert lsoa.name in page
    assert "NG 01 Neighbourhoods among the most deprived 10% in England" in page


def test_lsoa_page_explains_its_deprivation(client_as):
    lsoa = Area.objects.filter(level="lsoa").order_by("imd_rank").first()
    page = text(client_as(None).get(lsoa.get_absolute_url()))
    assert f"Ranked {lsoa.imd_rank:,} of 32,844 English LSOAs" in page
    assert f"decile {lsoa.imd_decile}" in page


def test_england_has_no_boundary_and_no_map(client_as):
    response = client_as(None).get("/areas/E92000001/")
    assert response.status_code == 200


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
