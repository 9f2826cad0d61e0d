"""Two tiers: a county partnership and its district partnerships in one installation.

The county demonstration (Warwickshire with North Warwickshire, and Nuneaton and Bedworth)
is built inside each test's transaction, beside the Gateshead demonstration the session
holds, so these tests also show that two partnerships live side by side.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from api_client import ApiClient
from django.core.management import call_command
from django.utils import timezone

from joinedup.core.periods import parse_period
from joinedup.demo.sources import COUNTY_DIR, DemoSources
from joinedup.history.models import Change
from joinedup.partnership.models import Body, Person
from joinedup.partnership.tokens import ApiToken
from joinedup.reports.contributions import counties, rollup
from joinedup.risks.plan_facts import refresh
from joinedup.strategy.delivery import DeliveryPlan
from joinedup.strategy.models import Indicator, Strategy

pytestmark = pytest.mark.django_db

CATALOGUE = DemoSources(COUNTY_DIR).catalogue


@pytest.fixture
def county():
    out = io.StringIO()
    call_command("demo", "--county", "--no-migrate", "--quiet", stdout=out)
    assert out.getvalue().startswith("Demo partnership ready in ")
    return Strategy.objects.get(slug="warwickshire-scs")


def latest_in_file(code: str, area: str) -> tuple[str, float]:
    """The last figure of a series in the shipped file (its period read to the canonical
    label), without the database."""
    with (COUNTY_DIR / "values.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (r["indicator"], r["area"]) == (code, area)]
    last = max(rows, key=lambda r: parse_period(r["period"]).end)
    return parse_period(last["period"]).label, float(last["value"])


def rows_in_file(code: str) -> int:
    with (COUNTY_DIR / "values.csv").open(newline="") as handle:
        return sum(r["indicator"] == code for r in csv.DictReader(handle))


def signed_in(client, username: str):
    client.logout()
    client.force_login(Person.objects.get(username=username))
    return client


def api_as(client, username: str) -> ApiClient:
    client.logout()
    return ApiClient(client, ApiToken.objects.issue(Person.objects.get(username=username),
                                                    "test")[1])


def contributions(county, username: str) -> dict[str, dict]:
    """``{outcome: {"county": [codes], district name: [codes]}}`` as one person sees it."""
    user = Person.objects.get(username=username)
    return {entry.outcome.title: {
        "county": [m.indicator.code for m in entry.county],
        **{part.strategy.area.name: [m.indicator.code for m in part.measures]
           for part in entry.districts}} for entry in rollup(county, user)}


def test_the_county_demo_holds_two_district_partnerships_beneath_the_county(county):
    districts = Strategy.objects.filter(parent=county).select_related("area", "body")
    assert [(d.slug, d.area.code, d.body.slug, d.body.kind, d.body.parent.slug)
            for d in districts.order_by("slug")] == [
        ("north-warwickshire-scs", "E07000218", "north-warwickshire-partnership",
         "district_partnership", "warwickshire-board"),
        ("nuneaton-bedworth-scs", "E07000219", "nuneaton-bedworth-partnership",
         "district_partnership", "warwickshire-board")]
    # Each district partnership has bodies of its own beneath it.
    assert sorted(Body.objects.filter(parent__kind="district_partnership")
                  .values_list("slug", flat=True)) == [
        "north-warwickshire-health-group", "nuneaton-bedworth-health-group"]
    assert county.parent is None and county.area.code == "E10000031"


def test_building_the_county_again_changes_nothing(county):
    before = Change.objects.count()
    call_command("demo", "--county", "--no-migrate", "--quiet", stdout=io.StringIO())
    assert Change.objects.count() == before


def test_each_district_indicator_rolls_up_to_the_county_outcome_the_catalogue_names(county):
    named = {i["code"]: i.get("contributes_to") for i in CATALOGUE["indicator"]}
    held = {i.code: (i.contributes_to.title if i.contributes_to else None)
            for i in Indicator.objects.filter(code__in=named)}
    assert held == named
    assert held == {"WK 01": None, "WK 02": None, "WK 03": None,
                    "NW 01": "More people in work", "NW 02": "Less harm from alcohol",
                    "NB 01": "More people in work", "NB 02": "Less harm from alcohol",
                    "NB 03": "Longer, healthier lives"}


def test_the_county_sees_each_districts_contribution_with_its_latest_figure(county):
    assert contributions(county, "county.officer") == {
        "More people in work": {"county": ["WK 01"], "North Warwickshire": ["NW 01"],
                                "Nuneaton and Bedworth": ["NB 01"]},
        "Longer, healthier lives": {"county": ["WK 02"], "Nuneaton and Bedworth": ["NB 03"]},
        "Less harm from alcohol": {"county": [], "North Warwickshire": ["NW 02"],
                                   "Nuneaton and Bedworth": ["NB 02"]},
        "Fewer children growing up in poverty": {"county": ["WK 03"]},
    }
    officer = Person.objects.get(username="county.officer")
    work = rollup(county, officer)[0]
    north, nuneaton = work.districts
    assert (north.measures[0].assessment.period,
            north.measures[0].assessment.value) == latest_in_file("NW 01", "E07000218")
    assert (nuneaton.measures[0].assessment.period,
            nuneaton.measures[0].assessment.value) == latest_in_file("NB 01", "E07000219")
    assert (work.county[0].assessment.period,
            work.county[0].assessment.value) == latest_in_file("WK 01", "E10000031")


def test_a_districts_restricted_figures_do_not_leak_to_the_other_district(county, client):
    """NW 02 is North Warwickshire's, restricted to its owner (NHS Warwickshire) and the
    borough council; NB 02 likewise for Nuneaton and Bedworth."""
    assert contributions(county, "nb.officer")["Less harm from alcohol"] == {
        "county": [], "Nuneaton and Bedworth": ["NB 02"]}
    assert contributions(county, "nw.officer")["Less harm from alcohol"] == {
        "county": [], "North Warwickshire": ["NW 02"]}
    assert contributions(county, "nhs.analyst")["Less harm from alcohol"] == {
        "county": [], "North Warwickshire": ["NW 02"], "Nuneaton and Bedworth": ["NB 02"]}

    browser = signed_in(client, "nb.officer")
    for page in ("/districts/", "/districts/north-warwickshire-scs/", "/themes/nw-health/",
                 "/areas/E07000218/", "/areas/E07000218/profile/", "/indicators/"):
        response = browser.get(page)
        assert response.status_code == 200, page
        assert "NW 02" not in response.content.decode(), page
    assert browser.get("/indicators/nw-02/").status_code == 404
    assert "NB 02" in browser.get("/districts/").content.decode()

    caller = api_as(client, "nb.officer")
    assert caller.get("/api/values", indicator="NW 02").json()["count"] == 0
    assert caller.get("/api/values", indicator="NB 02").json()["count"] == rows_in_file("NB 02")
    assert caller.get("/api/indicators/nw-02").status_code == 404
    alcohol = next(o for o in caller.get("/api/districts").json()[0]["outcomes"]
                   if o["outcome"] == "Less harm from alcohol")
    assert [(d["strategy"], [m["code"] for m in d["measures"]]) for d in alcohol["districts"]] == [
        ("nuneaton-bedworth-scs", ["NB 02"])]
    profile = caller.get("/api/profiles/E07000218").json()
    assert [row["code"] for row in profile["indicators"]] == ["NW 01", "WK 01", "WK 02", "WK 03"]


def test_a_district_sees_the_county_strategy_and_its_own(county, client):
    page = signed_in(client, "nw.officer").get("/themes/").content.decode()
    headings = re.findall(r'data-testid="strategy-heading">([^<]+)<', page)
    assert headings[-3:] == ["Warwickshire Sustainable Community Strategy",
                             "North Warwickshire Sustainable Community Strategy",
                             "Nuneaton and Bedworth Sustainable Community Strategy"]
    district = signed_in(client, "nw.officer").get("/districts/north-warwickshire-scs/")
    rows = re.findall(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" '
                      r'href="/indicators/[^"]+/">([A-Z]{2} \d\d)', district.content.decode())
    assert rows == ["NW 01", "NW 02"]


def test_the_public_sees_only_public_figures_in_the_roll_up(county, client):
    client.logout()
    assert [c.slug for c in counties(None)] == ["warwickshire-scs"]
    anonymous = ApiClient(client, None).get("/api/districts").json()
    assert {o["outcome"]: [(d["strategy"], [m["code"] for m in d["measures"]])
                           for d in o["districts"]] for o in anonymous[0]["outcomes"]} == {
        "More people in work": [("north-warwickshire-scs", ["NW 01"]),
                                ("nuneaton-bedworth-scs", ["NB 01"])],
        "Longer, healthier lives": [],  # NB 03 is shared among partners only
        "Less harm from alcohol": [],
        "Fewer children growing up in poverty": [],
    }
    page = client.get("/districts/").content.decode()
    assert page.count('data-testid="no-contribution"') == 3


def test_a_single_tier_partnership_has_no_district_page_content(client):
    client.logout()
    page = client.get("/districts/")
    assert page.status_code == 200
    assert 'data-testid="no-districts"' in page.content.decode()
    assert client.get("/api/districts").json() == []
    assert client.get("/districts/vision-2030/").status_code == 404


def test_the_overview_of_the_newest_top_strategy_lists_its_districts(county, client):
    # The home strategy is the newest that feeds no other; make the county's the newest.
    Strategy.objects.filter(pk=county.pk).update(starts="2031-04-01")
    page = signed_in(client, "county.officer").get("/").content.decode()
    listed = re.search(r'data-testid="overview-districts">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", listed) == [
        "North Warwickshire Sustainable Community Strategy",
        "Nuneaton and Bedworth Sustainable Community Strategy"]
    counts = re.search(r'data-testid="indicator-count">(\d+)<', page).group(1)
    assert counts == "3"  # the county's own three, not the districts'


def test_a_district_partnership_leads_a_delivery_plan_judged_in_the_district(county, client):
    caller = api_as(client, "nw.officer")
    started = caller.post("/api/plans", {"title": "Local jobs for local people",
                                         "lead": "north-warwickshire-partnership",
                                         "outcome": "Local people into local jobs"})
    assert started.status_code == 201
    plan = DeliveryPlan.objects.get(pk=started.json()["id"])
    refresh(plan, now=timezone.now())
    period, value = latest_in_file("NW 01", "E07000218")
    assert plan.answers.get(question__key="performance-and-trend").text.startswith(
        f"NW 01 Claimant count, North Warwickshire: {value:.1f}% in {period}; ")
    # The other district's officer may not start a plan in its name.
    refused = api_as(client, "nb.officer").post("/api/plans", {
        "title": "Theirs", "lead": "north-warwickshire-partnership",
        "outcome": "Local people into local jobs"})
    assert refused.status_code == 403
