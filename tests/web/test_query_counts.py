"""No page asks the database once per row: the number of queries a page makes does not
grow with what it lists.

Each test counts a page's queries, adds more of what the page lists (indicators with
figures and assessments, themes, areas), and counts again: the two counts are the same.
A page that loads a related row per item (an "N+1") fails, naming its queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.assessment.services import run_assessment
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator, Outcome, Theme

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> list[str]:
    client.get(path)  # warm caches (sessions, content types), as a reader's second page
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    assert answer.status_code == 200, path
    return [q["sql"] for q in captured.captured_queries]


def more_indicators(theme: Theme, count: int, areas: list[Area]) -> list[Indicator]:
    """``count`` new public indicators in ``theme``, each with approved yearly figures in
    ``areas``, assessed."""
    template = Indicator.objects.filter(outcome__theme=theme).first()
    outcome = Outcome.objects.create(theme=theme, title=f"More in {theme.name}", order=99)
    made = []
    for n in range(count):
        indicator = Indicator.objects.create(
            outcome=outcome, code=f"QC {n:02d}", slug=f"qc-{n:02d}", title=f"Extra {n}",
            definition="For counting queries.", unit="%", decimals=1, polarity="up",
            frequency="annual", kind="local", source="Test", owner=template.owner,
            lead_body=template.lead_body, visibility="public",
            area_levels=sorted({a.level for a in areas}))
        DataValue.objects.bulk_create([
            DataValue(indicator=indicator, area=area, period=str(year),
                      period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31),
                      value=50 + n + year % 7, state=DataValue.State.APPROVED)
            for area in areas for year in range(2012, 2020)])
        run_assessment(indicator=indicator)
        made.append(indicator)
    return made


def _shape(sql: str) -> str:
    """A query with its numbers, quoted values and IN lists blotted out."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r'"s\d+_x\d+"', '"savepoint"', sql)
    sql = re.sub(r"\bIN \([^)]*\)", "IN (…)", sql)
    return re.sub(r"\b\d+\b", "N", sql)


def assert_same(before: list[str], after: list[str], page: str) -> None:
    extra = Counter(map(_shape, after)) - Counter(map(_shape, before))
    assert len(after) == len(before), (
        f"{page}: {len(before)} queries before and {len(after)} after adding rows; the "
        "extra ones:\n" + "\n".join(f"{n}× {q[:400]}" for q, n in extra.items()))


@pytest.fixture
def officer(client_as):
    return client_as("officer")


def wards(count: int) -> list[Area]:
    return list(Area.objects.filter(level="ward").order_by("code")[:count])


def test_the_overview(officer):
    before = queries(officer, "/")
    theme = Theme.objects.order_by("order").first()
    more_indicators(theme, 3, [Area.objects.get(code="E08000037")])
    assert_same(before, queries(officer, "/"), "overview")


def test_a_theme_page(officer):
    theme = Theme.objects.order_by("order").first()
    path = f"/themes/{theme.slug}/"
    before = queries(officer, path)
    more_indicators(theme, 3, [Area.objects.get(code="E08000037"), *wards(2)])
    assert_same(before, queries(officer, path), "theme page")


def test_the_indicators_page(officer):
    before = queries(officer, "/indicators/")
    more_indicators(Theme.objects.order_by("order").last(), 3,
                    [Area.objects.get(code="E08000037")])
    assert_same(before, queries(officer, "/indicators/"), "indicators page")


def test_an_indicator_page(officer):
    theme = Theme.objects.order_by("order").first()
    indicator = more_indicators(theme, 1, wards(2))[0]
    path = f"/indicators/{indicator.slug}/"
    before = queries(officer, path)
    DataValue.objects.bulk_create([
        DataValue(indicator=indicator, area=area, period=str(year),
                  period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31),
                  value=40.0, state=DataValue.State.APPROVED)
        for area in wards(8)[2:] for year in range(2012, 2020)])
    run_assessment(indicator=indicator)
    assert_same(before, queries(officer, path), "indicator page")


def test_an_area_page(officer):
    ward = wards(1)
    path = f"/areas/{ward[0].code}/"
    before = queries(officer, path)
    more_indicators(Theme.objects.order_by("order").first(), 3, ward)
    assert_same(before, queries(officer, path), "area page")


def test_the_boards_page_and_report(officer):
    pages = ["/bodies/gsp-board/", "/bodies/gsp-board/report/"]
    before = {page: queries(officer, page) for page in pages}
    more_indicators(Theme.objects.order_by("order").first(), 3,
                    [Area.objects.get(code="E08000037")])
    for page in pages:
        assert_same(before[page], queries(officer, page), page)
