"""The resources pages: the year's money and its monitoring, the spend lines and their
return, pooled budgets, allocation scenarios, and resources against performance.

Every page starts from the querysets' ``visible_to``; the figures come from the
``finance``, ``performance``, ``allocating`` and ``reward`` services, which the API and
the command line share.
"""

from __future__ import annotations

import json

import polars as pl
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.common.downloads import attachment
from joinedup.partnership import roles
from joinedup.partnership.models import Organisation
from joinedup.places.models import Area
from joinedup.resources import allocating, charts, finance, performance
from joinedup.resources.models import (
    AllocationScenario,
    BudgetLine,
    InKindResource,
    PoolContribution,
    PooledBudget,
)
from joinedup.resources.reward import rewards_at_stake
from joinedup.resources.spend_files import export_frame, spend_file, template_frame
from joinedup.resources.spend_import import approve_lines, import_spend_file
from joinedup.strategy.models import Theme

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _year(request, years: list[str]) -> str:
    asked = request.GET.get("year", "")
    if asked and asked not in years:
        raise Http404(f"No spend is held for {asked}.")
    return asked or (years[0] if years else "")


def _rows(frame: pl.DataFrame) -> list[dict]:
    return frame.to_dicts() if frame is not None else []


@login_required
@require_GET
def overview(request):
    years = finance.years(request.user)
    year = _year(request, years)
    lines = finance.lines_frame(request.user, year=year) if year else None
    checked = finance.monitoring(lines) if lines is not None and lines.height else None
    alignment = finance.alignment(lines) if lines is not None and lines.height else None
    failing = []
    if alignment is not None and alignment.height:
        failed = alignment.filter(pl.col("failed").list.len() > 0)
        named = lines.select("line", "partner", "stream", "theme", "arrangement", "budget")
        failing = (failed.join(named, on="line")
                   .with_columns(fails=pl.col("failed").list.join("; "))
                   .group_by("partner", "stream", "theme", "arrangement", "fails")
                   .agg(lines=pl.len(), budget=pl.col("budget").sum())
                   .sort("partner", "stream", "theme").to_dicts())
    themes = dict(Theme.objects.values_list("slug", "name"))
    return render(request, "resources/overview.html", {
        "years": years, "year": year, "monitoring": checked,
        "by_theme": [dict(r, theme_name=themes.get(r["theme"], r["theme"]))
                     for r in _rows(checked.by_theme if checked else None)],
        "by_stream": _rows(checked.by_stream if checked else None),
        "by_pool": _rows(checked.by_pool if checked else None),
        "exceptions": _rows(checked.exceptions.sort("forecast_variance", descending=True)
                            .head(20) if checked else None),
        "aligned_count": alignment.height if alignment is not None else 0,
        "failing": failing,
        "failing_count": sum(row["lines"] for row in failing),
        "by_arrangement": _by_arrangement(lines),
        "medium_term": _medium_term(request.user, years),
        "in_kind": _in_kind(request.user, year),
        "rewards": rewards_at_stake(request.user),
        "pools": PooledBudget.objects.visible_to(request.user).select_related("host"),
        "themes": themes,
    })


def _by_arrangement(lines: pl.DataFrame | None) -> list[dict]:
    if lines is None or lines.is_empty():
        return []
    return (lines.group_by("theme", "arrangement").agg(pl.col("budget").sum())
            .pivot(on="arrangement", index="theme", values="budget")
            .sort("theme").to_dicts())


def _medium_term(user, years: list[str]) -> list[dict]:
    """Pooled and aligned money by theme over the three latest years, with the outcomes
    it serves."""
    chosen = sorted(years)[-3:]
    if not chosen:
        return []
    lines = (BudgetLine.objects.visible_to(user)
             .filter(financial_year__in=chosen, arrangement__in=["aligned", "pooled"])
             .values_list("theme__name", "financial_year", "arrangement", "budget",
                          "outcome__title"))
    table: dict[str, dict] = {}
    for theme, year, arrangement, budget, outcome in lines:
        row = table.setdefault(theme, {"theme": theme, "years": {y: {"aligned": 0, "pooled": 0}
                                                                  for y in chosen},
                                       "outcomes": set()})
        row["years"][year][arrangement] += budget
        if outcome:
            row["outcomes"].add(outcome)
    return [dict(row, years=[(y, row["years"][y]) for y in chosen],
                 outcomes=sorted(row["outcomes"])) for _, row in sorted(table.items())]


