"""On PostgreSQL, figures' references to their indicator and area are kept by triggers: a
million-row upload is written without two million checks at commit, and an indicator or
an area is still never deleted while figures refer to it (see
``common.reference_guards``)."""

from django.db import migrations

from joinedup.common import reference_guards

GUARDED = {"table": "returns_datavalue", "prefix": "returns_figures_keep_",
           "references": (("indicator_id", "strategy_indicator"), ("area_id", "places_area"))}


def guard_with_triggers(apps, schema_editor):
    reference_guards.guard_with_triggers(schema_editor, rows="figures", **GUARDED)


def restore_constraints(apps, schema_editor):
    reference_guards.restore_constraints(schema_editor, **GUARDED)


class Migration(migrations.Migration):

    dependencies = [
        ("returns", "0004_user_references_and_approved_index"),
        ("places", "0002_area_population"),
        ("strategy", "0001_initial"),
    ]

    operations = [migrations.RunPython(guard_with_triggers, restore_constraints)]
