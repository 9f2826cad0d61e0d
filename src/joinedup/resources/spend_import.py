"""Taking in spend lines, from a file or a table, all or nothing, with their history.

``import_spend_table`` checks every row (``spend_return``) against what the sender may
send, spreads district totals to wards where a row asks, and saves every line or none.
New lines are written set-wise (``common.bulk``), their creation kept as one change over
the run; changed lines each get a change of their own, with the line before and after.
A changed line that had been approved goes back to submitted, for the finance officers'
group to approve again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from joinedup.common import bulk
from joinedup.common.querysets import manages_framework, partner_organisation_id
from joinedup.core.apportion import ApportionError, apportion
from joinedup.history.recording import record_bulk, record_run, recorded_as
from joinedup.partnership.models import Organisation
from joinedup.resources import bases, events
from joinedup.resources.models import BudgetLine, FundingStream, PooledBudget
from joinedup.resources.spend_return import (
    KEY,
    MONEY,
    SPEND_RETURN,
    CheckedSpend,
    SpendReference,
    check_spend,
)
from joinedup.returns.files import read_table
from joinedup.returns.models import DataValue
from joinedup.returns.problems import Problem, UploadRejected
from joinedup.returns.validation import code_key
from joinedup.strategy.models import Indicator, Outcome, Theme

TABLE = BudgetLine._meta.db_table


@dataclass
class SpendImport:
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    saved: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), orient="row", schema=schema)


def _keyed(rows, schema: dict) -> pl.DataFrame:
    frame = _frame(rows, {"code_key": pl.String, **schema})
    return frame.with_columns(code_key(pl.col("code_key"))).unique("code_key", keep="first")


def spend_reference(user) -> SpendReference:
    """What rows sent by ``user`` are checked against."""
    own = partner_organisation_id(user)
    everyone = manages_framework(user)
    organisations = list(Organisation.objects.values_list("slug", "name", "pk"))
    partners = _keyed([(key, pk, everyone or pk == own) for slug, name, pk in organisations
                       for key in (slug, name)],
                      {"partner_id": pl.Int64, "editable": pl.Boolean})
    own_name = next((name for _, name, pk in organisations if pk == own), "")
    areas = bases.areas_frame()
    return SpendReference(
        partners=partners,
        streams=_keyed(FundingStream.objects.values_list("slug", "pk", "partner_id"),
                       {"stream_id": pl.Int64, "stream_partner_id": pl.Int64}),
        themes=_keyed(Theme.objects.values_list("slug", "pk"), {"theme_id": pl.Int64}),
        outcomes=_keyed(Outcome.objects.values_list("title", "theme_id", "pk"),
                        {"theme_id": pl.Int64, "outcome_id": pl.Int64}),
        pools=_keyed(PooledBudget.objects.values_list("slug", "pk"), {"pool_id": pl.Int64}),
        areas=_keyed(areas.select("code", "area_id", "level").iter_rows(),
                     {"area_id": pl.Int64, "level": pl.String}),
        spread=lambda rows, file: spread_to_wards(rows, areas, file),
        stored=stored_lines,
        own_partner=f" ({own_name})" if own_name and not everyone else "",
    )


def spread_to_wards(rows: pl.DataFrame, areas: pl.DataFrame, file: str
                    ) -> tuple[pl.DataFrame, list[Problem]]:
    """Rows above ward level that name a base, spread over their wards; the rest as sent."""
    above = ~pl.col("level").is_in(["ward", "lsoa"]) & (pl.col("apportioned_by") != "")
    keep, spread = rows.filter(~above), rows.filter(above)
    problems: list[Problem] = []
    if spread.is_empty():
        return keep, problems
    within = bases.wards_within(areas)
    pieces = []
    for (basis_text,), group in spread.group_by(["apportioned_by"], maintain_order=True):
        try:
            basis, code = bases.read_basis(basis_text)
        except ValueError as error:
            problems += [Problem(file, r, "apportioned_by", str(error)) for r in group["row"]]
            continue
        base, method = _base(basis, code, areas, within, group)
        if base is None:
            problems += [Problem(file, r, "apportioned_by", method) for r in group["row"]]
            continue
        try:
            pieces.append(_spread(group, base, within, areas, method))
        except ApportionError as error:
            problems += [Problem(file, r, "apportioned_by", str(error)) for r in group["row"]]
    if problems:
        return keep, problems
    return pl.concat([keep, *pieces], how="diagonal_relaxed"), problems


def _base(basis: str, code: str | None, areas: pl.DataFrame, within: pl.DataFrame,
          group: pl.DataFrame) -> tuple[pl.DataFrame | None, str]:
    if basis == bases.CASELOAD:
        indicator = Indicator.objects.filter(code__iexact=code).values_list("pk", "code").first()
        if indicator is None:
            return None, f"unknown indicator '{code}' to take the caseload from"
        latest = (DataValue.objects.filter(indicator_id=indicator[0],
                                           state=DataValue.State.APPROVED)
                  .order_by("area_id", "-period_start")
                  .values_list("area_id", "numerator", "value"))
        seen: dict[int, float] = {}
        for area_id, numerator, value in latest:
            if area_id not in seen:
                seen[area_id] = numerator if numerator is not None else value
        base = _frame(seen.items(), {"area_id": pl.Int64, "base": pl.Float64})
        return base, f"caseload: {indicator[1]}"
    base = areas.select("area_id", base=pl.col(basis).cast(pl.Float64))
    return base, basis


def _spread(group: pl.DataFrame, base: pl.DataFrame, within: pl.DataFrame,
            areas: pl.DataFrame, method: str) -> pl.DataFrame:
    """Each row's amounts over the wards within its area, by ward code (the tiebreak)."""
    codes = areas.select("area_id", "code")
    wards = (within.join(base, on="area_id", how="left")
             .with_columns(pl.col("base").fill_null(0.0))
             .join(codes, on="area_id")
             .select(pl.col("within_id").alias("area_id"), pl.col("code").alias("area"),
                     "base"))
    totals = group.with_row_index("_line").with_columns(pl.col("_line").cast(pl.Int64))
    spread = None
    for column in MONEY:
        cents = totals.select("_line", "area_id", amount=(pl.col(column) * 100).round(0)
                              .cast(pl.Int64))
        sent = cents.filter(pl.col("amount").is_not_null())
        if sent.is_empty():
            continue
        part = (apportion(sent, wards, on=["area_id"], method=method)
                .join(codes, left_on="area", right_on="code", suffix="_ward")
                .select("_line", pl.col("area_id_ward").alias("ward_id"),
                        (pl.col("amount") / 100).alias(column)))
        spread = part if spread is None else spread.join(part, on=["_line", "ward_id"],
                                                          how="full", coalesce=True)
    lines = (totals.drop(*MONEY).join(spread, on="_line")
             .with_columns(pl.col("ward_id").alias("area_id"), pl.lit("ward").alias("level"),
                           pl.lit(method).alias("apportioned_by"))
             .drop("_line", "ward_id"))
    return lines


