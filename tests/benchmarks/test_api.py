"""Neighbour sets in the API: the variables and weights, and an area's neighbours."""

from __future__ import annotations

import pytest

from joinedup.benchmarks.models import Variable

from .reference import GATESHEAD, brute_force_neighbours

pytestmark = pytest.mark.django_db


def test_the_sets_with_their_variables_and_weights(api):
    sets = api(None).get("/api/benchmarks/sets").json()
    assert [(s["slug"], s["areas"], s["k"]) for s in sets] == [("districts", 296, 15),
                                                              ("upper-tier", 153, 15)]
    detail = api(None).get("/api/benchmarks/sets/districts").json()
    stored = Variable.objects.filter(neighbour_set__slug="districts").order_by("order")
    assert [(v["name"], v["weight"], v["source"]) for v in detail["variables"]] == [
        (v.name, v.weight, v.source) for v in stored]
    assert len(detail["variables"]) == 12


def test_an_areas_neighbours_in_a_set(api):
    found = api(None).get(f"/api/benchmarks/sets/upper-tier/neighbours/{GATESHEAD}").json()
    expected = brute_force_neighbours("neighbour_variables_upper_tier.csv")[GATESHEAD]
    assert [(n["rank"], n["code"]) for n in found["neighbours"]] == [
        (rank, code) for rank, (code, _) in enumerate(expected, start=1)]
    assert [n["distance"] for n in found["neighbours"]] == pytest.approx(
        [d for _, d in expected], abs=1e-12)


@pytest.mark.parametrize("path", ["/api/benchmarks/sets/wards",
                                  "/api/benchmarks/sets/districts/neighbours/E99999999",
                                  "/api/benchmarks/indicators/IL 01"])
def test_what_does_not_exist_is_a_404_that_says_so(api, path):
    answer = api(None).get(path)
    assert answer.status_code == 404
    assert answer.json()["detail"]


def test_the_indicators_with_comparison_figures(api):
    public = {i["code"]: i["neighbour_set"] for i in
              api(None).get("/api/benchmarks/indicators").json()}
    assert public["HW 02"] == "districts" and public["CY 01"] == "upper-tier"
    assert "CY 07" not in public
    assert "CY 07" in {i["code"] for i in api("officer").get("/api/benchmarks/indicators").json()}
