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
meanwhile, so new rows take ids after the largest in use. A large table, checked in parts
(``parts``), is written a part at a time by a ``Writer``, with the same ids and history as
the table written at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import NOT_PROVIDED

from joinedup.common.bulk import _cells, _literal, _one_value, _sqlite_parameter_limit, q
from joinedup.common.bulk import postgres as _postgres
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
#: Columns that hold NULL when an INSERT leaves them out (nullable, with no default in the
#: database).
NULL_WHEN_LEFT_OUT = {f.attname for f in DataValue._meta.concrete_fields
                      if f.null and f.db_default is NOT_PROVIDED}
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


def _next_id(cursor) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(TABLE)}")  # nosec B608 - our own quoted table names
    return cursor.fetchone()[0] + 1


@dataclass
class Prepared:
    """A checked table's (or part's) rows as they are written, made ready without the
    database: the new figures in index order, their ids still to come; the changed ones
    as checked; and how many rows change nothing."""

    creating: pl.DataFrame
    updating: pl.DataFrame
    unchanged: int
    #: The new figures as the database takes them, made ready by ``Writer.prepare``.
    inserts: _Inserts | _Copy | None = None

    @property
    def rows(self) -> int:
        return self.creating.height + self.updating.height + self.unchanged


def prepare(rows: pl.DataFrame) -> Prepared:
    """The ``create`` and ``update`` rows of checked ``rows``, ready to write.

    New figures go in index order: each B-tree page is then written once rather than
    revisited at random. Dates are written as the database keeps them, and a figure's
    column that is empty in every row is left out of the insert, where it is NULL.
    """
    actions = rows["action"]
    creating = rows.filter(actions == "create")
    frame = (creating.select("row", "indicator_id", "area_id", "period", "period_start",
                             "period_end", *FIGURES, pl.col("note").fill_null(""))
             .sort(["indicator_id", "area_id", "period_start", "period_end"])
             .with_columns(pl.col("period_start", "period_end").dt.strftime("%Y-%m-%d")))
    empty = [c for c in FIGURES
             if c in NULL_WHEN_LEFT_OUT and frame[c].null_count() == frame.height]
    return Prepared(frame.drop(empty), rows.filter(actions == "update"),
                    int((actions == "unchanged").sum()))


def _constants(*, state: str, person_id, stamp: str) -> dict:
    """The columns of a new figure that are the same in every row of an upload."""
    submitted = state == DataValue.State.SUBMITTED
    constants = {"state": state, "submitted_by_id": person_id if submitted else None,
                 "submitted_at": stamp if submitted else None, "approved_by_id": None,
                 "approved_at": None, "returned_reason": "", "version": 1,
                 "updated_at": stamp}
    # A column left out is NULL: who approved, and when, need not be sent.
    return {c: v for c, v in constants.items() if v is not None or c not in NULL_WHEN_LEFT_OUT}


def _with_ids(frame: pl.DataFrame, first: int) -> pl.DataFrame:
    return frame.with_columns(pl.int_range(first, first + frame.height, dtype=pl.Int64)
                              .alias("id")).select("row", "id", pl.exclude("row", "id"))


def _create(frame: pl.DataFrame, cursor, *, first: int, state: str, person_id,
            now: dt.datetime) -> pl.DataFrame:
    """Insert ``prepare``d new figures with ids from ``first``; their ``row`` and ``id``."""
    frame = _with_ids(frame, first)
    constants = _constants(state=state, person_id=person_id, stamp=_stamp(now))
    _send(TABLE, frame.drop("row"), constants, cursor)
    return frame.select("row", "id")


@dataclass
class _Copy:
    """PostgreSQL's ``COPY`` of a part's new figures and its CSV, as ``common.bulk.send``
    sends them, made ready away from the database."""

    sql: str
    data: bytes


