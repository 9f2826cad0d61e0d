"""Residents' priorities: imported from a survey's or a consultation's results, or entered
as raised at a forum meeting, and ranked per area (``core.priorities``).

A file (CSV or Excel workbook) is read by the returns' reader, so it is refused or
accepted as a figures return is, and each problem names its row and column. Every row is
checked before anything is saved; one wrong row saves nothing. A row for an area,
consultation and issue already held replaces it.

Columns: ``area`` (an area code), ``issue``, ``consultation`` (which survey or meeting),
``collected_on`` (a date), ``count``; optionally ``source`` (survey, consultation or
forum_meeting: a survey when a sample size is given, else a consultation), ``sample_size``
and ``outcomes`` (outcome titles of the partnership's strategy, separated by "|").

Who may: the partnership officer, for any area; a member of an area forum, for the areas
inside the forum's area.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl
from django.db import transaction

from joinedup.core import priorities
from joinedup.common.querysets import manages_framework
from joinedup.history.recording import recorded_as
from joinedup.localities.models import Operation, ResidentPriority
from joinedup.places.models import Area
from joinedup.returns.columns import Layout
from joinedup.returns.files import read_table
from joinedup.returns.problems import Problem, UploadRejected
from joinedup.strategy.models import Outcome

REQUIRED = ("area", "issue", "consultation", "collected_on", "count")
OPTIONAL = ("source", "sample_size", "outcomes")
PRIORITIES = Layout(accepted=(*REQUIRED, *OPTIONAL),
                    example="area, issue, consultation, collected_on, count …",
                    sheets=("priorities", "results"))
SOURCES = {choice.value for choice in ResidentPriority.Source}


@dataclass
class PriorityImport:
    problems: list[Problem] = field(default_factory=list)
    saved: int = 0
    rows: int = 0


def areas_for(person) -> set[int] | None:
    """The areas ``person`` may enter priorities for; None for every area."""
    if manages_framework(person):
        return None
    return Area.objects.within(Area.objects.filter(
        bodies__kind="area_forum", bodies__memberships__person=person)
        .values_list("pk", flat=True))


def _whole_number(text, row: int, column: str, name: str, problems: list) -> int | None:
    try:
        number = int(str(text).replace(",", ""))
    except ValueError:
        problems.append(Problem(name, row, column, f"“{text}” is not a whole number"))
        return None
    if number < 0:
        problems.append(Problem(name, row, column, "cannot be negative"))
        return None
    return number


def _checked(cells: dict, row: int, name: str, known: dict, allowed, titles: dict,
             problems: list) -> dict | None:
    before = len(problems)
    for column in REQUIRED:
        if not cells.get(column):
            problems.append(Problem(name, row, column, "is empty"))
    if len(problems) > before:
        return None
    area = known.get(cells["area"].upper())
    if area is None:
        problems.append(Problem(name, row, "area", f"there is no area {cells['area']!r}"))
    elif allowed is not None and area not in allowed:
        problems.append(Problem(name, row, "area", f"{cells['area']} is outside the areas "
                                                   "of your area forums"))
    if len(cells["issue"]) > 200:
        problems.append(Problem(name, row, "issue", "is longer than 200 characters"))
    try:
        collected = dt.date.fromisoformat(cells["collected_on"][:10])
    except ValueError:
        collected = None
        problems.append(Problem(name, row, "collected_on", f"“{cells['collected_on']}” is not "
                                                           "a date such as 2009-03-12"))
    count = _whole_number(cells["count"], row, "count", name, problems)
    size = (_whole_number(cells["sample_size"], row, "sample_size", name, problems)
            if cells.get("sample_size") else None)
    if count is not None and size is not None and size < count:
        problems.append(Problem(name, row, "sample_size", f"{size} answered, but {count} "
                                                          "raised the issue"))
    source = (cells.get("source") or ("survey" if size else "consultation")).lower()
    if source not in SOURCES:
        problems.append(Problem(name, row, "source", f"“{cells['source']}” is not one of "
                                                     f"{', '.join(sorted(SOURCES))}"))
    outcomes = []
    for title in filter(None, (t.strip() for t in (cells.get("outcomes") or "").split("|"))):
        if title.lower() not in titles:
            problems.append(Problem(name, row, "outcomes", f"there is no outcome “{title}”"))
        else:
            outcomes.append(titles[title.lower()])
    if len(problems) > before:
        return None
    return {"area_id": area, "issue": cells["issue"], "consultation": cells["consultation"],
            "collected_on": collected, "count": count, "sample_size": size,
            "source": source, "outcomes": outcomes}


def import_priorities_file(data: bytes, name: str, *, person) -> PriorityImport:
    try:
        table = read_table(data, name, PRIORITIES)
    except UploadRejected as rejected:
        return PriorityImport(problems=rejected.problems)
    result = PriorityImport(rows=table.height)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        result.problems = [Problem(name, 1, c, "this column is missing") for c in missing]
        return result
    known = {code.upper(): pk for code, pk in Area.objects.values_list("code", "pk")}
    titles = {title.lower(): pk for title, pk in Outcome.objects.values_list("title", "pk")}
    allowed = areas_for(person)
    rows, seen = [], {}
    for cells in table.iter_rows(named=True):
        checked = _checked(cells, cells["row"], name, known, allowed, titles, result.problems)
        if checked is None:
            continue
        key = (checked["area_id"], checked["consultation"], checked["issue"])
        if key in seen:
            result.problems.append(Problem(name, cells["row"], "issue",
                                           f"the same issue is on row {seen[key]}"))
        seen.setdefault(key, cells["row"])
        rows.append(checked)
    if not rows and not result.problems:
        result.problems.append(Problem(name, 0, "", "the file has no priorities in it"))
    if result.problems:
        return result
    result.saved = save(rows, person=person, reason=f"Imported from {name}")
    return result


@transaction.atomic
def save(rows: list[dict], *, person, reason: str, illustrative: bool = False) -> int:
    with recorded_as(person, reason=reason):
        for row in rows:
            outcomes = row.pop("outcomes", [])
            found, _ = ResidentPriority.objects.update_or_create(
                area_id=row.pop("area_id"), consultation=row.pop("consultation"),
                issue=row.pop("issue"),
                defaults={**row, "entered_by": person, "illustrative": illustrative})
            if outcomes:
                found.outcomes.set(outcomes)
    return len(rows)


def ranked_for(area_ids=None, user=None) -> list[dict]:
    """Residents' priorities ranked per area and consultation (``core.priorities``), each
    group with its area, consultation, sample size and issues; every area when None. Each
    issue carries the outcomes it is linked to, and the operations that took it up which
    ``user`` may see."""
    found = ResidentPriority.objects.select_related("area")
    if area_ids is not None:
        found = found.filter(area_id__in=area_ids)
    rows = list(found.values_list("pk", "area__code", "area__name", "consultation", "issue",
                                  "count", "sample_size", "source", "collected_on"))
    if not rows:
        return []
    frame = pl.DataFrame(rows, orient="row", schema={
        "pk": pl.Int64, "area": pl.String, "area_name": pl.String, "consultation": pl.String,
        "issue": pl.String, "count": pl.Int64, "sample_size": pl.Int64, "source": pl.String,
        "collected_on": pl.Date})
    pks = [row[0] for row in rows]
    outcomes, operations = defaultdict(list), defaultdict(list)
    for pk, title in ResidentPriority.outcomes.through.objects.filter(
            residentpriority_id__in=pks).values_list("residentpriority_id", "outcome__title"):
        outcomes[pk].append(title)
    for pk, title, slug in (Operation.objects.visible_to(user).filter(issues__in=pks)
                            .values_list("issues", "title", "slug").order_by("-starts")):
        operations[pk].append((title, slug))
    groups: list[dict] = []
    for row in priorities.ranked(frame).iter_rows(named=True):
        row["outcomes"], row["operations"] = outcomes[row["pk"]], operations[row["pk"]]
        if not groups or (groups[-1]["area"], groups[-1]["consultation"]) != (
                row["area"], row["consultation"]):
            groups.append({"area": row["area"], "area_name": row["area_name"],
                           "consultation": row["consultation"], "source": row["source"],
                           "sample_size": row["sample_size"],
                           "collected_on": row["collected_on"], "issues": [],
                           "when": _when(row["consultation"], row["collected_on"])})
        row["share_text"] = (f"{row['share']:.0%} ± {row['margin_of_error'] * 100:.1f} points"
                             if row["share"] is not None else "")
        groups[-1]["issues"].append(row)
    return groups


def _when(consultation: str, day: dt.date) -> str:
    """The date to give beside a consultation's name, unless its name gives it already."""
    said = f"{day.day} {day:%B %Y}"
    return "" if said in consultation else said
