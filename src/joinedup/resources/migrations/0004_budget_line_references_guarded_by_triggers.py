"""On PostgreSQL, budget lines' references are kept by triggers, as figures' are.

A foreign-key constraint checks each new line on its own, at commit: for a large spend
return that is six look-ups a line, which took longer than writing the lines. The spend
return resolves every code against those tables inside its transaction, which holds the
budget lines' table lock, so the check adds nothing there. What the constraint also did,
refuse to delete a partner, stream, theme, outcome, area or pool while lines refer to it,
the triggers below do. Each first takes a SHARE lock on the budget lines, so that it
waits for any return still being written and then sees its rows.

SQLite keeps its constraints: its writers take turns, and its checks cost far less.
"""

from django.db import migrations

TABLE = "resources_budgetline"
CONSTRAINTS = (("partner_id", "partnership_organisation"),
               ("stream_id", "resources_fundingstream"), ("theme_id", "strategy_theme"),
               ("outcome_id", "strategy_outcome"), ("area_id", "places_area"),
               ("pool_id", "resources_pooledbudget"))

GUARD = f"""
CREATE OR REPLACE FUNCTION resources_lines_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    referenced boolean;
BEGIN
    LOCK TABLE {TABLE} IN SHARE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE %I = $1)',
                   TG_ARGV[0]) INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE EXCEPTION 'budget lines still refer to % %', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('{TABLE}.%s refers to it', TG_ARGV[0]);
    END IF;
    RETURN OLD;
END
$$;
"""


def _constraint_names(cursor, column: str) -> list[str]:
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        f"WHERE c.conrelid = '{TABLE}'::regclass AND c.contype = 'f' "
        "AND a.attname = %s", [column])
    return [name for (name,) in cursor.fetchall()]


def _trigger(column: str) -> str:
    return "resources_lines_keep_" + column


def guard_with_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(GUARD)
        for column, table in CONSTRAINTS:
            for name in _constraint_names(cursor, column):
                cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {quote(name)}")
            cursor.execute(
                f"CREATE TRIGGER {quote(_trigger(column))} BEFORE DELETE ON {quote(table)} "
                f"FOR EACH ROW EXECUTE FUNCTION resources_lines_keep_referenced('{column}')")


def restore_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for column, table in CONSTRAINTS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {quote(_trigger(column))} ON {quote(table)}")
            cursor.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {quote(TABLE + '_' + column + '_fk')} "
                f"FOREIGN KEY ({quote(column)}) REFERENCES {quote(table)} (id) "
                "DEFERRABLE INITIALLY DEFERRED")
        cursor.execute("DROP FUNCTION IF EXISTS resources_lines_keep_referenced()")


class Migration(migrations.Migration):

    dependencies = [
        ("resources", "0003_budget_line_user_references"),
        ("partnership", "0004_alter_body_kind"),
        ("places", "0002_area_population"),
        ("strategy", "0001_initial"),
    ]

    operations = [migrations.RunPython(guard_with_triggers, restore_constraints)]
