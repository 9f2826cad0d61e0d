"""An indicator's benchmark on the page, in the API and on the command line, against a
slow computation in the test from the shipped comparison figures; who may see it; and the
comparison figures kept apart from the partnership's own returns."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from django.core.management import call_command
from django.urls import reverse
from scipy.stats import binom, poisson

from joinedup.assessment.models import Assessment
from joinedup.benchmarks.models import ENGLAND, ComparisonFigure
from joinedup.returns.models import DataValue

from .reference import (
    GATESHEAD,
    PACKAGE,
    brute_force_neighbours,
    comparison_figures,
    read_rows,
    slow_rank,
)

pytestmark = pytest.mark.django_db
DISTRICTS = "neighbour_variables_districts.csv"


@pytest.fixture(scope="module")
def expected_hw02():
    """HW 02 (Year 6 excess weight, lower is better) worked out slowly from the files."""
    nearest = [code for code, _ in brute_force_neighbours(DISTRICTS)[GATESHEAD]]
    members = {row["area"] for row in read_rows(PACKAGE / "places/data" / DISTRICTS)}
    figures = comparison_figures("HW 02")
    latest = max(p for p in figures if GATESHEAD in figures[p])
    ours = figures[latest][GATESHEAD]
    group = [figures[latest][c] for c in nearest if c in figures[latest]]
    everyone = [v for c, v in figures[latest].items() if c in members and c != GATESHEAD]
    ranks = {
        "neighbours": (slow_rank(ours, group, True), len(group) + 1),
        "england": (slow_rank(ours, everyone, True), len(everyone) + 1),
    }
    trend = {}
    for period, areas in figures.items():
        present = [areas[c] for c in nearest if c in areas]
        mean = sum(present) / len(present) if 2 * len(present) >= len(nearest) else None
        if GATESHEAD in areas or mean is not None:
            trend[period] = (areas.get(GATESHEAD), mean, len(present), areas.get(ENGLAND))
    return {"nearest": nearest, "latest": latest, "ours": ours, "ranks": ranks,
            "trend": trend}


def test_the_api_gives_rank_quartile_and_trend_as_computed_slowly(api, expected_hw02):
    answer = api(None).get("/api/benchmarks/indicators/hw-02")
    assert answer.status_code == 200
    found = answer.json()
    assert found["area"] == GATESHEAD and found["neighbour_set"] == "districts"
    assert [n["code"] for n in found["neighbours"]] == expected_hw02["nearest"]
    for row in found["ranks"]:
        rank, size = expected_hw02["ranks"][row["comparison"]]
        assert (row["period"], row["value"], row["rank"], row["group_size"], row["quartile"]) \
            == (expected_hw02["latest"], expected_hw02["ours"], rank, size,
                math.ceil(4 * rank / size))
    assert {row["comparison"] for row in found["ranks"]} == {"neighbours", "england"}
    trend = {row["period"]: row for row in found["trend"]}
    assert set(trend) == set(expected_hw02["trend"])
    for period, (ours, mean, present, england) in expected_hw02["trend"].items():
        row = trend[period]
        assert row["value"] == ours and row["england"] == england
        assert row["neighbours_with_value"] == present and row["neighbours_listed"] == 15
        if mean is None:
            assert row["neighbours_mean"] is None
        else:
            assert row["neighbours_mean"] == pytest.approx(mean, abs=1e-12)
    # Fingertips' extracts give values only, so there is no funnel, and the page says why.
    assert found["funnel"] is None
    assert "no numerators and denominators" in found["funnel_reason"]


def test_the_page_shows_the_same_figures_beside_its_charts(client, expected_hw02):
    answer = client.get(reverse("benchmarks:indicator", args=["hw-02"]))
    assert answer.status_code == 200
    page = answer.content.decode()
    for comparison, (rank, size) in expected_hw02["ranks"].items():
        start = page.index(f'data-comparison="{comparison}"')
        row = page[start:page.index("</tr>", start)]
        assert f"{rank} of {size}" in row
        assert f">{math.ceil(4 * rank / size)}<" in row
    assert 'role="img" aria-label="Line chart of Year 6 children with excess weight' in page
    latest = expected_hw02["trend"][expected_hw02["latest"]]
    trend = page[page.index('data-testid="trend"'):]
    assert f"{latest[1]:.1f}" in trend[:trend.index("</table>")]
    assert "no numerators and denominators" in page


def test_the_index_lists_only_indicators_the_visitor_may_see(client_as):
    public = client_as(None).get(reverse("benchmarks:index")).content.decode()
    assert "HW 02 Year 6 children with excess weight" in public
    assert "CY 07" not in public
    assert "CY 07" in client_as("officer").get(reverse("benchmarks:index")).content.decode()


@pytest.mark.parametrize("persona, status", [(None, 404), ("police", 404), ("pct", 200),
                                             ("officer", 200)])
def test_a_restricted_indicators_benchmark_follows_its_visibility(client_as, api, persona,
                                                                  status):
    # CY 07 is restricted to NHS Gateshead, its owner, and the council it is shared with.
    assert client_as(persona).get(
        reverse("benchmarks:indicator", args=["cy-07"])).status_code == status
    assert api(persona).get("/api/benchmarks/indicators/CY 07").status_code == status


def test_comparison_figures_are_not_returns_and_are_never_assessed():
    with open(PACKAGE / "demo/data/values.csv", encoding="utf-8") as handle:
        own = sum(1 for row in csv.DictReader(handle) if row["indicator"] == "HW 02")
    assert DataValue.objects.filter(indicator__code="HW 02").count() == own == 59
    assert ComparisonFigure.objects.filter(indicator__code="HW 02").count() == 3256
    # Redcar and Cleveland is one of Gateshead's neighbours, with comparison figures only.
    assert ComparisonFigure.objects.filter(area="E06000003").exists()
    assert not Assessment.objects.filter(area__code="E06000003").exists()
    assert not DataValue.objects.filter(area__code="E06000003").exists()


def slow_limit(distribution, probability, *shape):
    r = 0
    while distribution.cdf(r, *shape) < probability:
        r += 1
    at, before = distribution.cdf(r, *shape), distribution.cdf(r - 1, *shape)
    return max(r - (at - probability) / (at - before), 0.0)


def give_counts(code: str, period: str, scale: float) -> dict[str, tuple[float, float]]:
    """Numerators and denominators for every area's figure of one period: denominators
    of 400 to 3,400 by area, numerators the value's share of them, rounded."""
    counts = {}
    for i, figure in enumerate(ComparisonFigure.objects.filter(
            indicator__code=code, period=period).exclude(area=ENGLAND).order_by("area")):
        figure.denominator = float(400 + (i * 389) % 3000)
        figure.numerator = float(round(figure.value / scale * figure.denominator))
        figure.save()
        counts[figure.area] = (figure.numerator, figure.denominator)
    return counts