def _in_kind(user, year: str) -> list[dict]:
    found: dict[tuple, dict] = {}
    for item in InKindResource.objects.visible_to(user).filter(financial_year=year) \
            .select_related("partner", "theme"):
        key = (item.partner.name, item.theme.name, item.description, item.unit, item.rate)
        row = found.setdefault(key, {"partner": item.partner.name, "theme": item.theme.name,
                                     "description": item.description, "unit": item.unit,
                                     "rate": item.rate, "quantity": 0, "value": 0,
                                     "areas": 0, "illustrative": item.illustrative})
        row["quantity"] += item.quantity
        row["value"] += item.value
        row["areas"] += 1
    return list(found.values())


@login_required
@require_http_methods(["GET", "POST"])
def lines(request):
    years = finance.years(request.user)
    year = _year(request, years) if request.GET.get("year") else ""
    result, error = None, ""
    if request.method == "POST" and request.POST.get("approve"):
        if not roles.may_manage_money(request.user):
            return render(request, "resources/refused.html", {"reason": roles.MONEY_REFUSAL},
                          status=403)
        approved = approve_lines(_filtered(request, BudgetLine.objects.visible_to(request.user),
                                           request.POST), person=request.user)
        return redirect(f"{reverse('resources:lines')}?approved={approved}")
    if request.method == "POST":
        sent = request.FILES.get("file")
        if sent is None:
            error = "Choose a CSV or Excel file of spend lines to upload."
        elif sent.size > MAX_UPLOAD_BYTES:
            error = (f"The file is {sent.size / 1048576:.0f} MB; the largest the page takes "
                     "is 50 MB. Ask your partnership officer to load it with "
                     "joinedup import-spend.")
        else:
            result = import_spend_file(sent.read(), sent.name, user=request.user,
                                       reason=request.POST.get("reason", "").strip())
            if result.saved:
                return redirect(f"{reverse('resources:lines')}?saved={result.created}-"
                                f"{result.changed}-{result.unchanged}")
    shown = _filtered(request, BudgetLine.objects.visible_to(request.user).select_related(
        "partner", "stream", "theme", "area", "pool"), request.GET)
    partner = request.GET.get("partner", "")
    theme = request.GET.get("theme", "")
    page = Paginator(shown.order_by("-financial_year", "partner__name", "theme__order",
                                    "area__code", "pk"), 100).get_page(request.GET.get("page"))
    _criteria_of(page, request.user)
    saved = request.GET.get("saved", "").split("-")
    return render(request, "resources/lines.html", {
        "page": page, "years": years, "year": year, "partner": partner, "theme": theme,
        "partners": Organisation.objects.filter(
            pk__in=BudgetLine.objects.visible_to(request.user).values("partner")),
        "themes": Theme.objects.all(), "result": result, "error": error,
        "saved": saved if len(saved) == 3 else None,
        "approved": request.GET.get("approved"),
        "submitted": shown.filter(state=BudgetLine.State.SUBMITTED).count(),
        "may_approve": roles.may_manage_money(request.user),
        "template_year": years[0] if years else "",
        "query": request.GET.urlencode(),
    }, status=400 if (error or (result and not result.saved)) else 200)


def _filtered(request, lines, params):
    """``lines`` narrowed by the page's filters: year, partner and theme."""
    if params.get("year"):
        lines = lines.filter(financial_year=params["year"])
    if params.get("partner"):
        lines = lines.filter(partner__slug=params["partner"])
    if params.get("theme"):
        lines = lines.filter(theme__slug=params["theme"])
    return lines


