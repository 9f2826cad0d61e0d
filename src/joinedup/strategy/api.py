"""Indicators in the API: what the partnership measures, as far as the caller may see it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.db.models import Q
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.common.api import (
    DETAIL_ERRORS,
    READ_ERRORS,
    Code,
    Page,
    PageQuery,
    finite,
    page,
)
from joinedup.constitution.querysets import sharing_of
from joinedup.strategy.models import Indicator, Target

router = Router(auth=READ)


class IndicatorOut(Schema):
    code: str
    slug: str
    title: str
    unit: str
    decimals: int
    polarity: Literal["up", "down", "none"]
    frequency: str
    kind: str
    visibility: Literal["public", "partners", "restricted"]
    owner: str = Field(description="The slug of the organisation that supplies the figures.")
    lead_body: str | None = Field(description="The slug of the lead body, if any.")
    theme: str = Field(description="The slug of the indicator's theme.")
    outcome: str
    area_levels: list[str]
    url: str = Field(description="The indicator's page on the site.")


class TargetOut(Schema):
    area: str
    period: str
    period_start: date
    period_end: date
    value: float | None
    kind: str
    tolerance: float | None
    illustrative: bool = Field(description="Invented for a demonstration, not agreed.")
    milestones: list[dict[str, str | float | None]]


class IndicatorDetail(IndicatorOut):
    definition: str
    source: str
    source_url: str
    allows_negative: bool
    shared_with: list[str] = Field(description="For restricted indicators: the slugs of "
                                   "the partners, besides the owner, who may see it by the "
                                   "information-sharing charter; [\"*\"] for every partner.")
    targets: list[TargetOut]


class IndicatorPage(Page):
    items: list[IndicatorOut]


class IndicatorQuery(PageQuery):
    theme: Code | None = Field(None, description="A theme's slug.")
    owner: Code | None = Field(None, description="The owner organisation's slug.")
    code: Code | None = Field(None, description="An indicator code, such as 'HW 02'.")


def visible_indicators(user):
    return (Indicator.objects.visible_to(user)
            .select_related("owner", "lead_body", "outcome__theme").order_by("code"))


def indicator_or_404(user, code: str) -> Indicator:
    """An indicator the caller may see, by code ("HW 02") or slug ("hw-02")."""
    found = visible_indicators(user).filter(Q(code__iexact=code.strip()) |
                                            Q(slug=code.strip().lower())).first()
    if found is None:
        raise HttpError(404, f"There is no indicator {code!r} that you may see.")
    return found


def indicator_item(indicator: Indicator) -> dict:
    return {
        "code": indicator.code, "slug": indicator.slug, "title": indicator.title,
        "unit": indicator.unit, "decimals": indicator.decimals,
        "polarity": indicator.polarity, "frequency": indicator.frequency,
        "kind": indicator.kind, "visibility": indicator.visibility,
        "owner": indicator.owner.slug,
        "lead_body": indicator.lead_body.slug if indicator.lead_body_id else None,
        "theme": indicator.outcome.theme.slug, "outcome": indicator.outcome.title,
        "area_levels": list(indicator.area_levels or []),
        "url": indicator.get_absolute_url(),
    }


def _target(target: Target) -> dict:
    return {
        "area": target.area.code, "period": target.period,
        "period_start": target.period_start, "period_end": target.period_end,
        "value": finite(target.value), "kind": target.kind,
        "tolerance": finite(target.tolerance), "illustrative": target.illustrative,
        "milestones": [{"period": m.period, "value": finite(m.value)}
                       for m in target.milestones.all()],
    }


@router.get("", response={200: IndicatorPage, **READ_ERRORS}, summary="List indicators",
            openapi_extra=OPTIONAL_TOKEN)
def list_indicators(request, query: Query[IndicatorQuery]):
    """Indicators the caller may see, by code; filter by theme, owner or code."""
    indicators = visible_indicators(request.auth)
    if query.theme:
        indicators = indicators.filter(outcome__theme__slug=query.theme)
    if query.owner:
        indicators = indicators.filter(owner__slug=query.owner)
    if query.code:
        indicators = indicators.filter(Q(code__iexact=query.code.strip()) |
                                       Q(slug=query.code.strip().lower()))
    return page(indicators, query, indicator_item)


@router.get("/{code}", response={200: IndicatorDetail, **DETAIL_ERRORS},
            summary="One indicator, with its targets", openapi_extra=OPTIONAL_TOKEN)
def get_indicator(request, code: Code):
    """One indicator by code or slug; 404 if it does not exist or the caller may not see it."""
    indicator = indicator_or_404(request.auth, code)
    targets = (Target.objects.visible_to(request.auth).filter(indicator=indicator)
               .select_related("area").prefetch_related("milestones")
               .order_by("area__code", "period_start"))
    return {
        **indicator_item(indicator),
        "definition": indicator.definition, "source": indicator.source,
        "source_url": indicator.source_url, "allows_negative": indicator.allows_negative,
        "shared_with": _shared_with(indicator),
        "targets": [_target(t) for t in targets],
    }


def _shared_with(indicator) -> list[str]:
    if indicator.visibility != "restricted":
        return []
    every, named = sharing_of("indicators", indicator.owner_id, indicator.outcome.theme_id)
    return ["*"] if every else [o.slug for o in named]
