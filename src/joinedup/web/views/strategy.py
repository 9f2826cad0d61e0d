"""Themes and indicators: the pages partners and the public read most."""

from __future__ import annotations

from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, render

from joinedup.assessment import pages
from joinedup.constitution.querysets import sharing_of
from joinedup.places.models import Area, Level
from joinedup.common import charts
from joinedup.returns.models import DataValue
from joinedup.strategy import tables
from joinedup.strategy.models import Indicator, Milestone, Outcome, PathwayAction, Target, Theme
from joinedup.web import page_cache


def themes(request):
    user = request.user
    visible = Indicator.objects.visible_to(user)
    theme_list = Theme.objects.visible_to(user).select_related("strategy", "body").prefetch_related(
        Prefetch("outcomes", queryset=Outcome.objects.prefetch_related(
            Prefetch("indicators", queryset=visible, to_attr="visible_indicators")
        ))
    ).order_by(F("strategy__parent").asc(nulls_first=True), "strategy__name", "order", "name")
    strategies = {theme.strategy_id for theme in theme_list}
    return render(request, "strategy/themes.html",
                  {"themes": theme_list, "several_strategies": len(strategies) > 1})


def theme(request, slug):
    return page_cache.cached_page(request, "strategy/theme.html",
                                  lambda: _theme_context(request, slug))


def _theme_context(request, slug) -> dict:
    user = request.user
    theme = get_object_or_404(
        Theme.objects.visible_to(user).select_related("strategy__area", "body")
        .prefetch_related(Prefetch("strategy__comparators",
                                   queryset=Area.objects.defer("boundary"))), slug=slug
    )
    strategy = theme.strategy
    home = strategy.area
    indicators = list(
        Indicator.objects.visible_to(user)
        .filter(outcome__theme=theme)
        .select_related("owner", "outcome")
        .order_by("code")
    )
    values = list(
        DataValue.objects.visible_to(user)
        .filter(indicator__in=indicators)
        .exclude(area__level__in=tables.LOCAL_LEVELS)
        .select_related("area")
        .defer("area__boundary")
    )
    targets = list(Target.objects.visible_to(user).filter(indicator__in=indicators))
    assessed = pages.latest_by_series(indicators, user)
    rows_by_outcome: dict[int, list] = {}
    for indicator in indicators:
        own_values = [v for v in values if v.indicator_id == indicator.pk]
        headline = tables.headline_areas(strategy, own_values)
        area = headline[0] if headline else home
        latest = tables.latest_value(own_values, area)
        own_targets = [t for t in targets if t.indicator_id == indicator.pk]
        for target in own_targets:
            target.indicator = indicator
        assessment = assessed.get((indicator.pk, area.pk))
        rows_by_outcome.setdefault(indicator.outcome_id, []).append({
            "indicator": indicator,
            "area": area,
            "latest": latest,
            "target": tables.judged_target(own_targets, assessment),
            "assessment": assessment,
        })
    outcomes = []
    pathway: dict[int, list] = {}
    if user.is_authenticated:
        for action in (PathwayAction.objects.visible_to(user)
                       .filter(outcome__theme=theme).select_related("lead")):
            pathway.setdefault(action.outcome_id, []).append(action)
    for outcome in Outcome.objects.filter(theme=theme).order_by("order", "title"):
        outcome.rows = rows_by_outcome.get(outcome.pk, [])
        outcome.pathway = pathway.get(outcome.pk, [])
        outcomes.append(outcome)
    context = {
        "theme": theme,
        "home": home,
        "outcomes": outcomes,
        "chair": theme.body.chair() if theme.body and user.is_authenticated else None,
        "flags": list(pages.open_flags(user, indicator__outcome__theme=theme)),
    }
    return context


def indicators(request):
    user = request.user
    indicator_list = (
        Indicator.objects.visible_to(user)
        .select_related("outcome__theme", "owner")
        .order_by("outcome__theme__order", "code")
    )
    return render(request, "strategy/indicators.html", {"indicators": indicator_list})


def indicator(request, slug):
    return page_cache.cached_page(request, "strategy/indicator.html",
                                  lambda: _indicator_context(request, slug))


def _indicator_context(request, slug) -> dict:
    user = request.user
    indicator = get_object_or_404(
        Indicator.objects.visible_to(user).select_related(
            "outcome__theme__strategy__area", "owner", "lead_body"
        ),
        slug=slug,
    )
    strategy = indicator.outcome.theme.strategy
    values = list(
        DataValue.objects.visible_to(user)
        .filter(indicator=indicator)
        .select_related("area")
        .defer("area__boundary")
    )
    areas = tables.headline_areas(strategy, values)
    targets = list(
        Target.objects.visible_to(user)
        .filter(indicator=indicator)
        .select_related("area")
        .defer("area__boundary")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("period_start")))
    )
    local_levels = [
        level for level in tables.LOCAL_LEVELS if any(v.area.level == level for v in values)
    ]
    chosen = _chosen_area(request, areas, values)
    if chosen is None and indicator.tracks_gap:  # its figures are assessed, not entered
        chosen = strategy.area
    context = {
        "indicator": indicator,
        "strategy": strategy,
        "assessed_area": chosen,
        "area_choices": _area_choices(areas, values),
        "assessment": pages.series_assessment(indicator, chosen, user) if chosen else None,
        "gaps": pages.gaps_for(indicator, user),
        "areas": areas,
        "rows": tables.by_period(values, areas),
        "targets": targets,
        "local": [
            (Level(level).label, tables.latest_by_area(values, level))
            for level in local_levels
        ],
        "shared_with": _shared_with(indicator),
        "chart": _trend_chart(indicator, values, areas, targets),
    }
    return context


def _shared_with(indicator) -> list[str]:
    """The partners besides the owner a restricted indicator is shared with, by the
    charter: their names, or "every partner"."""
    if indicator.visibility != "restricted":
        return []
    every, named = sharing_of("indicators", indicator.owner_id, indicator.outcome.theme_id)
    return ["every partner"] if every else [o.display_name for o in named]


def _area_choices(areas, values) -> list:
    """Areas whose series can be shown: the headline ones first, then the rest by name."""
    others = {v.area_id: v.area for v in values if v.area_id not in {a.pk for a in areas}}
    return list(areas) + sorted(others.values(), key=lambda a: (a.level_rank, a.name))


def _chosen_area(request, areas, values):
    code = request.GET.get("area")
    if code:
        for value in values:
            if value.area.code == code:
                return value.area
    return areas[0] if areas else None


def _trend_chart(indicator, values, areas, targets):
    if not areas:
        return None
    names = {area.pk: area.name for area in areas}
    points = [
        {"period": v.period, "start": v.period_start.isoformat(), "area": names[v.area_id],
         "value": v.value}
        for v in values if v.area_id in names
    ]
    if len({p["start"] for p in points}) < 2:
        return None
    home = areas[0]
    target_points = [
        {"period": t.period, "start": t.period_start.isoformat(), "area": home.name,
         "value": t.value}
        for t in targets if t.area_id == home.pk
    ]
    spec = charts.trend_chart(
        points, unit=indicator.unit, targets=target_points,
        area_order=[area.name for area in areas],
    )
    label = (
        f"Line chart of {indicator.title} over time for "
        f"{', '.join(area.name for area in areas)}"
        + ("; diamonds mark the targets" if target_points else "")
        + ". The figures are in the table below."
    )
    return charts.render_svg(spec, label=label)