def _criteria_of(page, user) -> None:
    """Each aligned or pooled line on the page gets ``criteria``: those it fails, or
    an empty list when it meets them all; single lines get None."""
    for line in page:
        line.criteria = None
    joined = [line for line in page if line.arrangement != "single"]
    for year in {line.financial_year for line in joined}:
        ids = [line.pk for line in joined if line.financial_year == year]
        judged = finance.alignment(finance.lines_frame(user, pk__in=ids),
                                   as_at=finance.year_as_at(year))
        fails = dict(zip(judged["line"], judged["failed"].to_list(), strict=True))
        for line in joined:
            if line.pk in fails:
                line.criteria = fails[line.pk]


@login_required
@require_GET
def lines_download(request, fmt):
    if fmt not in CONTENT_TYPES:
        raise Http404("Spend lines are given as csv or xlsx.")
    year = request.GET.get("year") or None
    frame = export_frame(request.user, year=year, partner=request.GET.get("partner") or None)
    name = f"spend-{(year or 'all-years').replace('/', '-')}.{fmt}"
    return attachment(spend_file(frame, fmt), name, CONTENT_TYPES[fmt])


@login_required
@require_GET
def template_download(request, fmt):
    if fmt not in CONTENT_TYPES:
        raise Http404("Templates are given as csv or xlsx.")
    years = finance.years(request.user)
    year = request.GET.get("year") or (years[0] if years else "")
    frame = template_frame(request.user, year=year)
    return attachment(spend_file(frame, fmt), f"spend-return-{year.replace('/', '-')}.{fmt}",
                      CONTENT_TYPES[fmt])


@login_required
@require_GET
def pool(request, slug):
    found = get_object_or_404(PooledBudget.objects.visible_to(request.user)
                              .select_related("host", "theme"), slug=slug)
    contributions = PoolContribution.objects.visible_to(request.user).filter(pool=found) \
        .select_related("partner").order_by("financial_year", "partner__name")
    spent = (BudgetLine.objects.visible_to(request.user).filter(pool=found)
             .values_list("financial_year", "budget", *BudgetLine.QUARTERS))
    by_year: dict[str, dict] = {}
    for item in contributions:
        row = by_year.setdefault(item.financial_year, {"contributions": [], "total": 0,
                                                       "budget": 0, "actual": 0})
        row["contributions"].append(item)
        row["total"] += item.amount
    for year, budget, *actuals in spent:
        row = by_year.setdefault(year, {"contributions": [], "total": 0, "budget": 0,
                                        "actual": 0})
        row["budget"] += budget
        row["actual"] += sum(a for a in actuals if a is not None)
    return render(request, "resources/pool.html", {
        "pool": found, "outcomes": found.outcomes.all(),
        "years": sorted(by_year.items()),
    })


