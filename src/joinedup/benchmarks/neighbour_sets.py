"""Neighbour sets in the database: loading them from the shipped variables, computing
their neighbours with ``core.neighbours``, and changing a weight.

The shipped files are in ``joinedup/places/data/`` (see its README): the variables of
every English district and of every county and unitary authority, each variable's
definition, source and date, and every weight (1). The neighbours are computed by
``joinedup.core.neighbours.nearest_neighbours`` from the variables and weights held here,
so the stored neighbours are exactly what ``joinedup neighbours`` gives on the same files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import joinedup.places
from joinedup.benchmarks.models import Member, Neighbour, NeighbourSet, Variable
from joinedup.core.neighbours import NeighbourError, nearest_neighbours
from joinedup.history.recording import recorded_as

PLACES_DATA = Path(joinedup.places.__file__).resolve().parent / "data"

#: The sets shipped: slug → (name, its areas in a sentence, one of them, the tier in
#: neighbour_areas.csv, the variables file).
SHIPPED = {
    "districts": ("English districts", "districts", "district", "district",
                  "neighbour_variables_districts.csv"),
    "upper-tier": ("English counties and unitary authorities", "upper-tier authorities",
                   "county and unitary authority", "upper tier",
                   "neighbour_variables_upper_tier.csv"),
}
DESCRIPTION = ("Every {one} of England, described by {count} variables from public data "
               "(population, age structure, density and the seven domains of the English "
               "Indices of Deprivation 2019). Each variable is standardised to mean 0 and "
               "standard deviation 1 and multiplied by its weight; areas are compared by "
               "Euclidean distance, rebased so that the farthest pair is 1.")


def load_shipped_set(slug: str, directory: Path = PLACES_DATA) -> NeighbourSet:
    """Create (or bring up to date) one shipped set from the files, and its neighbours,
    changing only what differs: loading the same files again writes nothing."""
    name, word, one, tier, filename = SHIPPED[slug]
    variables = pl.read_csv(directory / filename, infer_schema_length=None)
    definitions = {row["variable"]: row for row in
                   pl.read_csv(directory / "neighbour_variable_definitions.csv",
                               infer_schema=False).iter_rows(named=True)}
    weights = dict(pl.read_csv(directory / "neighbour_weights.csv").iter_rows())
    names = dict(pl.read_csv(directory / "neighbour_areas.csv", infer_schema=False)
                 .filter(pl.col("tier") == tier).select("area", "name").iter_rows())
    columns = [c for c in variables.columns if c != "area"]
    found = _save_differences(NeighbourSet, {"slug": slug}, {
        "name": name, "area_word": word,
        "description": DESCRIPTION.format(one=one, count=len(columns))})
    for order, column in enumerate(columns):
        text = definitions[column]
        _save_differences(Variable, {"neighbour_set": found, "name": column}, {
            "order": order, "definition": text["definition"], "source": text["source"],
            "date": text["date"] or "", "weight": float(weights.get(column, 1.0))})
    _store_members(found, {row["area"]: (names.get(row["area"], row["area"]),
                                         {c: row[c] for c in columns})
                           for row in variables.iter_rows(named=True)})
    compute(found)
    return found


def _save_differences(model, lookup: dict, values: dict):
    """The row of ``lookup`` with ``values``, created, or saved only if one differs."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model(**lookup, **values)
    elif all(getattr(row, k) == v for k, v in values.items()):
        return row
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    return row


def _store_members(neighbour_set: NeighbourSet, wanted: dict[str, tuple[str, dict]]) -> None:
    held = {m.code: m for m in Member.objects.filter(neighbour_set=neighbour_set)}
    Member.objects.filter(neighbour_set=neighbour_set,
                          code__in=sorted(set(held) - set(wanted))).delete()
    changed = []
    for code in sorted(set(held) & set(wanted)):
        member = held[code]
        if (member.name, member.values) != wanted[code]:
            member.name, member.values = wanted[code]
            changed.append(member)
    Member.objects.bulk_update(changed, ["name", "values"], batch_size=1000)
    Member.objects.bulk_create([
        Member(neighbour_set=neighbour_set, code=code, name=wanted[code][0],
               values=wanted[code][1]) for code in sorted(set(wanted) - set(held))],
        batch_size=1000)


def variables_frame(neighbour_set: NeighbourSet) -> pl.DataFrame:
    """``area`` and one column per variable, as ``core.neighbours`` takes them."""
    names = list(neighbour_set.variables.values_list("name", flat=True))
    members = neighbour_set.members.values_list("code", "values")
    return pl.DataFrame([{"area": code, **{n: values.get(n) for n in names}}
                         for code, values in members],
                        schema={"area": pl.String, **{n: pl.Float64 for n in names}})


