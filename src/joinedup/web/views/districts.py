"""Two tiers: what each district partnership contributes to the county's outcomes, and
each district's own strategy. The figures come from ``reports.contributions``; this
module only lays them out."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from joinedup.reports.contributions import counties, district_measures, districts_of, rollup
from joinedup.strategy.models import Strategy, Theme


def districts(request):
    user = request.user
    return render(request, "strategy/districts.html", {"counties": [
        {"county": county, "districts": districts_of(county, user),
         "rollup": rollup(county, user)}
        for county in counties(user)]})


def district(request, slug):
    user = request.user
    strategy = get_object_or_404(
        Strategy.objects.visible_to(user).select_related("area", "body", "parent__area"),
        slug=slug)
    if not strategy.is_district:
        raise Http404("Not a district partnership's strategy")
    return render(request, "strategy/district.html", {
        "strategy": strategy,
        "themes": list(Theme.objects.visible_to(user).filter(strategy=strategy)
                       .select_related("body")),
        "measures": district_measures(strategy, user),
    })