def _copy(frame: pl.DataFrame, constants: dict, quote: Callable[[str], str]) -> _Copy:
    names = ", ".join(quote(c) for c in [*frame.columns, *constants])
    frame = frame.with_columns(pl.lit(v).alias(c) for c, v in constants.items())
    return _Copy(f"COPY {quote(TABLE)} ({names}) FROM STDIN WITH (FORMAT csv)",
                 frame.write_csv(include_header=False).encode())


@dataclass
class _Inserts:
    """SQLite's multi-row ``INSERT``s of a part's new figures, their parameters bound
    row after row: what ``common.bulk.send`` runs, made ready away from the database."""

    many: str
    batches: list[list]
    rest: str
    rest_cells: list


def _sqlite_inserts(frame: pl.DataFrame, constants: dict, limit: int,
                    quote: Callable[[str], str]) -> _Inserts:
    """As ``common.bulk.send`` writes SQLite's statements: a column with one value in
    every row goes into the statement once, with the constants; the rest a few hundred
    rows a statement, as many as SQLite's limit of parameters allows. ``quote`` quotes
    a name (the connection's own, taken on its thread)."""
    same = [c for c in frame.columns if _one_value(frame[c])] if frame.height > 1 else []
    if len(same) == frame.width:
        same = same[1:]
    constants = {**{c: frame[c][0] for c in same}, **constants}
    frame = frame.drop(same)
    names = ", ".join(quote(c) for c in [*frame.columns, *constants])
    literals = "".join(f", {_literal(v)}" for v in constants.values())
    one_row = f"({', '.join(['?'] * frame.width)}{literals})"
    per_statement = max(1, min(500, limit // frame.width))
    insert = f"INSERT INTO {quote(TABLE)} ({names}) VALUES "  # nosec B608 - our own quoted table names
    cells = _cells(frame)
    step = per_statement * frame.width
    whole = len(cells) // step * step
    rest = (len(cells) - whole) // frame.width
    return _Inserts(insert + ", ".join([one_row] * per_statement),
                    [cells[i:i + step] for i in range(0, whole, step)],
                    insert + ", ".join([one_row] * rest), cells[whole:])


def _created(cursor, first: int, count: int, *, now: dt.datetime, state: str, source: str,
             upload_id: int | None) -> None:
    """After the last new figure: the id sequence moved past them, and their creation
    recorded as one change over their run of ids."""
    if _postgres():
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), "  # nosec B608 - our own quoted table names
                       f"(SELECT COALESCE(MAX(id), 1) FROM {q(TABLE)}))")
    record_run(DataValue, first, count, time=now,
               description=f"{count:,} figure{'' if count == 1 else 's'} from {source}",
               details={"figures": count, "state": state, "source": source,
                        "upload": upload_id})


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


