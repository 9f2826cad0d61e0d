"""On PostgreSQL, figures' references to their indicator and area are kept by triggers.

A foreign-key constraint checks each new figure on its own, at commit: for a million-row
upload that is two million look-ups, which took longer than writing the figures. An upload
resolves every indicator and area code against those tables inside its transaction, so the
check adds nothing there. What the constraint also did, refuse to delete an indicator or
an area while figures refer to it, the triggers below do. Each first takes a SHARE lock on
the figures, so that it waits for any upload still being written and then sees its rows.

SQLite keeps its constraints: its writers take turns, and its checks cost far less.
"""

from django.db import migrations

CONSTRAINTS = (("indicator_id", "strategy_indicator"), ("area_id", "places_area"))

GUARD = """
CREATE OR REPLACE FUNCTION returns_figures_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    referenced boolean;
BEGIN
    LOCK TABLE returns_datavalue IN SHARE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM returns_datavalue WHERE %I = $1)',
                   TG_ARGV[0]) INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE EXCEPTION 'figures still refer to % %', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('returns_datavalue.%s refers to it', TG_ARGV[0]);
    END IF;
    RETURN OLD;
END
$$;
"""


def _constraint_names(cursor, column: str) -> list[str]:
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        "WHERE c.conrelid = 'returns_datavalue'::regclass AND c.contype = 'f' "
        "AND a.attname = %s", [column])
    return [name for (name,) in cursor.fetchall()]


def guard_with_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(GUARD)
        for column, table in CONSTRAINTS:
            for name in _constraint_names(cursor, column):
                cursor.execute(f"ALTER TABLE returns_datavalue DROP CONSTRAINT {quote(name)}")
            cursor.execute(
                f"CREATE TRIGGER {quote('returns_figures_keep_' + column)} BEFORE DELETE ON "
                f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION "
                f"returns_figures_keep_referenced('{column}')")


def restore_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for column, table in CONSTRAINTS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {quote('returns_figures_keep_' + column)} "
                           f"ON {quote(table)}")
            cursor.execute(
                f"ALTER TABLE returns_datavalue ADD CONSTRAINT "
                f"{quote('returns_datavalue_' + column + '_fk')} FOREIGN KEY ({quote(column)}) "
                f"REFERENCES {quote(table)} (id) DEFERRABLE INITIALLY DEFERRED")
        cursor.execute("DROP FUNCTION IF EXISTS returns_figures_keep_referenced()")


class Migration(migrations.Migration):

    dependencies = [
        ("returns", "0004_user_references_and_approved_index"),
        ("places", "0002_area_population"),
        ("strategy", "0001_initial"),
    ]

    operations = [migrations.RunPython(guard_with_triggers, restore_constraints)]
