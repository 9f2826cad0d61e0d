"""Web entry: a data owner's expected returns for a round, on one form.

Each row shows the figures before it, so a slip stands out; every cell is checked by the
same rules as an upload (``importing.import_table``), and problems are shown against the
cell they belong to. Nothing is saved unless every row is right.
"""

from __future__ import annotations

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.returns import importing
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn

PREVIOUS = 3


def _lines(collection_round, user):
    owed = list(ExpectedReturn.objects.filter(collection_round=collection_round)
                .visible_to(user).owed_by(user)
                .select_related("indicator", "area").order_by("indicator__code", "area__code",
                                                              "period_start"))
    series = Q()
    for line in owed:
        series |= Q(indicator_id=line.indicator_id, area_id=line.area_id)
    figures = list(DataValue.objects.visible_to(user).filter(series).order_by("period_start")
                   .only("indicator_id", "area_id", "period", "period_start", "period_end",
                         "value", "note", "state", "version")) if owed else []
    for index, line in enumerate(owed, start=1):
        mine = [f for f in figures if (f.indicator_id, f.area_id) == (line.indicator_id,
                                                                    line.area_id)]
        line.row = index
        line.previous = [f for f in mine if f.period_end <= line.period_start][-PREVIOUS:]
        line.current = next((f for f in mine if (f.period_start, f.period_end)
                             == (line.period_start, line.period_end)), None)
    return owed


def _table(lines, post) -> pl.DataFrame:
    rows = []
    for line in lines:
        value = post.get(f"value-{line.row}", "").strip()
        note = post.get(f"note-{line.row}", "").strip()
        if not value and not note:
            continue
        rows.append({"row": line.row, "indicator": line.indicator.code, "area": line.area.code,
                     "period": line.period, "value": value or None, "note": note or None})
    schema = {"row": pl.Int64, **{c: pl.String for c in ("indicator", "area", "period",
                                                           "value", "note")}}
    return pl.DataFrame(rows, schema=schema)


@login_required
@require_http_methods(["GET", "POST"])
def enter(request, slug):
    collection_round = get_object_or_404(CollectionRound.objects.visible_to(request.user),
                                         slug=slug)
    lines = _lines(collection_round, request.user)
    problems, by_row = [], {}
    if request.method == "POST":
        if collection_round.closed:
            messages.error(request, "This round is closed; ask your partnership officer.")
            return redirect(collection_round.get_absolute_url())
        table = _table(lines, request.POST)
        if table.is_empty():
            messages.error(request, "Enter at least one figure.")
            return redirect("returns:enter", slug=slug)
        result = importing.import_table(
            table, source="the form", user=request.user, collection_round=collection_round,
            submit=request.POST.get("action") == "submit",
            reason=request.POST.get("reason", "").strip())
        if result.saved:
            done = result.created + result.changed
            verb = "submitted for approval" if request.POST.get("action") == "submit" else \
                "saved as drafts"
            messages.success(request, f"{done} figure{'s' if done != 1 else ''} {verb}.")
            return redirect("returns:enter", slug=slug)
        for problem in result.problems:
            entry = {"row": problem.row, "column": problem.column, "message": problem.message,
                     "severity": problem.severity,
                     "anchor": f"{'note' if problem.severity == 'warning' else 'value'}-{problem.row}"}
            problems.append(entry)
            by_row.setdefault(problem.row, []).append(entry)
        for line in lines:
            line.problems = by_row.get(line.row, [])
    return render(request, "returns/enter.html", {
        "round": collection_round, "lines": lines, "problems": problems,
        "errors_count": sum(1 for p in problems if p["severity"] == "error"),
        "posted": request.POST, "previous_count": PREVIOUS,
    })
