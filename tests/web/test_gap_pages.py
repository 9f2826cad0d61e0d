"""The gap pages: an indicator's gap between wards or LSOAs, and the ranking of gaps.

Each page must show exactly the figures the assessment adapter gives, and a restricted
indicator must stay invisible to people it is not shared with.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from joinedup.assessment.gaps import level_gaps, widening_ranking
from joinedup.strategy.models import Indicator
from joinedup.web.templatetags.govuk import figure

sys.path.insert(0, str(Path(__file__).parent.parent / "assessment"))
from test_gap_pages_data import FLATTENING, STEEPENING, build_ward_series  # noqa: E402


@pytest.fixture
def ward_series(db):
    return build_ward_series()


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_gap_page_shows_exactly_the_adapters_figures(client_as, ward_series):
    indicator = ward_series[STEEPENING]
    response = client_as(None).get(f"/indicators/{indicator.slug}/gap/?level=ward")
    assert response.status_code == 200
    latest = level_gaps(indicator, "ward").latest
    page = text(response)
    d = indicator.decimals
    assert f"The gap in {latest['period']}" in page
    assert (f"Slope index of inequality {figure(latest['sii'], d)} 95% confidence interval "
            f"{figure(latest['sii_lower'], d)} to {figure(latest['sii_upper'], d)}") in page
    assert (f"Relative index of inequality {figure(latest['rii'], 3)} 95% confidence interval "
            f"{figure(latest['rii_lower'], 3)} to {figure(latest['rii_upper'], 3)}") in page
    assert (f"Gap (most deprived fifth − the rest) {figure(latest['quintile_gap'], d)}"
            in page)
    assert "Slope index of inequality: widening over 12 periods (trial limits)" not in page
    assert "Slope index of inequality: widening over 12 periods" in page
    html = response.content.decode()
    assert re.search(r'<svg[^>]* role="img" aria-label="Statistical process control chart '
                     r'of the size of the slope index of inequality', html)
    assert html.count('data-testid="gap-periods"') == 1 and "<caption" in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script" not in main and "<style" not in main
    before_chart = main.split("<svg", 1)[0]
    assert " style=" not in before_chart


def test_a_restricted_indicators_gap_page_is_not_found_for_outsiders(client_as, ward_series):
    slug = ward_series[FLATTENING].slug
    assert client_as(None).get(f"/indicators/{slug}/gap/?level=ward").status_code == 404
    assert client_as("board").get(f"/indicators/{slug}/gap/?level=ward").status_code == 404
    assert client_as("police").get(f"/indicators/{slug}/gap/?level=ward").status_code == 200
    assert client_as("officer").get(f"/indicators/{slug}/gap/?level=county").status_code == 404


def test_the_ranking_page_lists_the_visible_gaps_fastest_widening_first(client_as, ward_series,
                                                                        person):
    response = client_as("officer").get("/gaps/")
    rows = re.findall(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" '
                      r'href="/indicators/([^/]+)/gap/\?level=(\w+)"', response.content.decode())
    assert rows == [("ng-07", "lsoa"), ("hw-02", "ward"), ("ng-07", "ward"), ("sc-04", "lsoa"),
                    ("sc-02", "ward")]
    speeds = re.findall(r'data-testid="widening-per-year">([^<]+)<', response.content.decode())
    expected = widening_ranking(Indicator.objects.all())
    assert speeds == [f"{'+' if r['widening_percent'] > 0 else ''}"
                      f"{figure(r['widening_percent'], 1)}%" for r in expected]
    assert speeds == ["+14.7%", "+9.8%", "+7.2%", "-5.3%", "-14.2%"]
    board = client_as("board").get("/gaps/").content.decode()
    assert "/indicators/sc-02/gap/" not in board and "/indicators/hw-02/gap/" in board


def test_the_indicator_page_links_to_its_gap_pages(client_as, ward_series):
    page = client_as(None).get("/indicators/ng-07/").content.decode()
    assert re.findall(r'href="/indicators/ng-07/gap/\?level=(\w+)"', page) == ["ward", "lsoa"]
    page = client_as(None).get("/indicators/hw-15/").content.decode()  # partners only: 404
    assert "/gap/" not in page
    page = client_as("officer").get("/indicators/hw-15/").content.decode()
    assert "/gap/" not in page  # no ward or LSOA figures
