"""API tokens move from the api app to the partnership app, which holds the people they
belong to. The rows stay: the table is renamed, and the content type (which the history's
changes and the permissions refer to) is relabelled rather than made anew."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def relabel(apps, schema_editor, old="api", new="partnership"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="apitoken").exists():
        ContentType.objects.filter(app_label=old, model="apitoken").update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel(apps, schema_editor, old="partnership", new="api")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("partnership", "0001_initial"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("name", models.CharField(help_text="What the token is for, such as 'Quarterly upload script'.", max_length=100)),
                        ("prefix", models.CharField(help_text="The start of the token, kept in clear so it can be recognised.", max_length=11)),
                        ("digest", models.CharField(editable=False, help_text="SHA-256 of the token; the token itself is not kept.", max_length=64, unique=True)),
                        ("created", models.DateTimeField()),
                        ("last_used", models.DateTimeField(blank=True, null=True)),
                        ("expires", models.DateTimeField(blank=True, help_text="Refused from this time on. Empty: no expiry.", null=True)),
                        ("revoked", models.DateTimeField(blank=True, help_text="When the token was revoked; it is refused since.", null=True)),
                        ("person", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_tokens", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"verbose_name": "API token", "ordering": ["person", "-created"]},
                ),
            ],
            database_operations=[
                migrations.RunSQL('ALTER TABLE "api_apitoken" RENAME TO "partnership_apitoken"',
                                  'ALTER TABLE "partnership_apitoken" RENAME TO "api_apitoken"'),
            ],
        ),
        migrations.RunPython(relabel, relabel_back),
    ]
