"""On PostgreSQL, budget lines' references are kept by triggers, as figures' are: a large
spend return is written without a per-row check at commit, and a partner, stream, theme,
outcome, area or pool is still never deleted while a line refers to it (see
``common.reference_guards``)."""

from django.db import migrations

from joinedup.common import reference_guards

GUARDED = {"table": "resources_budgetline", "prefix": "resources_lines_keep_",
           "references": (("partner_id", "partnership_organisation"),
                          ("stream_id", "resources_fundingstream"),
                          ("theme_id", "strategy_theme"), ("outcome_id", "strategy_outcome"),
                          ("area_id", "places_area"), ("pool_id", "resources_pooledbudget"))}


def guard(apps, schema_editor):
    reference_guards.guard_with_triggers(schema_editor, rows="budget lines", **GUARDED)


def unguard(apps, schema_editor):
    reference_guards.restore_constraints(schema_editor, **GUARDED)


class Migration(migrations.Migration):

    dependencies = [
        ("resources", "0003_budget_line_user_references"),
        ("partnership", "0004_alter_body_kind"),
        ("places", "0002_area_population"),
        ("strategy", "0001_initial"),
    ]

    operations = [migrations.RunPython(guard, unguard)]