def stored_lines(keys: pl.DataFrame) -> pl.DataFrame:
    """The lines held for ``keys`` (whoever may see them), with ``old_`` columns."""
    schema = {"line_id": pl.Int64, "partner_id": pl.Int64, "stream_id": pl.Int64,
              "theme_id": pl.Int64, "outcome_id": pl.Int64, "area_id": pl.Int64,
              "financial_year": pl.String, "arrangement": pl.String, "old_state": pl.String,
              "old_pool_id": pl.Int64, **{f"old_{c}": pl.Int64 for c in MONEY},
              "old_apportioned_by": pl.String, "old_description": pl.String,
              "old_illustrative": pl.Boolean}
    if keys.is_empty():
        return _frame([], schema)
    fields = ["pk", "partner_id", "stream_id", "theme_id", "outcome_id", "area_id",
              "financial_year", "arrangement", "state", "pool_id", "budget",
              *BudgetLine.QUARTERS, "apportioned_by", "description", "illustrative"]
    found = BudgetLine.objects.filter(
        partner_id__in=keys["partner_id"].unique().to_list(),
        financial_year__in=keys["financial_year"].unique().to_list(),
        area_id__in=keys["area_id"].unique().to_list()).values_list(*fields)
    rows = [(*r[:10], *(None if m is None else int(m * 100) for m in r[10:15]), *r[15:])
            for r in found]
    return _frame(rows, schema).join(keys, on=list(KEY), how="semi", nulls_equal=True)


def _money(column: str) -> pl.Expr:
    """Pence → pounds for the database, exactly.

    PostgreSQL's numeric column is sent the amount as text (pounds and pence). SQLite keeps
    a decimal column's values as REAL (or INTEGER where whole) whatever is sent, so it is
    sent the float, pence ÷ 100, rather than text for it to parse; read back, Django rounds
    it to the column's two places, so the amount returns to the penny.
    """
    pence = pl.col(column)
    if not bulk.postgres():
        return (pence / 100).alias(column)
    text = (pence.abs() // 100).cast(pl.String) + "." + (pence.abs() % 100).cast(
        pl.String).str.zfill(2)
    return pl.when(pence.is_null()).then(None).otherwise(text).alias(column)