@login_required
@require_GET
def allocations(request):
    scenarios = (AllocationScenario.objects.visible_to(request.user)
                 .select_related("stream", "theme", "agreed_by")
                 .order_by("stream__name", "financial_year", "pk"))
    groups: dict[tuple, list] = {}
    for scenario in scenarios:
        groups.setdefault((scenario.stream.name, scenario.financial_year), []).append(scenario)
    return render(request, "resources/allocations.html", {
        "groups": [{"stream": s, "year": y, "scenarios": items}
                   for (s, y), items in groups.items()],
        "may_agree": roles.may_manage_money(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def compare(request):
    visible = AllocationScenario.objects.visible_to(request.user)
    ids = [i for i in request.GET.getlist("scenario") if i.isdigit()]
    chosen = list(visible.filter(pk__in=ids).select_related("stream", "theme"))
    problem = ""
    if request.method == "POST":
        if not roles.may_manage_money(request.user):
            return render(request, "resources/refused.html", {"reason": roles.MONEY_REFUSAL},
                          status=403)
        agreeing = visible.filter(pk=request.POST.get("agree", "")).first()
        if agreeing is None or agreeing not in chosen:
            problem = "Choose which of the scenarios shown the partnership agrees."
        else:
            count = allocating.agree(agreeing, person=request.user)
            return redirect(f"{reverse('resources:compare')}?{request.GET.urlencode()}"
                            f"&agreed={agreeing.pk}&lines={count}")
    if len(chosen) < 2 and not problem:
        problem = "Choose at least two scenarios to compare." if request.GET else ""
    comparison = allocating.compare(chosen) if chosen else None
    bars = None
    if comparison and comparison.rows:
        bars = charts.scenario_bars(
            [{"area": r["area"].name, "scenario": s.short_name,
              "amount": r["amounts"].get(s.pk, 0)}
             for r in comparison.rows for s in chosen],
            label="Each area's amount under each scenario, side by side; the table below "
                  "gives the same figures.")
    maps = _scenario_maps(comparison, chosen) if comparison else []
    return render(request, "resources/compare.html", {
        "scenarios": chosen, "comparison": comparison, "problem": problem, "bars": bars,
        "maps": maps, "may_agree": roles.may_manage_money(request.user),
        "agreed": request.GET.get("agreed"), "agreed_lines": request.GET.get("lines"),
        "choices": visible.select_related("stream"),
    }, status=400 if problem and request.method == "POST" else 200)


def _scenario_maps(comparison, chosen) -> list[dict]:
    areas = {r["area"].code: r["area"] for r in comparison.rows}
    shaped = {code: area for code, area in areas.items() if area.boundary}
    if not shaped or len(shaped) < len(areas):
        return []
    made = []
    for scenario in chosen:
        features = [{"type": "Feature", "geometry": area.boundary,
                     "properties": {"name": area.name, "amount": next(
                         r["amounts"].get(scenario.pk) for r in comparison.rows
                         if r["area"].code == code)}}
                    for code, area in sorted(shaped.items())]
        made.append({"scenario": scenario, "map": charts.choropleth(
            features, field="amount", title="Amount (£)", fmt=lambda v: f"£{v:,.0f}",
            label=f"Map of {scenario.name}: each area shaded by its amount; the table gives "
                  "the figures.", width=300)})
    return made


@login_required
@require_GET
def against_performance(request):
    years = finance.years(request.user)
    year = _year(request, years)
    theme = request.GET.get("theme", "")
    themes = dict(Theme.objects.values_list("slug", "name"))
    if theme and theme not in themes:
        raise Http404("No such theme.")
    frame = performance.table(request.user, year=year, theme=theme or None) if year else None
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "json") and frame is not None:
        if fmt == "json":
            response = HttpResponse(json.dumps(frame.to_dicts(), default=str),
                                    content_type="application/json")
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
            return response
        return attachment(spend_file(frame, "csv"),
                          f"resources-against-performance-{year.replace('/', '-')}.csv",
                          CONTENT_TYPES["csv"])
    rows = frame.to_dicts() if frame is not None else []
    return render(request, "resources/performance.html", {
        "years": years, "year": year, "theme": theme, "themes": themes, "rows": rows,
        "map": _spend_map(rows, theme, themes) if theme else None,
        "scatter": _scatter(rows) if rows else None,
        "quadrants": [r for r in rows if r["quadrant"]],
    })


def _spend_map(rows: list[dict], theme: str, themes: dict) -> object | None:
    wards = {a.code: a for a in Area.objects.filter(code__in=[r["area"] for r in rows],
                                                    boundary__isnull=False)}
    if not wards:
        return None
    features = [{"type": "Feature", "geometry": wards[r["area"]].boundary,
                 "properties": {"name": r["area_name"],
                                "per_head": r["spend_per_head"] if r["spend"] else None}}
                for r in rows if r["area"] in wards]
    return charts.choropleth(features, field="per_head", title="Spend per head (£)",
                             fmt=lambda v: f"£{v:,.2f}",
                             label=f"Ward map of spend per head on {themes[theme]}, in five "
                                   "classes of equal count; the table gives the figures.")


def _scatter(rows: list[dict]):
    points = []
    for r in rows:
        if r["need"] is None or r["spend_per_head"] is None:
            continue
        outcome = ("improving" if r["improving"] else "not improving") if r["indicators"] \
            else "not measured"
        points.append({"need": round(r["need"], 3), "spend_per_head": round(r["spend_per_head"], 2),
                       "outcome": charts.OUTCOME_MARKS[outcome][0]})
    return charts.need_against_spend(points, label="Scatter of need against spend per head, "
                                     "one mark per ward and theme, shaped and coloured by "
                                     "whether any of the theme's indicators is improving "
                                     "there; the table gives the figures.")
