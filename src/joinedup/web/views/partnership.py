"""The partnership overview and the page of each body."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from joinedup.common.querysets import manages_framework
from joinedup.partnership.models import (
    BROAD_SECTOR,
    SECTOR_CHOICES,
    Body,
    Meeting,
    Membership,
    Organisation,
    ReportingCycle,
)
from joinedup.places.models import Area
from joinedup.strategy.models import Indicator, Outcome, Strategy, Theme
from joinedup.web import page_cache


def overview(request):
    return page_cache.cached_page(request, "partnership/overview.html",
                                  lambda: _overview_context(request))


def _overview_context(request) -> dict:
    user = request.user
    strategy = Strategy.objects.visible_to(user).home()
    indicators = Indicator.objects.visible_to(user)
    outcomes = Outcome.objects.visible_to(user)
    themes = Theme.objects.visible_to(user)
    if strategy is not None:  # a district's themes are on its own page, not the county's
        indicators = indicators.filter(outcome__theme__strategy=strategy)
        outcomes = outcomes.filter(theme__strategy=strategy)
        themes = themes.filter(strategy=strategy)
    themes = (
        themes
        .select_related("body")
        .annotate(outcome_count=Count("outcomes", distinct=True))
        .order_by("order", "name")
    )
    counts_by_theme = dict(
        indicators.values_list("outcome__theme").annotate(n=Count("pk")).values_list(
            "outcome__theme", "n"
        )
    )
    for theme in themes:
        theme.indicator_count = counts_by_theme.get(theme.pk, 0)
    bodies = Body.objects.visible_to(user).annotate(
        member_count=Count("memberships", distinct=True)
    )
    layers = bodies.layers()
    organisations = Organisation.objects.visible_to(user)
    sectors: dict[str, list[Organisation]] = {group: [] for group, _ in SECTOR_CHOICES}
    for organisation in organisations:
        sectors[BROAD_SECTOR[organisation.sector]].append(organisation)
    sectors = {group: members for group, members in sectors.items() if members}
    context = {
        "strategy": strategy,
        "districts": list(Strategy.objects.visible_to(user).filter(parent=strategy)
                          .select_related("area")) if strategy else [],
        "themes": themes,
        "layers": layers,
        "sectors": sectors,
        "counts": {
            "themes": len(themes),
            "outcomes": outcomes.count(),
            "indicators": indicators.count(),
            "partners": organisations.count(),
            "bodies": bodies.count(),
            "areas": Area.objects.visible_to(user).filter(level="ward").count(),
        },
    }
    return context


def body(request, slug):
    return page_cache.cached_page(request, "partnership/body.html",
                                  lambda: _body_context(request, slug))


def _body_context(request, slug) -> dict:
    user = request.user
    body = get_object_or_404(
        Body.objects.visible_to(user).select_related("parent", "area"), slug=slug
    )
    memberships = Membership.objects.visible_to(user).filter(body=body).select_related(
        "person", "organisation"
    )
    themes = Theme.objects.visible_to(user).filter(body=body).prefetch_related(
        Prefetch("outcomes", queryset=Outcome.objects.order_by("order", "title"))
    )
    meetings = list(Meeting.objects.visible_to(user).filter(body=body))
    now = timezone.now()
    context = {
        "body": body,
        "children": Body.objects.visible_to(user).filter(parent=body).order_by("order", "name"),
        "memberships": memberships,
        "themes": themes,
        "led_indicators": Indicator.objects.visible_to(user).filter(lead_body=body),
        "cycle": ReportingCycle.objects.visible_to(user).filter(body=body).first(),
        "upcoming": sorted((m for m in meetings if m.starts >= now), key=lambda m: m.starts),
        "past": sorted((m for m in meetings if m.starts < now), key=lambda m: m.starts,
                       reverse=True),
        "may_manage_meetings": manages_framework(user),
    }
    return context
