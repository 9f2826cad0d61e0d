"""API tokens now belong to the partnership app (see its migration 0002): the api app
forgets the model; the table and its rows stay, under their new owner."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
        ("partnership", "0002_apitoken_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