def test_funnel_limits_are_exact_binomial_for_a_percentage(api):
    counts = give_counts("HW 02", "2017/18", 100)
    england = ComparisonFigure.objects.get(indicator__code="HW 02", period="2017/18",
                                           area=ENGLAND).value
    funnel = api(None).get("/api/benchmarks/indicators/hw-02").json()["funnel"]
    assert funnel["method"] == "exact binomial" and funnel["measure"] == "proportion"
    assert funnel["period"] == "2017/18" and funnel["benchmark"] == england
    assert {p["area"] for p in funnel["points"]} == set(counts)
    for point in funnel["points"]:
        numerator, n = counts[point["area"]]
        assert (point["numerator"], point["denominator"]) == (numerator, n)
        assert point["value"] == pytest.approx(numerator / n * 100, abs=1e-12)
        limits = {name: slow_limit(binom, p, n, england / 100) for name, p in
                  {"lower_99_8": 0.001, "lower_95": 0.025, "upper_95": 0.975,
                   "upper_99_8": 0.999}.items()}
        for name, count in limits.items():
            assert point[name] == pytest.approx(count / n * 100, abs=1e-9)
        band = ("high_99_8" if numerator > limits["upper_99_8"] else
                "high_95" if numerator > limits["upper_95"] else
                "low_99_8" if numerator < limits["lower_99_8"] else
                "low_95" if numerator < limits["lower_95"] else "within_95")
        assert point["band"] == band


def test_funnel_limits_are_poisson_for_a_rate(client, api):
    counts = give_counts("HW 13", "2017/18", 100_000)
    england = ComparisonFigure.objects.get(indicator__code="HW 13", period="2017/18",
                                           area=ENGLAND).value
    funnel = api(None).get("/api/benchmarks/indicators/hw-13").json()["funnel"]
    assert funnel["method"] == "Poisson" and funnel["multiplier"] == 100_000
    point = next(p for p in funnel["points"] if p["area"] == GATESHEAD)
    n = counts[GATESHEAD][1]
    expected = england / 100_000 * n
    assert point["upper_95"] == pytest.approx(
        slow_limit(poisson, 0.975, expected) / n * 100_000, abs=1e-9)
    page = client.get(reverse("benchmarks:indicator", args=["hw-13"])).content.decode()
    assert "<strong>Poisson</strong>" in page
    assert 'aria-label="Funnel plot of Emergency admissions for intentional self-harm' in page


def test_the_command_prints_the_apis_figures(api, capsys):
    call_command("benchmark", "HW 02", "--format", "json")
    printed = json.loads(capsys.readouterr().out)
    assert printed == api(None).get("/api/benchmarks/indicators/hw-02").json()
    call_command("benchmark", "hw-02")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    ranked = {(r["comparison"], r["measure"]): r["value"] for r in rows if r["part"] == "rank"}
    expected = {row["comparison"]: row for row in printed["ranks"]}
    assert ranked[("neighbours", "rank")] == str(expected["neighbours"]["rank"])
    assert ranked[("england", "group_size")] == str(expected["england"]["group_size"])


def test_the_command_refuses_an_indicator_the_person_may_not_see():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="There is no indicator 'CY 07' that you may see"):
        call_command("benchmark", "CY 07", "--user", "police.analyst")
