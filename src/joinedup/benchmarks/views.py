"""The benchmark pages: the indicators with comparison figures, one indicator's benchmark,
and a neighbour set with its variables, weights and the partnership's nearest neighbours.

An indicator's benchmark is seen by exactly those who may see the indicator
(``Indicator.objects.visible_to``); for anyone else it is not found. The neighbour sets are
open data; only the partnership officer (who manages the framework) changes a weight.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.benchmarks import charts
from joinedup.benchmarks.figures import benchmark_for, home_area_code, with_figures
from joinedup.benchmarks.forms import WeightsForm
from joinedup.benchmarks.models import ComparisonFigure, Member, NeighbourSet
from joinedup.benchmarks.neighbour_sets import change_weights
from joinedup.common.querysets import manages_framework
from joinedup.strategy.models import Indicator


@require_GET
def index(request):
    indicators = with_figures(Indicator.objects.visible_to(request.user)).select_related(
        "outcome__theme")
    sets = {row["indicator_id"]: row["neighbour_set__name"] for row in
            ComparisonFigure.objects.filter(indicator__in=indicators)
            .values("indicator_id", "neighbour_set__name").distinct()}
    return render(request, "benchmarks/index.html", {
        "here": "index", "rows": [(i, sets.get(i.pk, "")) for i in indicators],
        "sets": NeighbourSet.objects.all()})


@require_GET
def indicator(request, slug: str):
    found = get_object_or_404(Indicator.objects.visible_to(request.user), slug=slug)
    benchmark = benchmark_for(found)
    if benchmark is None:
        raise Http404("This indicator has no published figures to compare with.")
    return render(request, "benchmarks/indicator.html", {
        "here": "index", "indicator": found, "benchmark": benchmark,
        "comparisons": [_comparison(row, benchmark) for row in benchmark.ranks],
        "funnel_svg": charts.funnel_svg(benchmark), "trend_svg": charts.trend_svg(benchmark)})


def _comparison(row: dict, benchmark) -> dict:
    among = (f"Its {len(benchmark.neighbours)} statistical neighbours and itself"
             if row["comparison"] == "neighbours"
             else f"Every one of the {benchmark.neighbour_set.area_word} with a figure")
    return {**row, "among": among}


@require_http_methods(["GET", "POST"])
def neighbours(request, slug: str):
    chosen = get_object_or_404(NeighbourSet.objects.all(), slug=slug)
    variables = list(chosen.variables.all())
    may_change = manages_framework(request.user)
    form = WeightsForm(variables=variables)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only the partnership officer changes the weights.")
        form = WeightsForm(request.POST, variables=variables)
        if form.is_valid():
            try:
                changed = change_weights(chosen, form.weights(), person=request.user,
                                         reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, _changed_message(changed))
                return redirect(chosen)
    home = home_area_code()
    names = dict(Member.objects.filter(neighbour_set=chosen).values_list("code", "name"))
    nearest = [{"rank": n.rank, "code": n.neighbour, "name": names.get(n.neighbour, ""),
                "distance": n.distance}
               for n in chosen.neighbours.filter(area=home).order_by("rank")] if home else []
    return render(request, "benchmarks/neighbours.html", {
        "here": f"set-{chosen.slug}", "neighbour_set": chosen, "variables": variables,
        "home": home, "home_name": names.get(home, home), "nearest": nearest,
        "members": len(names), "may_change": may_change, "form": form,
        "sets": NeighbourSet.objects.all()})


def _refused(form: WeightsForm, error: ValidationError) -> None:
    """Show a refusal on the field it is about, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, problems in error.message_dict.items():
        field = f"weight_{name}" if f"weight_{name}" in form.fields else name
        form.add_error(field if field in form.fields else None, problems)


def _changed_message(changed: list[str]) -> str:
    if not changed:
        return "No weight changed, so the neighbours are as they were."
    return (f"The weight of {', '.join(changed)} changed; the neighbours have been "
            "computed again.")
