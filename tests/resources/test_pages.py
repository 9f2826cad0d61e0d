"""The resources pages, as the finance officer and others see them."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from joinedup.resources.models import AllocationScenario, BudgetLine

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_years_money_page(client_as):
    response = client_as("finance").get(reverse("resources:overview") + "?year=2023/24")
    assert response.status_code == 200
    page = text(response)
    assert "The partnership's money, 2023/24" in page
    assert "Budget against actual, as at quarter 3" in page
    assert 'data-testid="monitoring-by-pool"' in page and "Healthy weight pooled budget" in page
    # the seeds' reward target, missed, and the later one at stake
    assert "Missed (37.6): lost" in page
    assert re.search(r"Ahead: \d+% chance of meeting it", page)


def test_anonymous_people_are_sent_to_sign_in(client_as):
    response = client_as(None).get(reverse("resources:overview"))
    assert response.status_code == 302 and "/account/" in response["Location"]


@pytest.mark.parametrize("name", ["resources:lines", "resources:allocations",
                                  "resources:performance"])
def test_each_page_answers(client_as, name):
    assert client_as("finance").get(reverse(name)).status_code == 200


def test_a_bad_spend_return_says_what_is_wrong(client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = BudgetLine.objects.count()
    sent = SimpleUploadedFile("spend.csv", b"partner,stream,theme,area,financial_year,budget\n"
                              b"gateshead-council,nope,safer-gateshead,E05001067,2023/24,5\n")
    response = client_as("finance").post(reverse("resources:lines"), {"file": sent})
    assert response.status_code == 400
    assert "spend.csv:2:stream: unknown funding stream &#x27;nope&#x27;" in text(response)
    assert BudgetLine.objects.count() == before


def test_comparing_and_agreeing_a_scenario(client_as):
    scenarios = AllocationScenario.objects.filter(name__startswith="Neighbourhood fund")
    query = "&".join(f"scenario={s.pk}" for s in scenarios)
    client = client_as("finance")
    page = text(client.get(reverse("resources:compare") + "?" + query))
    assert "To the most deprived fifth of people" in page
    need = scenarios.get(name="Neighbourhood fund 2023/24: By need (population × need)")
    response = client.post(reverse("resources:compare") + "?" + query, {"agree": need.pk})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == "agreed"
    lines = BudgetLine.objects.filter(stream=need.stream, financial_year=need.financial_year)
    assert lines.count() == 22
    assert sum(line.budget for line in lines) == need.pot


def test_only_the_finance_group_agrees(client_as):
    scenario = AllocationScenario.objects.filter(name__startswith="Neighbourhood fund").first()
    response = client_as("pct").post(reverse("resources:compare") + f"?scenario={scenario.pk}",
                                     {"agree": scenario.pk})
    assert response.status_code == 403
    scenario.refresh_from_db()
    assert scenario.state == "draft"


def test_the_command_gives_the_table_the_page_gives(client_as):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("resources", "--by", "area,theme", "--year", "2023/24", "--format", "csv",
                 stdout=out)
    response = client_as("officer").get(reverse("resources:performance"),
                                        {"year": "2023/24", "format": "csv"})
    assert response.content.decode("utf-8-sig") == out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("area,area_name,theme,theme_name,population,need,spend,")
    assert len(lines) == 1 + 22 * 7


def test_each_aligned_line_says_which_criteria_it_meets(client_as):
    page = text(client_as("finance").get(reverse("resources:lines"),
                                         {"year": "2023/24", "partner": "tyne-and-wear-fire",
                                          "theme": "safer-gateshead"}))
    fire = BudgetLine.objects.filter(partner__slug="tyne-and-wear-fire", financial_year="2023/24",
                                     theme__slug="safer-gateshead")
    aligned = fire.filter(arrangement="aligned").count()
    assert aligned == 22
    assert page.count("Fails: Contributes to named LAA outcomes or targets; The activities it "
                      "pays for report performance") == aligned
    assert page.count("Meets them all") == 0
    pooled = text(client_as("finance").get(reverse("resources:lines"),
                                           {"year": "2023/24", "partner": "nhs-gateshead"}))
    # its 22 pooled lines and its £10,000 to each of the 5 area forums
    assert pooled.count("Meets them all") == 22 + 5


def test_last_year_and_the_damped_scenario_are_beside_the_others():
    from joinedup.resources.models import ScenarioAmount

    fund = "Neighbourhood fund 2023/24: "
    as_last_year = ScenarioAmount.objects.filter(scenario__name=fund + "As last year")
    # last year's £950,000 in equal shares (£43,181 each, the odd 18 pounds to the first
    # 18 codes), scaled by 1,000,000 / 950,000: £45,454.74 and £45,453.68; rounded down,
    # 16 pounds are left, and go to 16 of the 18 larger remainders
    assert sum(a.previous for a in as_last_year) == 950000
    assert sum(a.allocation for a in as_last_year) == 1000000
    assert Counter(int(a.allocation) for a in as_last_year) == {45455: 16, 45454: 2,
                                                                45453: 4}
    damped = ScenarioAmount.objects.filter(scenario__name=fund + "By need, within 10% of "
                                           "last year")
    assert sum(a.allocation for a in damped) == 1000000
    for amount in damped:
        assert amount.previous * Decimal("0.9") - 1 <= amount.allocation \
            <= amount.previous * Decimal("1.1") + 1
    assert {a.bound for a in damped} >= {"damping"}


def test_the_finance_group_approves_submitted_lines_with_their_history(client_as, person):
    from joinedup.history.models import Change
    from joinedup.resources.spend_import import import_spend_file

    from .helpers import csv_of, row, stream

    stream("nhs-test-stream", partner="nhs-gateshead")
    sent = import_spend_file(csv_of([row(partner="nhs-gateshead", stream="nhs-test-stream"),
                                     row(partner="nhs-gateshead", stream="nhs-test-stream",
                                         area="E05001068")]),
                             "nhs.csv", user=person("pct"))
    assert sent.saved and sent.created == 2
    query = {"year": "2023/24", "partner": "nhs-gateshead"}
    page = text(client_as("finance").get(reverse("resources:lines"), query))
    assert 'data-testid="submitted">2 of these lines are waiting' in page
    refused = client_as("pct").post(reverse("resources:lines"), {"approve": "yes", **query})
    assert refused.status_code == 403
    response = client_as("finance").post(reverse("resources:lines"), {"approve": "yes", **query})
    assert response.status_code == 302 and response["Location"].endswith("?approved=2")
    lines = BudgetLine.objects.filter(stream__slug="nhs-test-stream")
    assert {(line.state, line.approved_by.username) for line in lines} == {
        ("approved", "finance.officer")}
    change = Change.objects.for_object(lines.first()).filter(action="update").get()
    assert (change.actor, change.before["state"], change.after["state"]) == (
        "finance.officer", "submitted", "approved")


@pytest.mark.parametrize("name, params", [
    ("resources:performance", {"year": "2023/24", "format": "csv"}),
    ("resources:performance", {"year": "2023/24", "format": "json"}),
    ("resources:lines-download", {"year": "2023/24"}),
])
def test_spend_files_are_never_kept_by_a_shared_cache(client_as, name, params):
    args = ["csv"] if name == "resources:lines-download" else []
    response = client_as("finance").get(reverse(name, args=args), params)
    assert response.status_code == 200
    assert sorted(response["Cache-Control"].replace(" ", "").split(",")) == [
        "no-store", "private"]
    assert "Cookie" in response["Vary"]
