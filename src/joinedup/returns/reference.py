"""Loading what a returns table is checked against, as frames, in a handful of queries."""

from __future__ import annotations

import polars as pl
from django.db import connection

from joinedup.places.models import Area
from joinedup.returns.models import DataValue, ExpectedReturn
from joinedup.returns.validation import COMPARED, KEY, Reference, code_key
from joinedup.strategy.models import Indicator

_EXISTING = {
    "value_id": pl.Int64, "indicator_id": pl.Int64, "area_id": pl.Int64,
    "period_start": pl.Date, "period_end": pl.Date, "existing_state": pl.String,
    "existing_version": pl.Int64, **{f"old_{c}": pl.Float64 for c in COMPARED[:-1]},
    "old_note": pl.String,
}
_KEYS = {"indicator_id": pl.Int64, "area_id": pl.Int64, "period_start": pl.Date,
         "period_end": pl.Date}


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _fetched(queryset, fields: list[str], schema: dict) -> pl.DataFrame:
    """A queryset's rows straight from the database, skipping Django's per-row conversion.

    PostgreSQL sends them as CSV (``COPY … TO STDOUT``), which Polars reads at once: a
    million figures in about a second, where making Python tuples of them takes several.
    SQLite's rows come from the cursor, the quickest way out of it.
    """
    # Unordered: the figures' default order sorts by indicator code and area name, which
    # joins both tables and sorts every row for nothing.
    sql, params = queryset.order_by().values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                data = b"".join(bytes(block) for block in copy)
            if not data:
                return _frame([], schema)
            return pl.read_csv(data, has_header=False, new_columns=list(schema),
                               schema=schema)
        cursor.execute(sql, params)
        return _frame(cursor.fetchall(), schema)


def indicators_for(user) -> pl.DataFrame:
    """Indicators ``user`` may see, with whether they may send its figures."""
    sendable = set(Indicator.objects.sendable_by(user).values_list("pk", flat=True))
    rows = [
        (code, pk, code, allows_negative, pk in sendable, owner or owner_short or "")
        for pk, code, allows_negative, owner, owner_short in Indicator.objects.visible_to(user)
        .values_list("pk", "code", "allows_negative", "owner__name", "owner__short_name")
    ]
    frame = _frame(rows, {"code_key": pl.String, "indicator_id": pl.Int64, "code": pl.String,
                          "allows_negative": pl.Boolean, "editable": pl.Boolean,
                          "owner_name": pl.String})
    return frame.with_columns(code_key(pl.col("code_key")))


def areas() -> pl.DataFrame:
    frame = _frame(Area.objects.values_list("code", "pk", "name"),
                   {"code_key": pl.String, "area_id": pl.Int64, "area_name": pl.String})
    return frame.with_columns(code_key(pl.col("code_key")))


def _series_filter(table_keys: pl.DataFrame) -> dict:
    return {
        "indicator_id__in": table_keys["indicator_id"].unique().to_list(),
        "area_id__in": table_keys["area_id"].unique().to_list(),
    }


def existing_for(table_keys: pl.DataFrame) -> pl.DataFrame:
    """Stored figures (whoever may see them) for the keys ``table_keys`` holds."""
    if table_keys.is_empty():
        return _frame([], _EXISTING)
    fields = ["pk", *KEY, "state", "version", *COMPARED]
    rows = (DataValue.objects.filter(**_series_filter(table_keys))
            .filter(period_start__gte=table_keys["period_start"].min(),
                    period_start__lte=table_keys["period_start"].max()))
    stored = _fetched(rows, fields, _EXISTING)
    return stored.join(table_keys.unique(), on=KEY, how="semi")


def history_for(table_keys: pl.DataFrame) -> pl.DataFrame:
    """Approved figures of the series ``table_keys`` touches, for the outlier check."""
    schema = {**_KEYS, "value": pl.Float64}
    if table_keys.is_empty():
        return _frame([], schema)
    rows = DataValue.objects.filter(state=DataValue.State.APPROVED, **_series_filter(table_keys))
    series = table_keys.select("indicator_id", "area_id").unique()
    return _fetched(rows, [*KEY, "value"], schema).join(series, on=["indicator_id", "area_id"],
                                                       how="semi")


def expected_for(collection_round) -> pl.DataFrame:
    return _frame(ExpectedReturn.objects.filter(collection_round=collection_round)
                  .values_list(*KEY), _KEYS)


def stored(keys: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    return existing_for(keys), history_for(keys)


def figures_of(indicator_ids: list[int], area_ids: list[int]) -> pl.DataFrame:
    """Every stored figure of the given indicators in the given areas, in every period
    (whoever may see them), as ``existing_for`` gives them: ``stored_within`` draws from it
    what ``stored`` would give for keys of those series. One query for a table checked in
    parts, rather than two a part."""
    fields = ["pk", *KEY, "state", "version", *COMPARED]
    rows = DataValue.objects.filter(indicator_id__in=indicator_ids, area_id__in=area_ids)
    return _fetched(rows, fields, _EXISTING)


def stored_within(figures: pl.DataFrame,
                  keys: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``stored(keys)``, drawn from ``figures_of`` the keys' indicators and areas; touches
    no database."""
    if keys.is_empty():
        return _frame([], _EXISTING), _frame([], {**_KEYS, "value": pl.Float64})
    # The keys of a part hold a narrow range of series: look no further first.
    figures = figures.filter(*(pl.col(c).is_between(keys[c].min(), keys[c].max())
                               for c in ("indicator_id", "area_id")))
    existing = figures.join(keys.unique(), on=KEY, how="semi")
    series = keys.select("indicator_id", "area_id").unique()
    history = (figures.filter(pl.col("existing_state") == DataValue.State.APPROVED.value)
               .select(*KEY, pl.col("old_value").alias("value"))
               .join(series, on=["indicator_id", "area_id"], how="semi"))
    return existing, history


def load(*, user, collection_round=None, reason: str = "", note: str = "") -> Reference:
    """The reference for checking rows sent by ``user``."""
    return Reference(
        indicators=indicators_for(user),
        areas=areas(),
        stored=stored,
        expected=expected_for(collection_round) if collection_round is not None else None,
        round_name=str(collection_round or ""),
        reason=reason,
        note=note,
    )