def _create(rows: pl.DataFrame, cursor, *, person_id, now: dt.datetime, source: str) -> None:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {bulk.q(TABLE)}")  # nosec B608 - our own quoted table names
    first = cursor.fetchone()[0] + 1
    # In the order of the lines' key (no outcome first, as outcome 0), so that its index is
    # written page after page rather than revisited at random.
    frame = rows.sort(list(KEY)).select(
        pl.int_range(first, first + rows.height, dtype=pl.Int64).alias("id"),
        "partner_id", "stream_id", "theme_id", "outcome_id", "area_id", "financial_year",
        "arrangement", "pool_id", *(_money(c) for c in MONEY), "apportioned_by",
        "description", pl.col("illustrative").cast(pl.Int8).alias("illustrative")
        if not bulk.postgres() else "illustrative")
    bulk.send(TABLE, frame, {"shared_with_partners": False, "state": "submitted",
                             "submitted_by_id": person_id, "approved_by_id": None,
                             "updated_at": str(connection.ops.adapt_datetimefield_value(now))},
              cursor)
    if bulk.postgres():
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), "  # nosec B608 - our own quoted table names
                       f"(SELECT COALESCE(MAX(id), 1) FROM {bulk.q(TABLE)}))")
    record_run(BudgetLine, first, rows.height, time=now,
               description=f"{rows.height:,} budget line{'' if rows.height == 1 else 's'} "
                           f"from {source}",
               details={"budget_lines": rows.height, "source": source})


def _update(rows: pl.DataFrame, *, person) -> None:
    lines = BudgetLine.objects.in_bulk(rows["line_id"].to_list())
    changed = []
    for row in rows.iter_rows(named=True):
        line = lines[row["line_id"]]
        before = line.snapshot()
        line.pool_id = row["pool_id"]
        for column in MONEY:
            pence = row[column]
            setattr(line, column, None if pence is None else Decimal(pence).scaleb(-2))
        line.apportioned_by, line.description = row["apportioned_by"], row["description"]
        line.illustrative = row["illustrative"]
        line.state, line.submitted_by, line.approved_by = "submitted", person, None
        line.updated_at = timezone.now()
        changed.append((before, line))
    BudgetLine.objects.bulk_update(
        [line for _, line in changed],
        ["pool", *MONEY, "apportioned_by", "description", "illustrative", "state",
         "submitted_by", "approved_by", "updated_at"], batch_size=1000)
    record_bulk(updated=changed)


def import_spend_table(table: pl.DataFrame, *, source: str, user,
                       reason: str = "") -> SpendImport:
    """Check and save ``table``'s spend lines (all or none), as sent by ``user``."""
    result = SpendImport(rows=table.height)
    actor = user.get_username() if user is not None else "system"
    with recorded_as(user, actor=actor, reason=reason), transaction.atomic():
        if bulk.postgres():
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {bulk.q(TABLE)} IN SHARE ROW EXCLUSIVE MODE")
        checked: CheckedSpend = check_spend(table, spend_reference(user), file=source)
        result.problems = checked.problems
        if checked.errors:
            return result
        rows = checked.rows
        creating = rows.filter(pl.col("action") == "create")
        updating = rows.filter(pl.col("action") == "update")
        result.created, result.changed = creating.height, updating.height
        result.unchanged = rows.height - creating.height - updating.height
        now = timezone.now()
        if not creating.is_empty():
            with connection.cursor() as cursor:
                _create(creating, cursor, person_id=getattr(user, "pk", None), now=now,
                        source=source)
        if not updating.is_empty():
            _update(updating, person=user)
        result.saved = True
        events.announce(pl.concat([creating, updating])["financial_year"].unique().to_list())
    return result


def import_spend_file(data: bytes, name: str, *, user, reason: str = "") -> SpendImport:
    """A spend return as sent: read it, check it and save it, or say what is wrong."""
    try:
        table = read_table(data, name, SPEND_RETURN)
    except UploadRejected as rejected:
        return SpendImport(problems=rejected.problems)
    return import_spend_table(table, source=name, user=user, reason=reason)



def approve_lines(lines, *, person) -> int:
    """Approve submitted spend lines (the finance officers' group's sign-off), each
    change recorded with the line before and after. Returns how many were approved."""
    pending = list(lines.filter(state=BudgetLine.State.SUBMITTED))
    changed = []
    for line in pending:
        before = line.snapshot()
        line.state, line.approved_by = BudgetLine.State.APPROVED, person
        line.updated_at = timezone.now()
        changed.append((before, line))
    BudgetLine.objects.bulk_update(pending, ["state", "approved_by", "updated_at"],
                                   batch_size=1000)
    record_bulk(updated=changed)
    events.announce(line.financial_year for line in pending)
    return len(pending)
