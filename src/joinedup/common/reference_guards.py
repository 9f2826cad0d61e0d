"""On PostgreSQL, a bulk-written table's references kept by triggers, not constraints.

A foreign-key constraint checks each new row on its own, at commit: for a large upload
that is a look-up per reference per row, which takes longer than writing the rows. An
upload resolves every code against the referenced tables inside its transaction, which
holds the written table's lock, so the check adds nothing there. What the constraint also
did, refuse to delete a row while others refer to it, a trigger on the referenced table
does: it first takes a SHARE lock on the written table, so that it waits for any upload
still being written and then sees its rows.

Used by migrations (figures: ``returns`` 0005; budget lines: ``resources`` 0004). SQLite
keeps its constraints: its writers take turns, and its checks cost far less.
"""

from __future__ import annotations

from collections.abc import Sequence


def _function_sql(function: str, table: str, rows: str) -> str:
    # The names are the app's own tables and trigger functions, never user input.
    sql = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    referenced boolean;
BEGIN
    LOCK TABLE {table} IN SHARE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM {table} WHERE %I = $1)',
                   TG_ARGV[0]) INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE EXCEPTION '{rows} still refer to % %', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('{table}.%s refers to it', TG_ARGV[0]);
    END IF;
    RETURN OLD;
END
$$;
"""  # nosec B608 - our own table and function names
    return sql


def _constraint_names(cursor, table: str, column: str) -> list[str]:
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND a.attname = %s",
        [table, column])
    return [name for (name,) in cursor.fetchall()]


def guard_with_triggers(schema_editor, *, table: str, references: Sequence[tuple[str, str]],
                        prefix: str, rows: str) -> None:
    """Replace ``table``'s foreign keys on ``references`` (column, referenced table) by
    triggers named ``{prefix}{column}``, with the function ``{prefix}referenced``."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    function = f"{prefix}referenced"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_function_sql(function, table, rows))
        for column, referenced in references:
            for name in _constraint_names(cursor, table, column):
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            cursor.execute(
                f"CREATE TRIGGER {quote(prefix + column)} BEFORE DELETE ON "
                f"{quote(referenced)} FOR EACH ROW EXECUTE FUNCTION {function}('{column}')")


def restore_constraints(schema_editor, *, table: str, references: Sequence[tuple[str, str]],
                        prefix: str) -> None:
    """Undo ``guard_with_triggers``: the triggers go, the deferred constraints return."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for column, referenced in references:
            cursor.execute(f"DROP TRIGGER IF EXISTS {quote(prefix + column)} "
                           f"ON {quote(referenced)}")
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {quote(table + '_' + column + '_fk')} "
                f"FOREIGN KEY ({quote(column)}) REFERENCES {quote(referenced)} (id) "
                "DEFERRABLE INITIALLY DEFERRED")
        cursor.execute(f"DROP FUNCTION IF EXISTS {prefix}referenced()")
