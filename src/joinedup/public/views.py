"""The public transparency site: anyone, signed in or not, reads the same public content.

Every page and file is made from the public tables (``public.tables``), the same rows the
data package holds, and served through ``caching.public_answer`` (ETag, Cache-Control).
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from joinedup.common import charts
from joinedup.common.downloads import attachment
from joinedup.places import choropleth
from joinedup.places.models import LEVEL_RANK
from joinedup.public import package
from joinedup.public.caching import matches, public_answer
from joinedup.public.tables import Table, public_indicators, published_packs, ward_map
from joinedup.reports.models import PackFile
from joinedup.strategy.models import Strategy

#: Areas whose figures the indicator page shows on its own rows; smaller ones are mapped.
LOCAL_LEVELS = ("locality", "ward", "lsoa")
#: Tables of one indicator that can be downloaded from its page.
INDICATOR_TABLES = ("figures", "status", "targets", "ward-figures")
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _data(request) -> package.PublicData:
    return package.current(getattr(request, "public_stamp", None))


def _page(request, template: str, context: dict):
    # Flash messages belong to one visitor: a public page, which any cache may keep,
    # leaves them for the next page of the site.
    return render(request, template, {**context, "messages": ()})


def _home_area_code() -> str | None:
    strategy = Strategy.objects.home()
    return strategy.area.code if strategy and strategy.area else None


@public_answer
def home(request):
    data = _data(request)
    strategy = Strategy.objects.home()
    return _page(request, "public/home.html", {
        "strategy": strategy, "tables": data.tables, "version": data.version,
        "maps": len({row["indicator"] for row in data.tables["ward-figures"].rows}),
    })


@public_answer
def strategy(request):
    tables = _data(request).tables
    indicators = tables["indicators"].rows
    outcomes = tables["outcomes"].rows
    themes = []
    for theme in tables["themes"].rows:
        own = [{**outcome, "indicators": [i for i in indicators
                                          if i["outcome"] == outcome["outcome"]]}
               for outcome in outcomes if outcome["theme"] == theme["theme"]]
        themes.append({**theme, "outcomes": own})
    return _page(request, "public/strategy.html", {
        "strategy": Strategy.objects.home(), "themes": themes})


def _headline_status(tables, home: str | None) -> dict[str, dict]:
    """Each indicator's status in the partnership's own area, else its first area's."""
    chosen: dict[str, dict] = {}
    for row in tables["status"].rows:
        current = chosen.get(row["indicator"])
        if current is None or (row["area"] == home and current["area"] != home):
            chosen[row["indicator"]] = row
    return chosen


@public_answer
def indicators(request):
    tables = _data(request).tables
    status = _headline_status(tables, _home_area_code())
    names = {row["theme"]: row["name"] for row in tables["themes"].rows}
    rows = [{**row, "theme_name": names.get(row["theme"], ""), "status": status.get(row["code"])}
            for row in tables["indicators"].rows]
    return _page(request, "public/indicators.html", {"rows": rows})


def _indicator(tables, slug: str) -> dict:
    found = next((row for row in tables["indicators"].rows if row["slug"] == slug), None)
    if found is None:
        raise Http404("There is no public indicator with that address.")
    return found


def _headline_areas(figures: list[dict], levels: dict[str, str], home: str | None):
    """The areas an indicator's page tabulates: the partnership's own first, then the
    rest above neighbourhood level, larger areas last (England at the end)."""
    names = {row["area"]: row["area_name"] for row in figures
             if levels.get(row["area"]) not in LOCAL_LEVELS}
    order = sorted(names, key=lambda code: (code != home, LEVEL_RANK.get(levels.get(code), 0),
                                            names[code]))
    return [(code, names[code]) for code in order]


@public_answer
def indicator(request, slug):
    tables = _data(request).tables
    found = _indicator(tables, slug)
    code = found["code"]
    levels = {row["code"]: row["level"] for row in tables["areas"].rows}
    figures = tables["figures"].where(indicator=code).rows
    areas = _headline_areas(figures, levels, _home_area_code())
    wanted = [area for area, _ in areas]
    grid: dict[tuple, dict] = {}
    for row in figures:
        if row["area"] in wanted:
            grid.setdefault((row["period_start"], row["period_end"], row["period"]), {})[
                row["area"]] = row["value"]
    periods = [{"period": label, "cells": [cells.get(area) for area in wanted]}
               for (_, _, label), cells in sorted(grid.items(), reverse=True)]
    status = [row for row in tables["status"].where(indicator=code).rows
              if levels.get(row["area"]) not in LOCAL_LEVELS]
    status.sort(key=lambda row: wanted.index(row["area"]) if row["area"] in wanted else 99)
    return _page(request, "public/indicator.html", {
        "indicator": found, "areas": areas, "periods": periods, "status": status,
        "targets": tables["targets"].where(indicator=code).rows,
        "theme": next((t for t in tables["themes"].rows if t["theme"] == found["theme"]), None),
        "mapped": any(row["indicator"] == code for row in tables["ward-figures"].rows),
        "chart": _trend_chart(found, figures, areas[:3]),
        "downloads": INDICATOR_TABLES,
    })


