"""Loading the comparison figures and the neighbour sets again changes only what differs,
and records each change."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from joinedup.benchmarks.models import ComparisonFigure, Member, Neighbour, NeighbourSet
from joinedup.benchmarks.neighbour_sets import SHIPPED, load_shipped_set
from joinedup.demo.benchmarks import load_comparison_figures
from joinedup.history.models import Change
from joinedup.history.recording import recorded_as

from .reference import BENCHMARK_VALUES, GATESHEAD

pytestmark = pytest.mark.django_db

HEADER = "indicator,neighbour_set,area,period,value,numerator,denominator"
#: Gateshead's claimant count in 2020, and in 2019, as shipped.
CHANGED = "EC 04,districts,E08000037,2020,7,8896,127079"
DROPPED = "EC 04,districts,E08000037,2019,4.5,5728,127283"


def sets() -> dict[str, NeighbourSet]:
    return {s.slug: s for s in NeighbourSet.objects.all()}


def changes_to_figures():
    return Change.objects.filter(
        content_type=ContentType.objects.get_for_model(ComparisonFigure))


def test_loading_the_shipped_file_again_changes_and_records_nothing():
    before = (Change.objects.count(), list(ComparisonFigure.objects.values_list("id", "value")
                                           .order_by("id")))
    counts = load_comparison_figures(BENCHMARK_VALUES, sets())
    assert counts == {"held": 111_852, "created": 0, "updated": 0, "deleted": 0}
    assert (Change.objects.count(), list(ComparisonFigure.objects.values_list("id", "value")
                                         .order_by("id"))) == before


def test_a_changed_file_changes_only_the_rows_that_differ_recorded(tmp_path):
    text = BENCHMARK_VALUES.read_text(encoding="utf-8")
    assert text.startswith(HEADER + "\n")
    assert f"\n{CHANGED}\n" in text and f"\n{DROPPED}\n" in text
    edited = tmp_path / "benchmark_values.csv"
    edited.write_text(text.replace(f"\n{DROPPED}\n", "\n")
                      .replace(f"\n{CHANGED}\n", "\nEC 04,districts,E08000037,2020,7.1,9023,"
                                                 "127079\n"), encoding="utf-8")
    figure = ComparisonFigure.objects.get(indicator__code="EC 04", area=GATESHEAD,
                                          period="2020")
    dropped = ComparisonFigure.objects.get(indicator__code="EC 04", area=GATESHEAD,
                                           period="2019")
    others = ComparisonFigure.objects.exclude(pk__in=[figure.pk, dropped.pk])
    untouched = list(others.values_list("id", "value").order_by("id"))
    already = changes_to_figures().count()

    with recorded_as(actor="demo builder"):
        counts = load_comparison_figures(edited, sets())
    assert counts == {"held": 111_851, "created": 0, "updated": 1, "deleted": 1}
    figure.refresh_from_db()
    assert (figure.value, figure.numerator, figure.denominator) == (7.1, 9023.0, 127079.0)
    assert not ComparisonFigure.objects.filter(pk=dropped.pk).exists()
    assert list(others.values_list("id", "value").order_by("id")) == untouched
    recorded = changes_to_figures().order_by("id")[already:]
    assert [(c.action, c.object_id, c.actor) for c in recorded] == [
        ("delete", dropped.pk, "demo builder"), ("update", figure.pk, "demo builder")]
    update = recorded[1]
    assert (update.before["value"], update.after["value"]) == (7.0, 7.1)
    assert (update.before["numerator"], update.after["numerator"]) == (8896.0, 9023.0)

    counts = load_comparison_figures(BENCHMARK_VALUES, sets())
    assert counts == {"held": 111_852, "created": 1, "updated": 1, "deleted": 0}
    restored = ComparisonFigure.objects.get(indicator__code="EC 04", area=GATESHEAD,
                                            period="2019")
    assert (restored.value, restored.numerator, restored.denominator) == (
        4.5, 5728.0, 127283.0)
    assert changes_to_figures().filter(object_id=restored.pk, action="create").exists()


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_loading_a_set_again_writes_nothing(slug):
    found = NeighbourSet.objects.get(slug=slug)
    before = (Change.objects.count(), found.computed_at,
              list(Member.objects.filter(neighbour_set=found).values_list("id", "values")),
              list(Neighbour.objects.filter(neighbour_set=found).values_list("id", "distance")))
    again = load_shipped_set(slug)
    assert (Change.objects.count(), again.computed_at,
            list(Member.objects.filter(neighbour_set=found).values_list("id", "values")),
            list(Neighbour.objects.filter(neighbour_set=found)
                 .values_list("id", "distance"))) == before
