"""The claimant count (EC 04) has numerators and denominators in the shipped comparison
figures, so its benchmark has a funnel plot: its limits against scipy's binomial
quantiles, computed here from the shipped file alone, and Gateshead's place in it; and the
counts against the ONS population file they are derived from."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.urls import reverse
from scipy.stats import binom

from .reference import BENCHMARK_VALUES, GATESHEAD, read_rows

pytestmark = pytest.mark.django_db

ENGLAND = "E92000001"
POPULATION = (Path(__file__).resolve().parents[3]
              / "shared/data/population/mye_2019_2020_la_single_year_of_age.csv")
LIMITS = {"lower_99_8": 0.001, "lower_95": 0.025, "upper_95": 0.975, "upper_99_8": 0.999}


def binomial_limit(probability: float, n: float, p: float) -> float:
    """The count limit: scipy's binomial quantile r (the least r with P(X ≤ r) ≥ the
    probability), less the share of the step at r that lies beyond the probability."""
    r = binom.ppf(probability, n, p)
    at, before = binom.cdf(r, n, p), binom.cdf(r - 1, n, p)
    return max(r - (at - probability) / (at - before), 0.0)


def claimant_figures(period: str) -> dict[str, dict]:
    return {row["area"]: row for row in read_rows(BENCHMARK_VALUES)
            if row["indicator"] == "EC 04" and row["period"] == period}


def test_the_claimant_count_funnel_is_exact_binomial_around_england(api, client):
    figures = claimant_figures("2020")
    england = float(figures.pop(ENGLAND)["value"])
    assert england == 5.4
    counted = {area: (float(r["numerator"]), float(r["denominator"]))
               for area, r in figures.items() if r["denominator"]}
    found = api(None).get("/api/benchmarks/indicators/ec-04").json()
    funnel = found["funnel"]
    assert found["funnel_reason"] == ""
    assert (funnel["period"], funnel["measure"], funnel["method"], funnel["benchmark"]) == (
        "2020", "proportion", "exact binomial", england)
    assert {p["area"] for p in funnel["points"]} == set(counted)
    bands = {}
    for point in funnel["points"]:
        numerator, n = counted[point["area"]]
        assert (point["numerator"], point["denominator"]) == (numerator, n)
        limits = {name: binomial_limit(q, n, england / 100) for name, q in LIMITS.items()}
        for name, count in limits.items():
            assert point[name] == pytest.approx(count / n * 100, abs=1e-9)
        bands[point["area"]] = (
            "high_99_8" if numerator > limits["upper_99_8"] else
            "high_95" if numerator > limits["upper_95"] else
            "low_99_8" if numerator < limits["lower_99_8"] else
            "low_95" if numerator < limits["lower_95"] else "within_95")
        assert point["band"] == bands[point["area"]]
    # Gateshead: 8,896 claimants of 127,079 residents aged 16 to 64 (7.0%), above
    # England's 5.4% by more than the 99.8% limit allows.
    assert counted[GATESHEAD] == (8896, 127079)
    assert bands[GATESHEAD] == "high_99_8"
    page = client.get(reverse("benchmarks:indicator", args=["ec-04"])).content.decode()
    assert "<strong>exact binomial</strong>" in page
    assert 'aria-label="Funnel plot of Claimant count' in page
    table = page[page.index('data-testid="funnel"'):]
    row = table[table.index("(our area)"):]
    assert row[:row.index("</tr>")].rstrip().endswith("<td class=\"govuk-table__cell\">"
                                                      "high_99_8</td>")


def test_only_the_years_of_the_population_estimates_have_counts():
    counted = {row["period"] for row in read_rows(BENCHMARK_VALUES)
               if row["denominator"]}
    assert counted == {"2019", "2020"}
    assert {row["indicator"] for row in read_rows(BENCHMARK_VALUES)
            if row["denominator"]} == {"EC 04"}


@pytest.mark.skipif(not POPULATION.is_file(), reason="needs the shared public data")
@pytest.mark.parametrize("area, year, districts", [
    # Gateshead, unchanged
    (GATESHEAD, "2019", {"E08000037"}),
    # North Yorkshire (2023), the sum of its seven districts and of the old county
    ("E06000065", "2020", {"E07000163", "E07000164", "E07000165", "E07000166",
                           "E07000167", "E07000168", "E07000169"}),
])
def test_the_counts_are_derived_from_the_population_estimates(area, year, districts):
    with POPULATION.open(encoding="utf-8", newline="") as handle:
        people = sum(sum(int(row[f"age_{age}"]) for age in range(16, 65))
                     for row in csv.DictReader(handle)
                     if row["period"] == f"mid-{year}" and row["geography"].startswith("LTLA")
                     and row["area_code"] in districts)
    row = claimant_figures(year)[area]
    assert float(row["denominator"]) == people
    assert float(row["numerator"]) == round(float(row["value"]) * people / 100)
