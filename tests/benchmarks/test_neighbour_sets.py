"""Neighbour sets in the database: the stored neighbours are the kernel's on the shipped
files, and a weight change is recorded with who and why and computes them again."""

from __future__ import annotations

import re

import polars as pl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from joinedup.benchmarks.models import Neighbour, NeighbourSet, Variable
from joinedup.benchmarks.neighbour_sets import neighbours_for
from joinedup.core.neighbours import nearest_neighbours
from joinedup.history.models import Change

from .reference import GATESHEAD, PLACES, brute_force_neighbours

pytestmark = pytest.mark.django_db

FILES = {"districts": "neighbour_variables_districts.csv",
         "upper-tier": "neighbour_variables_upper_tier.csv"}


def stored(slug: str) -> pl.DataFrame:
    rows = Neighbour.objects.filter(neighbour_set__slug=slug).order_by("area", "rank")
    return pl.DataFrame(list(rows.values_list("area", "neighbour", "rank", "distance")),
                        schema=["area", "neighbour", "rank", "distance"], orient="row")


@pytest.mark.parametrize("slug", sorted(FILES))
def test_stored_neighbours_equal_the_kernel_on_the_shipped_file(slug):
    weights = dict(pl.read_csv(PLACES / "neighbour_weights.csv").iter_rows())
    expected = nearest_neighbours(pl.read_csv(PLACES / FILES[slug]), weights, 15)
    found = stored(slug)
    assert found.height == expected.height == 15 * pl.read_csv(PLACES / FILES[slug]).height
    assert found["area"].to_list() == expected["area"].to_list()
    assert found["neighbour"].to_list() == expected["neighbour"].to_list()
    assert found["rank"].to_list() == expected["rank"].cast(pl.Int64).to_list()
    assert found["distance"].to_list() == expected["distance"].to_list()


def test_gateshead_neighbours_match_a_brute_force_from_the_source_file():
    expected = brute_force_neighbours(FILES["districts"])[GATESHEAD]
    found = list(Neighbour.objects.filter(neighbour_set__slug="districts", area=GATESHEAD)
                 .order_by("rank").values_list("neighbour", "distance"))
    assert [code for code, _ in found] == [code for code, _ in expected]
    for (_, distance), (_, reference) in zip(found, expected, strict=True):
        assert distance == pytest.approx(reference, abs=1e-12)


def test_the_page_shows_variables_weights_sources_and_our_15_nearest(client):
    answer = client.get(reverse("benchmarks:neighbours", args=["districts"]))
    assert answer.status_code == 200
    page = answer.content.decode()
    nearest = brute_force_neighbours(FILES["districts"])[GATESHEAD]
    table = page[page.index('data-testid="nearest"'):page.index("</table>",
                                                               page.index('data-testid="nearest"'))]
    assert re.findall(r'data-code="(\w+)"', table) == [code for code, _ in nearest]
    assert f"{nearest[0][1]:.4f}" in table
    for variable in Variable.objects.filter(neighbour_set__slug="districts"):
        assert f"<code>{variable.name}</code>" in page
    assert "English Indices of Deprivation 2019 (MHCLG), File 2" in page
    assert 'data-testid="weights-form"' not in page  # anonymous: read only


def test_a_weight_change_recomputes_and_is_recorded_with_who_and_why(client_as, person):
    chosen = NeighbourSet.objects.get(slug="districts")
    variables = list(chosen.variables.all())
    form = {f"weight_{v.name}": v.weight for v in variables}
    form["weight_imd_crime"] = "0"
    form["weight_log_density"] = "2.5"
    form["reason"] = "Crime is measured by the police's own figures, not as a neighbour trait."
    answer = client_as("officer").post(chosen.get_absolute_url(), form)
    assert answer.status_code == 302
    weights = {v.name: 1.0 for v in variables} | {"imd_crime": 0.0, "log_density": 2.5}
    expected = brute_force_neighbours(FILES["districts"], weights)
    found = stored("districts").filter(pl.col("area") == GATESHEAD)
    assert found["neighbour"].to_list() == [c for c, _ in expected[GATESHEAD]]
    assert found["distance"].to_list() == pytest.approx(
        [d for _, d in expected[GATESHEAD]], abs=1e-12)
    changes = Change.objects.filter(
        action=Change.Action.UPDATE, content_type=ContentType.objects.get_for_model(Variable),
        object_id__in=[v.pk for v in variables if v.name in ("imd_crime", "log_density")])
    assert sorted((c.before["weight"], c.after["weight"]) for c in changes) == [
        (1.0, 0.0), (1.0, 2.5)]
    assert {c.person for c in changes} == {person("officer")}
    assert {c.reason for c in changes} == {form["reason"]}


def test_a_mistake_is_summarised_and_nothing_typed_is_lost(client_as):
    chosen = NeighbourSet.objects.get(slug="districts")
    form = {f"weight_{v.name}": v.weight for v in chosen.variables.all()}
    form["weight_imd_health"] = "-1"
    form["weight_imd_income"] = "0.75"
    form["reason"] = ""
    before = stored("districts")
    answer = client_as("officer").post(chosen.get_absolute_url(), form)
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "There is a problem" in page
    assert "The weight of imd_health must be 0 or more." in page
    assert "Say why the weights change." in page
    assert 'value="-1"' in page and 'value="0.75"' in page
    assert Variable.objects.get(neighbour_set=chosen, name="imd_income").weight == 1.0
    assert stored("districts").equals(before)


def test_every_weight_0_is_refused_and_nothing_is_saved(client_as):
    chosen = NeighbourSet.objects.get(slug="districts")
    form = {f"weight_{v.name}": "0" for v in chosen.variables.all()}
    form["reason"] = "Trying nothing at all."
    answer = client_as("officer").post(chosen.get_absolute_url(), form)
    assert answer.status_code == 200
    assert "every area has the same weighted values" in answer.content.decode()
    assert set(chosen.variables.values_list("weight", flat=True)) == {1.0}


@pytest.mark.parametrize("persona", ["theme_lead", "board", None])
def test_only_the_partnership_officer_changes_a_weight(client_as, persona):
    chosen = NeighbourSet.objects.get(slug="districts")
    form = {f"weight_{v.name}": "2" for v in chosen.variables.all()}
    form["reason"] = "Not theirs to change."
    answer = client_as(persona).post(chosen.get_absolute_url(), form)
    assert answer.status_code == 403
    assert set(chosen.variables.values_list("weight", flat=True)) == {1.0}


def test_the_kernel_lists_15_neighbours_for_each_of_the_296_districts():
    frame = neighbours_for(NeighbourSet.objects.get(slug="districts"))
    assert frame.height == 296 * 15
    assert frame.group_by("area").len()["len"].unique().to_list() == [15]