def _trend_chart(found: dict, figures: list[dict], areas: list[tuple]):
    names = dict(areas)
    points = [{"period": r["period"], "start": r["period_start"].isoformat(),
               "area": names[r["area"]], "value": r["value"]}
              for r in figures if r["area"] in names]
    if len({p["start"] for p in points}) < 2:
        return None
    spec = charts.trend_chart(points, unit=found["unit"], area_order=list(names.values()))
    label = (f"Line chart of {found['title']} over time for {', '.join(names.values())}. "
             "The figures are in the table below.")
    return charts.render_svg(spec, label=label)


@public_answer
def maps(request):
    tables = _data(request).tables
    mapped = {row["indicator"] for row in tables["ward-figures"].rows}
    return _page(request, "public/maps.html", {
        "rows": [row for row in tables["indicators"].rows if row["code"] in mapped]})


@public_answer
def indicator_map(request, slug):
    tables = _data(request).tables
    found = _indicator(tables, slug)
    indicator = public_indicators().select_related("outcome__theme__strategy__area").get(
        code=found["code"])
    try:
        drawn = ward_map(indicator, request.GET.get("period"))
    except choropleth.NoMap as reason:
        raise Http404(str(reason)) from None
    return _page(request, "public/indicator_map.html", {
        "indicator": found, "map": drawn, "svg": drawn.svg(described_by="map-legend"),
        "rows": drawn.rows(), "legend": drawn.legend(),
    })


@public_answer
def packs(request):
    return _page(request, "public/packs.html", {"packs": _data(request).tables["packs"].rows})


@require_safe
def pack_download(request, pk):
    """A published pack's file, exactly as issued; 404 for any other pack."""
    pack = published_packs().filter(pk=pk).first()
    if pack is None:
        raise Http404("There is no published pack with that number.")
    tag = f'"{pack.sha256}"'
    if matches(request, tag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(bytes(PackFile.objects.get(pack=pack).content),
                                content_type=pack.content_type)
        response["Content-Disposition"] = f'attachment; filename="{pack.file_name}"'
    response["ETag"] = tag
    # Short, like the pages: the body may take the pack off the public site.
    response["Cache-Control"] = "public, max-age=300"
    return response


def _table_file(table: Table, fmt: str, name: str) -> HttpResponse:
    if fmt == "csv":
        return attachment(table.csv_bytes(), f"{name}.csv", FORMATS["csv"])
    content = json.dumps(table_json(table), indent=1, ensure_ascii=False).encode()
    return attachment(content, f"{name}.json", FORMATS["json"])


def table_json(table: Table) -> dict:
    """A table as JSON: what it is, its licence, its fields, and its rows."""
    return {"name": table.name, "title": table.title, "description": table.description,
            "licenses": [package.OGL],
            "fields": [{"name": c.name, "type": c.type, "title": c.title} for c in table.columns],
            "rows": table.json_rows()}


@public_answer
def table_download(request, name, fmt):
    table = _data(request).tables.get(name)
    if table is None or fmt not in FORMATS:
        raise Http404("There is no public table with that name.")
    return _table_file(table, fmt, name)


@public_answer
def indicator_table_download(request, slug, name, fmt):
    tables = _data(request).tables
    found = _indicator(tables, slug)
    if name not in INDICATOR_TABLES or fmt not in FORMATS:
        raise Http404("There is no such table of this indicator.")
    return _table_file(tables[name].where(indicator=found["code"]), fmt,
                       f"{found['slug']}-{name}")


@public_answer
def descriptor(request):
    response = HttpResponse(_data(request).descriptor_bytes(),
                            content_type="application/json")
    return response


@public_answer
def package_zip(request):
    return attachment(_data(request).zip_bytes(), package.ZIP_NAME, "application/zip")
