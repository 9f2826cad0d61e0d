"""Budget lines: one index, unique, for their key and for look-ups, and on PostgreSQL codes
compared byte by byte.

Both are for the spend return, which writes many lines at once: every index is kept up
for every line written. The key now starts with the year, the theme and the area, the
order in which pages look lines up, so the (year, theme, area) index and the area's and
the theme's own indexes go. A line with no outcome counts as outcome 0 in the key, so that
SQLite, which has no NULLS NOT DISTINCT, keeps the key unique too.

The financial year ("2009/10") and the arrangement ("pooled") are codes in ASCII, which
sort the same under every collation; with the "C" collation PostgreSQL compares them as
bytes, without the locale's rules. (SQLite compares text as bytes already.)
"""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


COLUMNS = (("financial_year", 7), ("arrangement", 8))


def bytewise(apps, schema_editor, collation='"C"'):
    if schema_editor.connection.vendor != "postgresql":
        return
    changes = ", ".join(f"ALTER COLUMN {column} TYPE varchar({length}) COLLATE {collation}"
                        for column, length in COLUMNS)
    schema_editor.execute(f"ALTER TABLE resources_budgetline {changes}")


def by_locale(apps, schema_editor):
    bytewise(apps, schema_editor, collation="pg_catalog.default")


class Migration(migrations.Migration):

    dependencies = [
        ('partnership', '0004_alter_body_kind'),
        ('places', '0002_area_population'),
        ('resources', '0005_fewer_budget_line_indexes'),
        ('strategy', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='budgetline',
            name='one_budget_line_per_key',
        ),
        migrations.RemoveIndex(
            model_name='budgetline',
            name='resources_b_financi_e54543_idx',
        ),
        migrations.AlterField(
            model_name='budgetline',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='budget_lines', to='places.area'),
        ),
        migrations.AlterField(
            model_name='budgetline',
            name='theme',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='budget_lines', to='strategy.theme'),
        ),
        migrations.RunPython(bytewise, by_locale),
        migrations.AddConstraint(
            model_name='budgetline',
            constraint=models.UniqueConstraint(models.F('financial_year'), models.F('theme'), models.F('area'), models.F('partner'), models.F('stream'), django.db.models.functions.comparison.Coalesce('outcome', models.Value(0)), models.F('arrangement'), name='one_budget_line_per_key', violation_error_message='There is already a budget line for this year, theme, area, partner, stream, outcome and arrangement.'),
        ),
    ]
