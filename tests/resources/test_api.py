"""Partners' money through the API: known demo answers, filters, 404s and 422s, and the
anonymous caller who sees no money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from joinedup.resources import performance
from joinedup.resources.models import AllocationScenario, BudgetLine

pytestmark = pytest.mark.django_db

ROUTES = {"/api/resources/streams", "/api/resources/lines", "/api/resources/pools",
          "/api/resources/pools/{slug}", "/api/resources/allocations",
          "/api/resources/allocations/{scenario_id}", "/api/resources/table",
          "/api/resources/monitoring"}
BIRTLEY = "E05001067"
HEALTHY = "active-and-healthy-gateshead"
POOL = "/api/resources/pools/healthy-weight-pool"
BY_NEED = "Warwickshire 2008/09: by need"
AS_AGREED = "Warwickshire 2008/09: as the PSB agreed"
NUNEATON = "E07000219"


def scenario_id(name: str) -> int:
    return AllocationScenario.objects.get(name=name).pk


def problem(answer) -> tuple[int, str, list[str]]:
    body = answer.json()
    return answer.status_code, body["detail"], [p["column"] for p in body["problems"]]


def test_the_openapi_document_lists_every_resources_route(client):
    document = client.get("/api/openapi.json").json()
    routes = {path: methods for path, methods in document["paths"].items()
              if path.startswith("/api/resources")}
    assert set(routes) == ROUTES
    for path, methods in routes.items():
        assert set(methods) == {"get"}, path
        operation = methods["get"]
        assert operation["tags"] == ["Resources"]
        assert operation["security"] == [{"BearerToken": []}, {}]
        details = path.endswith("}") or path.endswith(("/table", "/monitoring"))
        assert set(operation["responses"]) == (
            {"200", "401", "404", "422"} if details else {"200", "401", "422"}), path
    line = document["components"]["schemas"]["LineOut"]["properties"]["budget"]
    assert line["pattern"] == r"^-?\d+\.\d{2}$"
    assert "two decimals" in line["description"]


def test_anonymous_callers_see_no_money(client_as):
    anonymous = client_as(None)
    for path in ("/api/resources/streams", "/api/resources/lines", "/api/resources/pools",
                 "/api/resources/allocations"):
        assert anonymous.get(path).json() == {"count": 0, "limit": 100, "offset": 0,
                                              "items": []}, path
    pool = anonymous.get(POOL)
    assert (pool.status_code, pool.json()) == (
        404, {"detail": "There is no pooled budget 'healthy-weight-pool' that you may see."})
    scenario = scenario_id(BY_NEED)
    answer = anonymous.get(f"/api/resources/allocations/{scenario}")
    assert (answer.status_code, answer.json()) == (
        404, {"detail": f"There is no allocation scenario {scenario} that you may see."})
    for path in ("/api/resources/table", "/api/resources/monitoring"):
        answer = anonymous.get(path, {"year": "2021/22"})
        assert (answer.status_code, answer.json()) == (
            404, {"detail": "There are no budget lines that you may see."}), path


def test_a_token_that_cannot_be_used_is_refused(client):
    answer = client.get("/api/resources/lines", headers={"Authorization": "Bearer nonsense"})
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="JoinedUp", error="invalid_token"'


@pytest.mark.parametrize(("persona", "year", "count"), [
    ("pct", "2021/22", 27),        # the pool's 22 ward lines and 5 area partnership funds
    ("pct", "2010/11", 66),        # published: three themes over 22 wards
    ("police", "2021/22", 44),
    ("theme_lead", "2021/22", 198),
    ("finance", "2021/22", 291),
    ("board", "2023/24", 313),
    ("officer", "2023/24", 313),
])
def test_the_lines_a_persona_sees_in_a_year(persona, year, count, client_as):
    answer = client_as(persona).get("/api/resources/lines", {"year": year, "limit": 1})
    assert answer.status_code == 200
    assert answer.json()["count"] == count


def test_a_line_has_every_field(client_as):
    answer = client_as("pct").get("/api/resources/lines", {
        "year": "2021/22", "area": BIRTLEY.lower(), "arrangement": "pooled"})
    line = BudgetLine.objects.get(partner__slug="nhs-gateshead", financial_year="2021/22",
                                  area__code=BIRTLEY, arrangement="pooled")
    assert answer.json()["items"] == [{
        "id": line.pk, "partner": "nhs-gateshead", "stream": "nhs-gateshead-allocation",
        "theme": HEALTHY, "outcome": "Children grow up a healthy weight", "area": BIRTLEY,
        "financial_year": "2021/22", "arrangement": "pooled", "pool": "healthy-weight-pool",
        "budget": "24633.72", "actual_q1": "5495.78", "actual_q2": "5973.68",
        "actual_q3": "5973.68", "actual_q4": "6451.57", "apportioned_by": "need",
        "description": "Contribution to the healthy weight pooled budget",
        "illustrative": True, "state": "approved"}]


def test_lines_filter_by_partner_theme_and_arrangement(client_as):
    finance = client_as("finance")
    pooled = finance.get("/api/resources/lines", {"year": "2021/22", "partner": "nhs-gateshead",
                                                  "theme": HEALTHY, "arrangement": "pooled"})
    assert pooled.json()["count"] == 22
    aligned = finance.get("/api/resources/lines", {"year": "2023/24",
                                                   "partner": "tyne-and-wear-fire",
                                                   "arrangement": "aligned", "limit": 500})
    assert sum(Decimal(i["budget"]) for i in aligned.json()["items"]) == Decimal("120000.00")
    assert {i["outcome"] for i in aligned.json()["items"]} == {None}


def test_bad_filters_are_422s_naming_the_parameter(client_as):
    pct = client_as("pct")
    answer = pct.get("/api/resources/lines", {"partner": "nobody", "area": "E99999999"})
    assert problem(answer) == (422, "The request is not valid: see partner, area.",
                               ["partner", "area"])
    assert answer.json()["problems"][0]["message"] == "there is no partner 'nobody'"
    for year in ("2021/23", "2021-22", "next year"):
        answer = pct.get("/api/resources/lines", {"year": year})
        assert problem(answer) == (422, "The request is not valid: see year.", ["year"]), year
    assert problem(pct.get("/api/resources/lines", {"arrangement": "shared"}))[2] == [
        "arrangement"]
    assert problem(pct.get("/api/resources/streams", {"partner": "nobody"}))[2] == ["partner"]
    assert problem(pct.get("/api/resources/allocations", {"stream": "nothing"}))[2] == [
        "stream"]


def test_funding_streams(client_as):
    answer = client_as("police").get("/api/resources/streams", {"partner": "nhs-gateshead"})
    assert [(s["slug"], s["kind"]) for s in answer.json()["items"]] == [
        ("nhs-gateshead-allocation", "mainstream"),
        ("pct-area-partnership-fund", "specific_grant")]
    assert client_as("police").get("/api/resources/streams").json()["count"] == 10


def test_the_pool_with_its_contributions_and_spend(client_as):
    finance = client_as("finance").get(POOL).json()
    assert {k: finance[k] for k in ("host", "legal_basis", "theme", "outcomes")} == {
        "host": "gateshead-council",
        "legal_basis": "Section 75 agreement GSP/S75/2021/01 (illustrative)",
        "theme": HEALTHY,
        "outcomes": ["Children grow up a healthy weight",
                     "Fewer people smoke, and more are active"]}
    first_year = [(c["partner_name"], c["amount"]) for c in finance["contributions"]
                  if c["financial_year"] == "2021/22"]
    assert first_year == [("Gateshead Council", "500000.00"),
                          ("NHS Gateshead (Gateshead Primary Care Trust)", "500000.00")]
    assert len(finance["contributions"]) == 6
    assert finance["spend"] == [
        {"financial_year": "2021/22", "lines": 44, "budget": "1000000.00",
         "actual_q1": "223100.00", "actual_q2": "242500.00", "actual_q3": "242500.00",
         "actual_q4": "261900.00", "actual_to_date": "970000.00"},
        {"financial_year": "2022/23", "lines": 44, "budget": "1000000.00",
         "actual_q1": "230000.00", "actual_q2": "250000.00", "actual_q3": "250000.00",
         "actual_q4": "270000.00", "actual_to_date": "1000000.00"},
        {"financial_year": "2023/24", "lines": 44, "budget": "1000000.00",
         "actual_q1": "257600.00", "actual_q2": "280000.00", "actual_q3": "280000.00",
         "actual_q4": None, "actual_to_date": "817600.00"}]
    # NHS Gateshead's people see all the contributions, but only their own pooled lines.
    pct = client_as("pct").get(POOL).json()
    assert pct["contributions"] == finance["contributions"]
    assert [(s["lines"], s["budget"], s["actual_to_date"]) for s in pct["spend"]] == [
        (22, "500000.00", "485000.00"), (22, "500000.00", "500000.00"),
        (22, "500000.00", "408800.00")]
    assert client_as("pct").get("/api/resources/pools").json()["count"] == 1
    missing = client_as("pct").get("/api/resources/pools/no-such-pool")
    assert (missing.status_code, missing.json()) == (
        404, {"detail": "There is no pooled budget 'no-such-pool' that you may see."})


def test_warwickshire_split_by_need_and_as_agreed(client_as):
    police = client_as("police")
    by_need = police.get(f"/api/resources/allocations/{scenario_id(BY_NEED)}").json()
    amounts = {a["area"]: a["allocation"] for a in by_need["amounts"]}
    assert amounts == {"E07000218": "103702.00", NUNEATON: "271299.00",
                       "E07000220": "136477.00", "E07000221": "135389.00",
                       "E07000222": "153133.00"}
    assert sum(Decimal(a) for a in amounts.values()) == Decimal("800000")
    assert (by_need["pot"], by_need["total"], by_need["floor"]) == (
        "800000.00", "800000.00", "100000.00")
    assert {a["lower"] for a in by_need["amounts"]} == {"100000.00"}
    nuneaton = next(a for a in by_need["amounts"] if a["area"] == NUNEATON)
    assert nuneaton["weight"] == pytest.approx(129883 * 23.54)
    # The most deprived fifth of Warwickshire's people all live in Nuneaton and Bedworth,
    # the neediest district: the share of its people inside the fifth takes its amount.
    people = sum(a["population"] for a in by_need["amounts"])
    inside = 0.2 * people / nuneaton["population"]
    assert by_need["deprived_amount"] == f"{271299 * inside:.2f}"
    assert by_need["deprived_share"] == pytest.approx(271299 * inside / 800000)
    agreed = police.get(f"/api/resources/allocations/{scenario_id(AS_AGREED)}").json()
    assert {a["area"]: a["allocation"] for a in agreed["amounts"]}[NUNEATON] == "400000.00"
    assert agreed["deprived_share"] == pytest.approx(400000 * inside / 800000)


def test_the_list_of_scenarios(client_as):
    answer = client_as("steering").get("/api/resources/allocations").json()
    assert [(s["name"], s["total"]) for s in answer["items"]] == [
        (AS_AGREED, "800000.00"), (BY_NEED, "800000.00"),
        ("Neighbourhood fund 2023/24: As last year", "1000000.00"),
        ("Neighbourhood fund 2023/24: By need (population × need)", "1000000.00"),
        ("Neighbourhood fund 2023/24: By need, within 10% of last year", "1000000.00"),
        ("Neighbourhood fund 2023/24: By population", "1000000.00"),
        ("Neighbourhood fund 2023/24: Equal shares", "1000000.00")]
    # Each share is of the scenario's own areas: Gateshead's wards, Warwickshire's districts.
    shares = {s["name"]: s["deprived_share"] for s in answer["items"]}
    assert shares["Neighbourhood fund 2023/24: By population"] == pytest.approx(0.2, abs=1e-4)
    assert client_as("steering").get("/api/resources/allocations", {
        "year": "2008/09", "stream": "warwickshire-area-based-grant"}).json()["count"] == 2


def test_a_missing_scenario_is_a_404_and_a_bad_id_a_422(client_as):
    pct = client_as("pct")
    unused = (AllocationScenario.objects.order_by("-pk").values_list("pk", flat=True)[0]) + 1
    answer = pct.get(f"/api/resources/allocations/{unused}")
    assert (answer.status_code, answer.json()) == (
        404, {"detail": f"There is no allocation scenario {unused} that you may see."})
    assert problem(pct.get("/api/resources/allocations/0"))[0] == 422


def test_the_resources_table(client_as):
    answer = client_as("pct").get("/api/resources/table", {
        "year": "2021/22", "theme": HEALTHY, "limit": 500})
    body = answer.json()
    assert (body["count"], body["year"], body["level"], body["theme"]) == (
        22, "2021/22", "ward", HEALTHY)
    assert all(list(row) == performance.COLUMNS for row in body["items"])
    birtley = next(row for row in body["items"] if row["area"] == BIRTLEY)
    assert {k: birtley[k] for k in ("area_name", "spend", "single", "pooled", "by_partner",
                                    "apportioned", "population")} == {
        "area_name": "Birtley", "spend": "24633.72", "single": None, "pooled": "24633.72",
        "by_partner": "NHS Gateshead: £24634", "apportioned": "need", "population": 8028}
    assert birtley["spend_per_head"] == f"{24633.72 / 8028:.2f}"
    assert sum(Decimal(row["spend"]) for row in body["items"]) == Decimal("500000.00")
    latest = client_as("pct").get("/api/resources/table", {"level": "locality"}).json()
    assert (latest["year"], latest["count"]) == ("2023/24", 35)


def test_bad_table_requests(client_as):
    pct = client_as("pct")
    answer = pct.get("/api/resources/table", {"year": "2030/31"})
    assert problem(answer) == (422, "The request is not valid: see year.", ["year"])
    assert answer.json()["problems"][0]["message"] == (
        "there are no budget lines for 2030/31 that you may see; choose one of 2023/24, "
        "2022/23, 2021/22, 2010/11")
    assert problem(pct.get("/api/resources/table", {"theme": "nothing"}))[2] == ["theme"]
    assert problem(pct.get("/api/resources/table", {"level": "county"}))[2] == ["level"]


def test_monitoring_as_at_the_latest_quarter(client_as):
    body = client_as("finance").get("/api/resources/monitoring").json()
    assert (body["year"], body["as_at"], body["tolerance"], body["absolute_tolerance"]) == (
        "2023/24", 3, 0.05, 5000.0)
    pool = body["by_pool"]
    assert [(p["key"], p["name"], p["lines"]) for p in pool] == [
        ("healthy-weight-pool", "Healthy weight pooled budget", 44)]
    # By December three quarters of the budget is profiled (straight line); the pool's
    # partners had spent 1.12 × 73% of it, by the demo's phasing.
    assert {k: pool[0][k] for k in ("budget", "actual_to_date", "profiled_to_date",
                                    "forecast_outturn", "forecast_variance", "status")} == {
        "budget": "1000000.00", "actual_to_date": "817600.00", "profiled_to_date": "750000.00",
        "forecast_outturn": f"{817600 / 0.75:.2f}",
        "forecast_variance": f"{817600 / 0.75 - 1000000:.2f}", "status": "overspend"}
    streams = {s["key"]: s for s in body["by_stream"]}
    assert streams["tyne-and-wear-fire-revenue"]["name"] == (
        "Tyne and Wear Fire revenue budget (Gateshead's share)")
    assert sum(t["lines"] for t in body["by_theme"]) == 313
    assert sum(s["lines"] for s in body["by_stream"]) == 313


def test_monitoring_adds_up_only_the_lines_seen(client_as):
    body = client_as("pct").get("/api/resources/monitoring", {"year": "2021/22"}).json()
    assert body["as_at"] == 4
    assert [(t["key"], t["lines"], t["budget"], t["actual_to_date"], t["status"])
            for t in body["by_theme"]] == [
        (HEALTHY, 22, "500000.00", "485000.00", "on budget"),
        ("narrowing-the-gap", 5, "50000.00", "50000.00", "on budget")]
    assert [s["key"] for s in body["by_stream"]] == ["nhs-gateshead-allocation",
                                                     "pct-area-partnership-fund"]
    answer = client_as("pct").get("/api/resources/monitoring", {"year": "2009/10"})
    assert problem(answer)[2] == ["year"]
