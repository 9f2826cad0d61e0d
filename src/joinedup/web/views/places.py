"""Areas: the partnership's places, their maps and their figures."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from joinedup.places.maps import map_for
from joinedup.reports import profile_export, profiles
from joinedup.places.models import LEVEL_RANK, Area, Level
from joinedup.common import charts
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Strategy
from joinedup.web import page_cache


def areas(request):
    user = request.user
    strategy = Strategy.objects.visible_to(user).home()
    listed = Area.objects.visible_to(user).without_boundaries()
    by_level: dict[str, list[Area]] = {}
    for area in listed.select_related("parent").order_by("name"):
        if area.level != "lsoa":
            by_level.setdefault(area.level, []).append(area)
    levels = [
        (Level(level).label, by_level[level])
        for level in sorted(by_level, key=LEVEL_RANK.get)
    ]
    comparators = list(strategy.comparators.all()) if strategy else []
    return render(
        request,
        "places/areas.html",
        {"strategy": strategy, "levels": levels, "comparators": comparators},
    )


def area(request, code):
    return page_cache.cached_page(request, "places/area.html",
                                  lambda: _area_context(request, code))


def _area_context(request, code) -> dict:
    user = request.user
    area = get_object_or_404(Area.objects.visible_to(user).select_related("parent"), code=code)
    children = list(
        Area.objects.visible_to(user).filter(parent=area).without_boundaries().order_by("name")
    )
    values = list(
        DataValue.objects.visible_to(user)
        .filter(area=area)
        .select_related("indicator__outcome__theme", "area")
        .defer("area__boundary")
    )
    latest = latest_by_indicator(values)
    layers = map_for(area)
    figure = None
    if layers:
        spec = charts.area_map(
            layers["outline"], layers["features"], colour_field=layers["colour_field"],
            colour_title=layers["colour_title"], ordinal=layers["ordinal"],
        )
        figure = {
            "svg": charts.render_svg(spec, label=_map_label(area, layers)),
            "pieces": layers["pieces"],
            "colour_field": layers["colour_field"],
        }
    return {
        "area": area,
        "ancestors": area.ancestors(),
        "children": children,
        "latest": latest,
        "map": figure,
    }


def latest_by_indicator(values) -> list:
    latest: dict[int, DataValue] = {}
    for value in values:
        current = latest.get(value.indicator_id)
        if current is None or (value.period_start, value.period_end) > (
            current.period_start, current.period_end
        ):
            latest[value.indicator_id] = value
    return sorted(latest.values(), key=lambda v: (v.indicator.outcome.theme.order, v.indicator.code))


def _map_label(area, layers) -> str:
    pieces = layers["pieces"]
    if not pieces:
        return f"Map of the boundary of {area.name}."
    kind = pieces[0].get_level_display().lower()
    text = f"Map of {area.name} showing its {len(pieces)} {kind} boundaries"
    if layers["colour_field"] == "decile":
        text += ", shaded by IMD 2019 deprivation decile"
    elif layers["colour_field"] == "group":
        text += f", shaded by {pieces[0].parent.get_level_display().lower()}"
    return text + ". The areas are listed beneath the map."



def profile(request, code):
    """The locality profile of any area, at any level (``reports.profiles``)."""
    area = get_object_or_404(Area.objects.visible_to(request.user).select_related("parent"),
                             code=code)
    return render(request, "places/profile.html",
                  {"profile": profiles.profile(area, request.user)})


def profile_pdf(request, code):
    area = get_object_or_404(Area.objects.visible_to(request.user).select_related("parent"),
                             code=code)
    data = profile_export.pdf_file(profiles.profile(area, request.user), request.user)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="profile-{area.code}.pdf"'
    return response
