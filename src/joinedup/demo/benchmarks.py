"""The demo partnership's statistical neighbours and the published figures it is compared with.

The two neighbour sets (every English district; every county and unitary authority) come
from the variables shipped in ``joinedup/places/data/``, with every weight 1, and their
neighbours are computed as they load. The comparison figures come from
``data/benchmark_values.csv`` (built by ``scripts/build_benchmark_values.py`` from OHID
Fingertips and ONS Explore Local Statistics, Open Government Licence v3.0; see
``data/ATTRIBUTION.md``), for the demo's indicators that have them.

Building again changes only what differs. The figures held are compared with the file's
as frames, keyed on indicator, area and period: a figure new to the file is created, one
whose value, counts, label, set or source differ is updated, and one no longer in the
file is deleted, each recorded; the rest are left alone, so a second build with the same
file writes and records nothing.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.db import transaction

from joinedup.benchmarks.models import ComparisonFigure, NeighbourSet
from joinedup.benchmarks.neighbour_sets import SHIPPED, load_shipped_set
from joinedup.core.periods import parse_periods
from joinedup.history.recording import record_bulk, record_run
from joinedup.strategy.models import Indicator

VALUES = Path(__file__).resolve().parent / "data" / "benchmark_values.csv"
BATCH = 2000
KEY = ["indicator_id", "area", "period_start", "period_end"]
FIELDS = ["neighbour_set_id", "period", "value", "numerator", "denominator", "source"]
SCHEMA = {"id": pl.Int64, "indicator_id": pl.Int64, "area": pl.String,
          "period_start": pl.Date, "period_end": pl.Date, "neighbour_set_id": pl.Int64,
          "period": pl.String, "value": pl.Float64, "numerator": pl.Float64,
          "denominator": pl.Float64, "source": pl.String}


def build_benchmarks(path: Path = VALUES) -> dict[str, int]:
    """Load the neighbours and comparison figures; return counts by name."""
    sets = {slug: load_shipped_set(slug) for slug in SHIPPED}
    figures = load_comparison_figures(path, sets)
    return {"neighbour sets": len(sets),
            "published comparison figures": figures["held"]}


def wanted_figures(path: Path, sets: dict[str, NeighbourSet]) -> pl.DataFrame:
    """The file's figures of the indicators the partnership has, in the columns held; a
    figure's source is its indicator's."""
    frame = pl.read_csv(path, infer_schema=False)
    found = Indicator.objects.filter(code__in=frame["indicator"].unique().to_list())
    indicators = dict(found.values_list("code", "pk"))
    sources = {code: source[:200] for code, source in found.values_list("code", "source")}
    frame = frame.filter(pl.col("indicator").is_in(list(indicators)))
    if frame.is_empty():
        return pl.DataFrame(schema={k: v for k, v in SCHEMA.items() if k != "id"})
    periods = parse_periods(frame["period"])
    set_ids = {slug: found.pk for slug, found in sets.items()}
    return frame.select(
        pl.col("indicator").replace_strict(indicators, return_dtype=pl.Int64)
        .alias("indicator_id"),
        "area", periods["start"].alias("period_start"), periods["end"].alias("period_end"),
        pl.col("neighbour_set").replace_strict(set_ids, return_dtype=pl.Int64)
        .alias("neighbour_set_id"),
        periods["label"].alias("period"),
        pl.col("value", "numerator", "denominator").cast(pl.Float64),
        pl.col("indicator").replace_strict(sources, return_dtype=pl.String).alias("source"))


def held_figures(indicator_ids: list[int]) -> pl.DataFrame:
    rows = ComparisonFigure.objects.filter(indicator_id__in=indicator_ids).values_list(
        "id", *KEY, *FIELDS)
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


@transaction.atomic
def load_comparison_figures(path: Path, sets: dict[str, NeighbourSet]) -> dict[str, int]:
    """Make the comparison figures of the indicators in ``path`` that the partnership has
    exactly the file's, changing only what differs, and recording each change; the file's
    other indicators are left out. Returns how many figures are held, created, updated and
    deleted."""
    wanted = wanted_figures(path, sets)
    held = held_figures(wanted["indicator_id"].unique().to_list())
    created = wanted.join(held, on=KEY, how="anti")
    deleted = held.join(wanted, on=KEY, how="anti")
    both = wanted.join(held, on=KEY, how="inner", suffix="_held")
    updated = both.filter(pl.any_horizontal(
        pl.col(name).ne_missing(pl.col(f"{name}_held")) for name in FIELDS))
    _delete(deleted["id"].to_list())
    _update(updated)
    _create(created, path)
    return {"held": wanted.height, "created": created.height, "updated": updated.height,
            "deleted": deleted.height}


def _create(frame: pl.DataFrame, path: Path) -> None:
    if frame.is_empty():
        return
    made = ComparisonFigure.objects.bulk_create(
        [ComparisonFigure(**row) for row in frame.iter_rows(named=True)], batch_size=BATCH)
    ids = sorted(f.pk for f in made if f.pk is not None)
    if len(ids) == len(made) and ids[-1] - ids[0] + 1 == len(ids):
        record_run(ComparisonFigure, ids[0], len(ids),
                   description=f"{len(ids):,} published comparison figures from {path.name}",
                   details={"figures": len(ids), "source": path.name})
    else:
        record_bulk(created=made)


def _update(frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    found = ComparisonFigure.objects.in_bulk(frame["id"].to_list())
    pairs = []
    for row in frame.select("id", *FIELDS).iter_rows(named=True):
        figure = found[row.pop("id")]
        before = figure.snapshot()
        for name, value in row.items():
            setattr(figure, name, value)
        pairs.append((before, figure))
    ComparisonFigure.objects.bulk_update([f for _, f in pairs], FIELDS, batch_size=BATCH)
    record_bulk(updated=pairs)


def _delete(ids: list[int]) -> None:
    if not ids:
        return
    # A queryset's delete records each figure it deletes (history's post_delete signal).
    for start in range(0, len(ids), BATCH):
        ComparisonFigure.objects.filter(pk__in=ids[start:start + BATCH]).delete()
