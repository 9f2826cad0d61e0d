"""Partners' money in the API: funding streams, budget lines, pooled budgets, allocation
scenarios, the resources-against-performance table and financial monitoring. Reads only.

Who sees what is the querysets' rule, as on the pages and in the exports: a partner's
budget lines are seen by the partnership officer, the finance officers' group, the Board,
the partner's own people and the partners it shares them with; streams, pools and
scenarios by every signed-in partner. Money is the partnership's business, so an anonymous
caller's lists are empty, and any one pool or scenario, the table and the monitoring are
404s, as for collection rounds and exceptions. Totals (a pool's spend, the table, the
monitoring) add up only the lines the caller may see.

A filter that names a partner, theme, area or stream that does not exist, or a year that
is not a financial year, is a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl
from django.db.models import Count, Sum
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS,
    MAX_ID,
    READ_ERRORS,
    PageQuery,
    finite,
    invalid,
    page,
)
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.partnership.models import Organisation
from joinedup.places.models import Area
from joinedup.resources import allocating, finance, performance
from joinedup.resources.api_schemas import (
    LinePage,
    LineQuery,
    MonitoringOut,
    MonitoringQuery,
    PoolDetail,
    PoolPage,
    ScenarioDetail,
    ScenarioPage,
    ScenarioQuery,
    Slug,
    StreamPage,
    StreamQuery,
    TablePage,
    TableQuery,
    line_item,
    monitored_item,
    money,
    pool_item,
    stream_item,
    table_item,
)
from joinedup.resources.models import (
    AllocationScenario,
    BudgetLine,
    FundingStream,
    PoolContribution,
    PooledBudget,
    ScenarioAmount,
)
from joinedup.strategy.models import Theme

router = Router(auth=READ)

ScenarioId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _unknown(user, **named) -> Status | None:
    """A 422 naming each filter (partner, theme, area, stream) that names nothing."""
    where = {
        "partner": (Organisation.objects.visible_to(user), "slug", "partner"),
        "theme": (Theme.objects.visible_to(user), "slug", "theme"),
        "area": (Area.objects.visible_to(user), "code__iexact", "area"),
        "stream": (FundingStream.objects.visible_to(user), "slug", "funding stream"),
    }
    problems = []
    for column, value in named.items():
        if not value:
            continue
        queryset, field, what = where[column]
        if not queryset.filter(**{field: _key(column, value)}).exists():
            problems.append({"row": None, "column": column, "severity": "error",
                             "message": f"there is no {what} {value!r}"})
    if not problems:
        return None
    columns = ", ".join(p["column"] for p in problems)
    return Status(422, invalid(f"The request is not valid: see {columns}.", problems))


def _key(column: str, value: str) -> str:
    """Slugs are lower case; area codes are matched whatever their case."""
    value = value.strip()
    return value if column == "area" else value.lower()


def _chosen_year(user, asked: str | None) -> tuple[str | None, Status | None]:
    """The year asked for, or the latest with lines ``user`` may see.

    404 when ``user`` may see no budget line at all; a 422 when they may see none of the
    year asked for, naming the years they may choose.
    """
    years = finance.years(user)
    if not years:
        raise HttpError(404, "There are no budget lines that you may see.")
    if asked is None:
        return years[0], None
    if asked not in years:
        message = (f"there are no budget lines for {asked} that you may see; choose one of "
                   + ", ".join(years))
        return None, Status(422, invalid("The request is not valid: see year.", [
            {"row": None, "column": "year", "message": message, "severity": "error"}]))
    return asked, None


# ---- funding streams and budget lines -------------------------------------------------

@router.get("/streams", response={200: StreamPage, **READ_ERRORS},
            summary="List funding streams", openapi_extra=OPTIONAL_TOKEN)
def list_funding_streams(request, query: Query[StreamQuery]):
    """Where partners' money comes from, by partner then name; filter by partner or kind.
    Partners only: an anonymous caller gets an empty list."""
    user = request.auth
    refused = _unknown(user, partner=query.partner)
    if refused:
        return refused
    streams = (FundingStream.objects.visible_to(user).select_related("partner")
               .order_by("partner__name", "name", "pk"))
    if query.partner:
        streams = streams.filter(partner__slug=_key("partner", query.partner))
    if query.kind:
        streams = streams.filter(kind=query.kind)
    return page(streams, query, stream_item)


@router.get("/lines", response={200: LinePage, **READ_ERRORS}, summary="List budget lines",
            openapi_extra=OPTIONAL_TOKEN)
def list_budget_lines(request, query: Query[LineQuery]):
    """The budget lines the caller may see, by year, theme, partner and area; filter by
    year, partner, theme, area or arrangement. Amounts are pounds and pence as strings."""
    user = request.auth
    refused = _unknown(user, partner=query.partner, theme=query.theme, area=query.area)
    if refused:
        return refused
    lines = (BudgetLine.objects.visible_to(user)
             .select_related("partner", "stream", "theme", "outcome", "area", "pool")
             .order_by("financial_year", "theme__order", "partner__name", "area__code", "pk"))
    if query.year:
        lines = lines.filter(financial_year=query.year)
    if query.partner:
        lines = lines.filter(partner__slug=_key("partner", query.partner))
    if query.theme:
        lines = lines.filter(theme__slug=_key("theme", query.theme))
    if query.area:
        lines = lines.filter(area__code__iexact=query.area.strip())
    if query.arrangement:
        lines = lines.filter(arrangement=query.arrangement)
    return page(lines, query, line_item)


# ---- pooled budgets -------------------------------------------------------------------

def _pools(user):
    return (PooledBudget.objects.visible_to(user).select_related("host", "theme")
            .prefetch_related("outcomes"))


@router.get("/pools", response={200: PoolPage, **READ_ERRORS}, summary="List pooled budgets",
            openapi_extra=OPTIONAL_TOKEN)
def list_pooled_budgets(request, query: Query[PageQuery]):
    """Pooled budgets by name: their host, legal basis, theme and outcomes. Partners only."""
    return page(_pools(request.auth).order_by("name", "pk"), query, pool_item)


@router.get("/pools/{slug}", response={200: PoolDetail, **DETAIL_ERRORS},
            summary="One pooled budget, with its contributions and the spend against it",
            openapi_extra=OPTIONAL_TOKEN)
def get_pooled_budget(request, slug: Slug):
    """A pool with each partner's contribution by year, and, by year, the budgets and
    actuals of the pooled lines the caller may see; 404 if the caller may not see it."""
    user = request.auth
    pool = _pools(user).filter(slug=_key("pool", slug)).first()
    if pool is None:
        raise HttpError(404, f"There is no pooled budget {slug!r} that you may see.")
    contributions = (PoolContribution.objects.visible_to(user).filter(pool=pool)
                     .select_related("partner").order_by("financial_year", "partner__name",
                                                         "pk"))
    quarters = BudgetLine.QUARTERS
    spend = (BudgetLine.objects.visible_to(user).filter(pool=pool).order_by()
             .values("financial_year")
             .annotate(lines=Count("pk"), budget=Sum("budget"),
                       **{quarter: Sum(quarter) for quarter in quarters})
             .order_by("financial_year"))
    return {
        **pool_item(pool),
        "contributions": [{"partner": c.partner.slug, "partner_name": c.partner.name,
                           "financial_year": c.financial_year, "amount": money(c.amount)}
                          for c in contributions],
        "spend": [{"financial_year": row["financial_year"], "lines": row["lines"],
                   "budget": money(row["budget"]),
                   **{quarter: money(row[quarter]) for quarter in quarters},
                   "actual_to_date": money(sum(row[q] or 0 for q in quarters))}
                  for row in spend],
    }


# ---- allocation scenarios -------------------------------------------------------------

def _scenario_item(scenario: AllocationScenario) -> dict:
    # One scenario at a time: the most deprived fifth is of the scenario's own areas.
    comparison = allocating.compare([scenario])
    share = comparison.deprived_share.get(scenario.pk)
    return {
        "id": scenario.pk, "name": scenario.name, "stream": scenario.stream.slug,
        "theme": scenario.theme.slug, "financial_year": scenario.financial_year,
        "pot": money(scenario.pot), "basis": scenario.basis,
        "need_measure": scenario.need_measure, "floor": money(scenario.floor),
        "ceiling": money(scenario.ceiling), "damping": finite(scenario.damping),
        "state": scenario.state, "note": scenario.note,
        "illustrative": scenario.illustrative,
        "total": money(comparison.totals.get(scenario.pk, 0)),
        "deprived_amount": money(comparison.deprived.get(scenario.pk)),
        "deprived_share": None if share is None else finite(float(share)),
    }


def _scenarios(user):
    return AllocationScenario.objects.visible_to(user).select_related("stream", "theme")


@router.get("/allocations", response={200: ScenarioPage, **READ_ERRORS},
            summary="List allocation scenarios", openapi_extra=OPTIONAL_TOKEN)
def list_allocation_scenarios(request, query: Query[ScenarioQuery]):
    """Ways of splitting a pot across areas, by year and name, each with its total and
    what it sends to the most deprived fifth; filter by year or stream. Partners only."""
    user = request.auth
    refused = _unknown(user, stream=query.stream)
    if refused:
        return refused
    scenarios = _scenarios(user).order_by("financial_year", "name", "pk")
    if query.year:
        scenarios = scenarios.filter(financial_year=query.year)
    if query.stream:
        scenarios = scenarios.filter(stream__slug=_key("stream", query.stream))
    return page(scenarios, query, _scenario_item)


@router.get("/allocations/{scenario_id}", response={200: ScenarioDetail, **DETAIL_ERRORS},
            summary="One allocation scenario, with its amount for each area",
            openapi_extra=OPTIONAL_TOKEN)
def get_allocation_scenario(request, scenario_id: ScenarioId):
    """A scenario with each area's population, need, weight, allocation and the bounds it
    was held within; 404 if the caller may not see it."""
    user = request.auth
    scenario = _scenarios(user).filter(pk=scenario_id).first()
    if scenario is None:
        raise HttpError(404, f"There is no allocation scenario {scenario_id} that you may "
                             "see.")
    amounts = (ScenarioAmount.objects.visible_to(user).filter(scenario=scenario)
               .select_related("area").order_by("area__code", "pk"))
    return {**_scenario_item(scenario), "amounts": [{
        "area": a.area.code, "area_name": a.area.name, "population": a.population,
        "need": finite(a.need), "previous": money(a.previous), "weight": finite(a.weight),
        "allocation": money(a.allocation), "lower": money(a.lower), "upper": money(a.upper),
        "bound": a.bound} for a in amounts]}


# ---- resources against performance, and monitoring -----------------------------------

@router.get("/table", response={200: TablePage, **DETAIL_ERRORS},
            summary="Resources against performance, by area and theme",
            openapi_extra=OPTIONAL_TOKEN)
def resources_table(request, query: Query[TableQuery]):
    """One row per area of the level × theme, by theme then area: the spend of the lines
    the caller may see, need, and how the theme's indicators are doing there, with the
    quadrant. 404 if the caller may see no budget line."""
    user = request.auth
    year, refused = _chosen_year(user, query.year)
    refused = refused or _unknown(user, theme=query.theme)
    if refused:
        return refused
    theme = _key("theme", query.theme) if query.theme else None
    frame = performance.table(user, year=year, level=query.level, theme=theme)
    rows = frame.slice(query.offset, query.limit).to_dicts()
    return {"count": frame.height, "limit": query.limit, "offset": query.offset,
            "year": year, "level": query.level, "theme": theme,
            "items": [table_item(row) for row in rows]}


@router.get("/monitoring", response={200: MonitoringOut, **DETAIL_ERRORS},
            summary="Budget against actual by theme, stream and pool",
            openapi_extra=OPTIONAL_TOKEN)
def budget_monitoring(request, query: Query[MonitoringQuery]):
    """The year's budgets against actuals as at the latest quarter reported, added up by
    theme, funding stream and pool over the lines the caller may see, with the forecast
    outturn and whether it is over or under budget. 404 if the caller may see no budget
    line."""
    user = request.auth
    year, refused = _chosen_year(user, query.year)
    if refused:
        return refused
    lines = finance.lines_frame(user, year=year)
    keys = list(BudgetLine.objects.visible_to(user).filter(financial_year=year).order_by()
                .values_list("pk", "stream__slug", "stream__name", "pool__slug",
                             "pool__name"))
    # Totals are keyed by slug, which names a stream or pool once; names may repeat.
    slugs = pl.DataFrame([(pk, stream, pool) for pk, stream, _, pool, _ in keys], orient="row",
                         schema={"line": pl.Int64, "stream": pl.String, "pool": pl.String})
    lines = lines.drop("stream", "pool").join(slugs, on="line", how="left")
    names = {"stream": {stream: name for _, stream, name, _, _ in keys},
             "pool": {pool: name for *_, pool, name in keys if pool},
             "theme": dict(Theme.objects.visible_to(user).values_list("slug", "name"))}
    monitored = finance.monitoring(lines)
    answer = {"year": year, "as_at": 0, "tolerance": finance.TOLERANCE,
              "absolute_tolerance": finance.ABSOLUTE_TOLERANCE, "by_theme": [],
              "by_stream": [], "by_pool": []}
    if monitored is None:
        return answer
    for name, key in (("by_theme", "theme"), ("by_stream", "stream"), ("by_pool", "pool")):
        frame = getattr(monitored, name).with_columns(pl.col("status").cast(pl.String))
        answer[name] = [monitored_item(row, key, names[key]) for row in frame.to_dicts()]
    return {**answer, "as_at": monitored.as_at}
