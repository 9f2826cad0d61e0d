"""Restore a backup into a database: checked first, written in one transaction.

Before anything is written, the archive is checked member by member against its manifest,
the backup's migrations must all be known to this release, and the database must hold no
people and no history (unless ``force``). Then the database is migrated to the backup's
migration state, emptied, loaded, its row counts checked against the manifest and its
sequences moved past the restored ids, all in one transaction; and last it is migrated on
to this release's state.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor

from joinedup.maintenance import archive, codec, schema
from joinedup.maintenance.progress import Steps

BATCH = 2000
#: Tables that a database holding data has rows in: people, and the history of changes.
SIGNS_OF_DATA = ("partnership_person", "history_change")


class RestoreRefused(Exception):
    """The restore would be wrong or unsafe; nothing has been written."""


def restore(path: Path, *, steps: Steps, force: bool = False, using: str = "default") -> dict:
    """Restore the backup at ``path``; its manifest."""
    connection = connections[using]
    reader = archive.ArchiveReader(path)
    try:
        with steps.bar("Checking the archive", total=reader.size()) as advance:
            reader.verify(advance)
        manifest = reader.manifest
        latest = schema.latest_state(connection)
        targets = _migration_targets(connection, manifest["migrations"], latest)
        _refuse_if_holding_data(connection, force)
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(targets)
        if any(backwards for _, backwards in plan):
            raise RestoreRefused(
                "The database has migrations newer than the backup's: restore into a new, "
                "empty database.")
        if plan:
            with steps.bar("Preparing the database (migrations)", total=len(plan)) as advance:
                executor.progress_callback = (
                    lambda action, *rest: advance(1) if action == "apply_success" else None)
                executor.migrate(targets, plan=plan)
        models = schema.models_at(connection, manifest["migrations"])
        with transaction.atomic(using=using):
            _load(reader, models, connection, steps)
        if manifest["migrations"] != latest:
            steps.note("Bringing the database up to this release")
            call_command("migrate", database=using, interactive=False, verbosity=0)
    finally:
        reader.close()
    return manifest


def _migration_targets(connection, state: schema.MigrationState,
                       known: schema.MigrationState) -> list[tuple]:
    unknown = [f"{app}.{name}" for app, names in state.items() for name in names
               if name not in known.get(app, [])]
    if unknown:
        raise RestoreRefused(
            "The backup was made by a newer release of JoinedUp (its migrations "
            f"{', '.join(unknown[:3])} are unknown here): upgrade, then restore.")
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    targets = []
    for app in known:
        names = set(state.get(app, []))
        leaves = [name for name in names
                  if not any(child[0] == app and child[1] in names
                             for child in graph.node_map[(app, name)].children)]
        targets.extend((app, leaf) for leaf in sorted(leaves))
        if not leaves:
            targets.append((app, None))
    return targets


def _refuse_if_holding_data(connection, force: bool) -> None:
    tables = set(connection.introspection.table_names())
    held = []
    with connection.cursor() as cursor:
        for table in SIGNS_OF_DATA:
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # nosec B608 - our own quoted table names
                held.append(cursor.fetchone()[0])
    if any(held) and not force:
        words = {"partnership_person": "people", "history_change": "recorded changes"}
        found = ", ".join(f"{count:,} {words[t]}" for t, count in zip(SIGNS_OF_DATA, held))
        raise RestoreRefused(
            f"The database is not empty ({found}). Restore into a new, empty database, or "
            "add --force to replace everything in it with the backup.")


def _load(reader, models, connection, steps: Steps) -> None:
    by_label = {schema.label(m): m for m in models}
    tables = reader.manifest["tables"]
    missing = [t["model"] for t in tables if t["model"] not in by_label]
    if missing:
        raise archive.DamagedArchive(f"The backup's tables {missing[:3]} do not match its "
                                     "migrations.")
    names = [m._meta.db_table for m in models]
    steps.note("Emptying the database")
    connection.ops.execute_sql_flush(
        connection.ops.sql_flush(no_style(), names, reset_sequences=False, allow_cascade=True))
    with steps.bar("Restoring the rows", total=sum(t["rows"] for t in tables)) as advance:
        for table in tables:
            _load_table(reader, by_label[table["model"]], table, connection, advance)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table['table'])}")  # nosec B608 - our own quoted table names
            if cursor.fetchone()[0] != table["rows"]:
                raise archive.DamagedArchive(f"{table['model']} did not restore whole.")
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _load_table(reader, model, table: dict, connection, advance) -> None:
    fields_by_name = {f.attname: f for f in model._meta.local_concrete_fields}
    try:
        fields = [fields_by_name[name] for name in table["columns"]]
    except KeyError as error:
        raise archive.DamagedArchive(f"{table['model']} has no column {error}.") from None
    binary = {i for i, field in enumerate(fields) if codec.is_binary(field)}
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(table['table'])} ({', '.join(quote(f.column) for f in fields)})"  # nosec B608 - our own quoted table names
           f" VALUES ({', '.join(['%s'] * len(fields))})")
    readers = [(i, read) for i, field in enumerate(fields)
               if (read := codec.reader(field, connection)) is not None]
    batch = []
    with connection.cursor() as cursor:
        for line in reader.lines(table["member"]):
            values = json.loads(line)
            for i in binary:
                if values[i] is not None:
                    values[i] = reader.read(values[i])
            for i, read in readers:
                values[i] = read(values[i])
            batch.append(values)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                advance(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            advance(len(batch))
