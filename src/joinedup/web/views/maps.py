"""Maps of an indicator: its figures across the wards or LSOAs of the partnership's
district, in classes, with the same figures in a table."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from joinedup.core.choropleth import DEFAULT_CLASSES, FEWEST_CLASSES, METHODS, MOST_CLASSES
from joinedup.places import choropleth
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator


def mappable_figures(indicator, user):
    """The figures a map may show: approved ones the reader may see."""
    return DataValue.objects.visible_to(user).filter(
        indicator=indicator, state=DataValue.State.APPROVED)


def _classes(text: str | None) -> int:
    try:
        asked = int(text)
    except (TypeError, ValueError):
        return DEFAULT_CLASSES
    return min(max(asked, FEWEST_CLASSES), MOST_CLASSES)


def indicator_map(request, slug):
    indicator = get_object_or_404(
        Indicator.objects.visible_to(request.user).select_related("outcome__theme__strategy__area"),
        slug=slug,
    )
    level = request.GET.get("level") or "ward"
    method = request.GET.get("classes") or "quantiles"
    if method not in METHODS:
        method = "quantiles"
    k = _classes(request.GET.get("k"))
    try:
        drawn = choropleth.build(indicator, mappable_figures(indicator, request.user),
                                 level=level, period=request.GET.get("period"),
                                 method=method, k=k)
    except choropleth.NoMap as reason:
        # Not found, but said so: which map is missing, why, and the ones there are.
        others = []
        for other, name in choropleth.LEVELS.items():
            try:
                choropleth.build(indicator, mappable_figures(indicator, request.user),
                                 level=other)
            except choropleth.NoMap:
                continue
            others.append((other, name))
        return render(request, "strategy/indicator_no_map.html", {
            "indicator": indicator, "reason": str(reason), "others": others,
            "level_name": choropleth.LEVELS.get(level, level)}, status=404)
    return render(request, "strategy/indicator_map.html", {
        "indicator": indicator,
        "map": drawn,
        "svg": drawn.svg(described_by="map-legend"),
        "rows": drawn.rows(),
        "legend": drawn.legend(),
        "levels": choropleth.LEVELS,
        "methods": METHODS,
        "class_counts": range(FEWEST_CLASSES, MOST_CLASSES + 1),
        "fewer_classes": drawn.classes.count < k,
        "distinct": len({row["value"] for row in drawn.rows() if row["value"] is not None}),
    })