class Writer:
    """Checked figures saved a part at a time, with their history, as one upload.

    ``add`` inserts each part's new figures at once, with ids following on from the part
    before, and keeps its changed ones (after ``begin``, ``prepare`` numbers each part's
    new figures and makes their statements, away from the database); ``finish`` records the creation of all the new ones
    as one run, then changes the changed ones (each with its own change), as ``write``
    does for a table in one part. Parts must come in the order of the figures' index
    (indicator, area, period), each series within one part, so that the ids are those one
    part of all the rows would take. Call as for ``write``.
    """

    def __init__(self, *, submit: bool, now: dt.datetime, source: str = "an upload",
                 upload_id: int | None = None):
        self.person_id = getattr(current_context().person, "pk", None)
        self.state = DataValue.State.SUBMITTED if submit else DataValue.State.DRAFT
        self.now, self.source, self.upload_id = now, source, upload_id
        self.first: int | None = None
        self.created: list[pl.DataFrame] = []
        self.updating: list[pl.DataFrame] = []

    @property
    def count(self) -> int:
        return sum(part.height for part in self.created)

    def begin(self) -> None:
        """Take the first id now, so that ``prepare`` can number the new figures and make
        them ready for the database, on another thread. Call on the thread that holds the
        transaction, before the first ``prepare``."""
        with connection.cursor() as cursor:
            self.first = _next_id(cursor)
        self._numbered = self.first
        self._limit = None if _postgres() else _sqlite_parameter_limit()
        self._quote = connection.ops.quote_name
        self._fixed = _constants(state=self.state, person_id=self.person_id,
                                 stamp=_stamp(self.now))

    def prepare(self, rows: pl.DataFrame) -> Prepared:
        """``prepare(rows)``, and after ``begin`` its new figures numbered (and SQLite's
        statements made): touches no database. Parts must be prepared in order."""
        part = prepare(rows)
        if self.first is None or part.creating.is_empty():
            return part
        part.creating = _with_ids(part.creating, self._numbered)
        self._numbered += part.creating.height
        frame = part.creating.drop("row")
        part.inserts = (_copy(frame, self._fixed, self._quote) if self._limit is None else
                        _sqlite_inserts(frame, self._fixed, self._limit, self._quote))
        return part

    def add(self, part: Prepared) -> None:
        """Insert a ``prepare``d part's new figures; keep its changed ones."""
        if not part.creating.is_empty():
            with connection.cursor() as cursor:
                if self.first is None:
                    self.first = _next_id(cursor)
                if "id" not in part.creating.columns:
                    self.created.append(_create(part.creating, cursor,
                                                first=self.first + self.count,
                                                state=self.state, person_id=self.person_id,
                                                now=self.now))
                else:
                    self.created.append(self._insert(part, cursor))
        if not part.updating.is_empty():
            self.updating.append(part.updating)

    def _insert(self, part: Prepared, cursor) -> pl.DataFrame:
        """A part numbered by ``prepare``: its statements run, or its rows sent."""
        if isinstance(part.inserts, _Copy):
            with cursor.cursor.copy(part.inserts.sql) as copy:
                copy.write(part.inserts.data)
        elif part.inserts is None:
            _send(TABLE, part.creating.drop("row"), self._fixed, cursor)
        else:
            if part.inserts.batches:
                cursor.cursor.executemany(part.inserts.many, part.inserts.batches)
            if part.inserts.rest_cells:
                cursor.cursor.execute(part.inserts.rest, part.inserts.rest_cells)
        return part.creating.select("row", "id")

    def finish(self) -> Written:
        """Record the new figures' creation, and change the changed ones."""
        updating = (self.updating[0] if len(self.updating) == 1 else
                    pl.concat(self.updating).sort("row") if self.updating else None)
        result = Written(created=self.count,
                         changed=0 if updating is None else updating.height)
        with connection.cursor() as cursor:
            if self.created:
                _created(cursor, self.first, self.count, now=self.now, state=self.state,
                         source=self.source, upload_id=self.upload_id)
                result.value_ids += pl.concat(self.created).sort("row")["id"].to_list()
            if updating is not None:
                _update(updating, cursor, state=self.state, person_id=self.person_id,
                        now=self.now)
                result.value_ids += updating["value_id"].cast(pl.Int64).to_list()
                result.unapproved_indicators = set(
                    updating.filter(pl.col("existing_state") == DataValue.State.APPROVED)
                    ["indicator_id"].to_list())
        return result


def write(rows: pl.DataFrame, *, submit: bool, now: dt.datetime, source: str = "an upload",
          upload_id: int | None = None) -> Written:
    """Save the ``create`` and ``update`` rows of a checked table, with their history.

    Call inside ``transaction.atomic()``, after ``hold_figures()``, and inside
    ``recorded_as(...)``: who, and why, come from the change context. Sent figures are
    drafts, or submitted when ``submit``. ``source`` names where they came from (a file
    name, "the form"), and ``upload_id`` the upload that kept the file, in the history.
    """
    writer = Writer(submit=submit, now=now, source=source, upload_id=upload_id)
    writer.add(prepare(rows))
    return writer.finish()