def weights_of(neighbour_set: NeighbourSet) -> dict[str, float]:
    return dict(neighbour_set.variables.values_list("name", "weight"))


def neighbours_for(neighbour_set: NeighbourSet,
                   weights: Mapping[str, float] | None = None) -> pl.DataFrame:
    """The set's neighbours by the kernel, with its weights or those given."""
    chosen = weights_of(neighbour_set) if weights is None else dict(weights)
    return nearest_neighbours(variables_frame(neighbour_set), chosen, neighbour_set.k)


@transaction.atomic
def compute(neighbour_set: NeighbourSet, frame: pl.DataFrame | None = None) -> int:
    """Store the set's neighbours (computed now unless ``frame`` is given), writing only
    the (area, rank) rows whose neighbour or distance differ from those stored; the set's
    ``computed_at`` moves only when a row is written. Returns how many rows are written."""
    frame = neighbours_for(neighbour_set) if frame is None else frame
    key = ["area", "rank"]
    wanted = frame.select("area", "neighbour", pl.col("rank").cast(pl.Int32),
                          pl.col("distance").cast(pl.Float64))
    held = pl.DataFrame(
        list(Neighbour.objects.filter(neighbour_set=neighbour_set)
             .values_list("id", "area", "neighbour", "rank", "distance")),
        schema={"id": pl.Int64, "area": pl.String, "neighbour": pl.String,
                "rank": pl.Int32, "distance": pl.Float64}, orient="row")
    gone = held.join(wanted, on=key, how="anti")["id"].to_list()
    new = wanted.join(held, on=key, how="anti")
    for start in range(0, len(gone), 2000):
        Neighbour.objects.filter(pk__in=gone[start:start + 2000]).delete()
    changed = wanted.join(held, on=key, how="inner", suffix="_held").filter(
        pl.col("neighbour").ne(pl.col("neighbour_held"))
        | pl.col("distance").ne(pl.col("distance_held")))
    Neighbour.objects.bulk_update(
        [Neighbour(pk=pk, neighbour_set=neighbour_set, area=area, neighbour=neighbour,
                   rank=rank, distance=distance)
         for pk, area, neighbour, rank, distance in
         changed.select("id", "area", "neighbour", "rank", "distance").iter_rows()],
        ["neighbour", "distance"], batch_size=2000)
    Neighbour.objects.bulk_create([
        Neighbour(neighbour_set=neighbour_set, area=area, neighbour=neighbour, rank=rank,
                  distance=distance)
        for area, neighbour, rank, distance in new.iter_rows()], batch_size=2000)
    written = len(gone) + changed.height + new.height
    if written or neighbour_set.computed_at is None:
        neighbour_set.computed_at = timezone.now()
        NeighbourSet.objects.filter(pk=neighbour_set.pk).update(
            computed_at=neighbour_set.computed_at)
    return written


def change_weights(neighbour_set: NeighbourSet, weights: Mapping[str, float], *, person,
                   reason: str) -> list[str]:
    """Give the set's variables these weights, recorded with who and why, and compute
    the neighbours again. Returns the names of the variables whose weight changed.

    Raises ValidationError, saving nothing, for no reason, a weight that is not a number
    0 or more, or weights the neighbours cannot be computed with (all 0)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the weights change."})
    current = weights_of(neighbour_set)
    unknown = sorted(set(weights) - set(current))
    if unknown:
        raise ValidationError(f"{', '.join(unknown)} is not a variable of "
                              f"{neighbour_set.name}.")
    for name, weight in weights.items():
        if not isinstance(weight, int | float) or not math.isfinite(weight) or weight < 0:
            raise ValidationError({name: f"The weight of {name} must be a number, 0 or more."})
    proposed = {**current, **{n: float(w) for n, w in weights.items()}}
    changed = [n for n in current if proposed[n] != current[n]]
    if not changed:
        return []
    try:
        frame = neighbours_for(neighbour_set, proposed)
    except NeighbourError as error:
        raise ValidationError(str(error)) from None
    with transaction.atomic(), recorded_as(person, reason=reason.strip()):
        for variable in neighbour_set.variables.filter(name__in=changed):
            variable.weight = proposed[variable.name]
            variable.save(update_fields=["weight"])
        compute(neighbour_set, frame)
    return changed
