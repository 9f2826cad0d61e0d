"""Writing checked figures, and their history, set-wise: a million rows in seconds.

Saving a figure at a time through the ORM manages a few thousand rows a second; a
partner's upload may hold a million. So the rows ``validation.check`` has passed are
written a statement per step: PostgreSQL's ``COPY``, SQLite's multi-row ``INSERT``s (a
statement per few hundred rows: binding parameters row by row costs more than the
writing), with only the columns that vary sent per row.

History (``history.Change``), in the same transaction, so no figure is saved without its
record:

- the figures an upload creates take consecutive ids, and their creation is one change
  over that run (who, when, why, how many, from which upload): each figure's values as
  created are its values now, or the "before" of its first later change, and the file
  as sent is kept with the upload;
- each figure an upload changes gets a change of its own, with the figure before and
  after as JSON, made by the database itself with ``INSERT … SELECT`` so that no row
  crosses into Python twice; ``after`` is then filled in for exactly those changes,
  since others may record changes (to a target, say) while an upload writes.

The caller holds the transaction and ``hold_figures()``: nobody else writes figures
meanwhile, so new rows take ids after the largest in use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from joinedup.common.bulk import postgres as _postgres
from joinedup.common.bulk import q
from joinedup.common.bulk import send as _send
from joinedup.history.models import Change
from joinedup.history.recording import current_context, record_run
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

TABLE = DataValue._meta.db_table
CHANGES = Change._meta.db_table
FIELDS = [f.attname for f in DataValue._meta.concrete_fields]
TIMES = [f.attname for f in DataValue._meta.concrete_fields
         if f.get_internal_type() == "DateTimeField"]
FIGURES = ["value", "numerator", "denominator", "lower_ci", "upper_ci"]
STAGED = "joinedup_staged_figures"


class StaleWrite(Exception):
    """A figure changed between checking and writing: nothing is written."""


@dataclass
class Written:
    created: int = 0
    changed: int = 0
    value_ids: list[int] = field(default_factory=list)
    #: Indicators that lost an approved figure (back to draft or submitted), whose
    #: assessment must be re-run.
    unapproved_indicators: set[int] = field(default_factory=set)


def hold_figures() -> None:
    """Hold off other writers of figures until this transaction ends.

    SQLite's ``IMMEDIATE`` transactions already do; PostgreSQL needs the table lock. Take
    it before checking, so what was checked is what is written.
    """
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {q(TABLE)} IN SHARE ROW EXCLUSIVE MODE")


def _stamp(now: dt.datetime) -> str:
    """A time as the database stores it (Django's own adapter, so reads match)."""
    return str(connection.ops.adapt_datetimefield_value(now))


def _snapshot_sql(alias: str) -> str:
    """The figure's row as JSON, keyed and formatted as ``ChangeRecorded.snapshot()``."""
    if _postgres():
        # The row's own JSON: its column names are the snapshot's keys, and PostgreSQL
        # writes dates as isoformat() does. Times are written out here, because PostgreSQL
        # drops trailing zeros of the microseconds where isoformat() keeps all six.
        times = ", ".join(f"'{f}', {_isoformat_sql(f'{alias}.{q(f)}')}" for f in TIMES)
        return f"(to_jsonb({alias}) || jsonb_build_object({times}))" if times else (
            f"to_jsonb({alias})")
    parts = []
    for f in FIELDS:
        column = f"{alias}.{q(f)}"
        if f in TIMES:
            column = f"replace({column}, ' ', 'T') || '+00:00'"
        parts.append(f"'{f}', {column}")
    return f"json_object({', '.join(parts)})"


def _isoformat_sql(column: str) -> str:
    """A UTC time as ``datetime.isoformat()`` writes it: six figures of microseconds, or
    none when they are zero; NULL stays NULL."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
            f"CASE WHEN mod(date_part('microseconds', {utc})::bigint, 1000000) = 0 THEN '' "
            f"ELSE to_char({utc}, '.US') END || '+00:00'")


def _record_changes(cursor, *, now: str) -> None:
    """A change, with the figure before as JSON, for each figure staged for updating;
    made by the database. The caller fills in ``after`` once it has changed them."""
    context = current_context()
    content_type = ContentType.objects.get_for_model(DataValue).pk
    cast = "::text" if _postgres() else ""
    value_text = f"CAST(v.{q('value')} AS TEXT)" if not _postgres() else f"v.{q('value')}::text"
    cursor.execute(
        f"INSERT INTO {q(CHANGES)} (time, person_id, actor, action, content_type_id, "  # nosec B608 - our own quoted table names
        "object_id, object_repr, before, after, reason) "
        f"SELECT {_param('timestamptz')}, {_param('bigint')}, %s, %s, {_param('integer')}, v.id, "
        f"substr(i.code || ' ' || a.name || ' ' || v.period || ': ' || {value_text}{cast}, 1, 200), "
        f"{_snapshot_sql('v')}, NULL, {_param('text')} "
        f"FROM {q(TABLE)} v JOIN {q(Indicator._meta.db_table)} i ON i.id = v.indicator_id "
        f"JOIN {q(Area._meta.db_table)} a ON a.id = v.area_id "
        f"WHERE v.id IN (SELECT id FROM {STAGED})",
        [now, getattr(context.person, "pk", None), context.actor, Change.Action.UPDATE,
         content_type, context.reason])


def _param(sql_type: str) -> str:
    """A placeholder; PostgreSQL needs the type where a SELECT list gives no hint."""
    return f"CAST(%s AS {sql_type})" if _postgres() else "%s"


def _last_change_id(cursor) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(CHANGES)}")  # nosec B608 - our own quoted table names
    return cursor.fetchone()[0]


def _create(rows: pl.DataFrame, cursor, *, state: str, person_id, now: dt.datetime,
            source: str, upload_id: int | None) -> list[int]:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(TABLE)}")  # nosec B608 - our own quoted table names
    first = cursor.fetchone()[0] + 1
    # In index order, each B-tree page is written once rather than revisited at random.
    frame = (rows.select("row", "indicator_id", "area_id", "period", "period_start",
                         "period_end", *FIGURES, pl.col("note").fill_null(""))
             .sort(["indicator_id", "area_id", "period_start", "period_end"])
             .with_columns(pl.int_range(first, first + rows.height, dtype=pl.Int64).alias("id")))
    submitted = state == DataValue.State.SUBMITTED
    stamp = _stamp(now)
    constants = {"state": state, "submitted_by_id": person_id if submitted else None,
                  "submitted_at": stamp if submitted else None, "approved_by_id": None,
                  "approved_at": None, "returned_reason": "", "version": 1,
                  "updated_at": stamp}
    _send(TABLE, frame.drop("row").select("id", pl.exclude("id")), constants, cursor)
    if _postgres():
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), "  # nosec B608 - our own quoted table names
                       f"(SELECT COALESCE(MAX(id), 1) FROM {q(TABLE)}))")
    record_run(DataValue, first, rows.height, time=now,
               description=f"{rows.height:,} figure{'' if rows.height == 1 else 's'} from "
                           f"{source}",
               details={"figures": rows.height, "state": state, "source": source,
                        "upload": upload_id})
    return frame.select("row", "id").sort("row")["id"].to_list()   # in the order sent


def _update(rows: pl.DataFrame, cursor, *, state: str, person_id, now: dt.datetime) -> None:
    """Overwrite changed figures, refusing any whose version moved since it was checked."""
    stamp = _stamp(now)
    staged = rows.select(pl.col("value_id").cast(pl.Int64).alias("id"), *FIGURES,
                         pl.col("note").fill_null(""),
                         pl.col("existing_version").cast(pl.Int64).alias("was_version"))
    temporary = "TEMPORARY TABLE"
    cursor.execute(f"DROP TABLE IF EXISTS {STAGED}")
    cursor.execute(f"CREATE {temporary} {STAGED} (id bigint PRIMARY KEY, value double precision, "
                   "numerator double precision, denominator double precision, "
                   "lower_ci double precision, upper_ci double precision, note text, "
                   "was_version integer)")
    _send(STAGED, staged, {}, cursor)
    since = _last_change_id(cursor)
    _record_changes(cursor, now=stamp)
    submitted = state == DataValue.State.SUBMITTED
    sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in [*FIGURES, "note"])
    cursor.execute(
        f"UPDATE {q(TABLE)} SET {sets}, state = %s, submitted_by_id = %s, submitted_at = %s, "  # nosec B608 - our own quoted table names
        "approved_by_id = NULL, approved_at = NULL, returned_reason = '', "
        f"version = {q(TABLE)}.version + 1, updated_at = %s FROM {STAGED} s "
        f"WHERE {q(TABLE)}.id = s.id AND {q(TABLE)}.version = s.was_version",
        [state, person_id if submitted else None, stamp if submitted else None, stamp])
    done = cursor.rowcount
    if done != rows.height:
        raise StaleWrite(f"{rows.height - done} figure(s) changed while this was being "
                         "saved; nothing was saved. Check the figures again and resend.")
    # Exactly the changes made above: others may record changes (to a target, say) while
    # an upload writes, but nobody else changes these figures while they are held, and the
    # staged table names exactly the figures just changed, one change each.
    content_type = ContentType.objects.get_for_model(DataValue).pk
    cursor.execute(
        f"UPDATE {q(CHANGES)} SET after = (SELECT {_snapshot_sql('v')} FROM {q(TABLE)} v "  # nosec B608 - our own quoted table names
        f"WHERE v.id = {q(CHANGES)}.object_id) WHERE {q(CHANGES)}.id > %s "
        f"AND {q(CHANGES)}.content_type_id = %s "
        f"AND {q(CHANGES)}.object_id IN (SELECT id FROM {STAGED})", [since, content_type])
    cursor.execute(f"DROP TABLE {STAGED}")


#: Figures written at once beyond which PostgreSQL's planner statistics are refreshed.
STATISTICS_AFTER = 50_000


def refresh_statistics() -> None:
    """Bring PostgreSQL's statistics of the figures up to date, after a large upload.

    Its planner would otherwise judge the table by its size before the upload until the
    autovacuum daemon next looks, and may choose slow plans for the pages meanwhile.
    ``ANALYZE`` reads a sample, so it takes a fraction of a second however large the
    table. (SQLite keeps no statistics unless asked, and plans well without them.)
    """
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {q(TABLE)}")


def write(rows: pl.DataFrame, *, submit: bool, now: dt.datetime, source: str = "an upload",
          upload_id: int | None = None) -> Written:
    """Save the ``create`` and ``update`` rows of a checked table, with their history.

    Call inside ``transaction.atomic()``, after ``hold_figures()``, and inside
    ``recorded_as(...)``: who, and why, come from the change context. Sent figures are
    drafts, or submitted when ``submit``. ``source`` names where they came from (a file
    name, "the form"), and ``upload_id`` the upload that kept the file, in the history.
    """
    person_id = getattr(current_context().person, "pk", None)
    state = DataValue.State.SUBMITTED if submit else DataValue.State.DRAFT
    creating = rows.filter(pl.col("action") == "create")
    updating = rows.filter(pl.col("action") == "update")
    result = Written(created=creating.height, changed=updating.height)
    with connection.cursor() as cursor:
        if not creating.is_empty():
            result.value_ids += _create(creating, cursor, state=state, person_id=person_id,
                                        now=now, source=source, upload_id=upload_id)
        if not updating.is_empty():
            _update(updating, cursor, state=state, person_id=person_id, now=now)
            result.value_ids += updating["value_id"].cast(pl.Int64).to_list()
    result.unapproved_indicators = set(
        updating.filter(pl.col("existing_state") == DataValue.State.APPROVED)
        ["indicator_id"].to_list())
    return result
