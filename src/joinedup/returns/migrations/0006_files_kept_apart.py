"""Each upload's file moves to a table of its own, and PostgreSQL compresses it with LZ4.

SQLite rewrites the whole of a row that changes, so saving an upload's outcome rewrote
its file too: half a second for a 34 MB CSV. On PostgreSQL the default compression, pglz,
took well over a second to store such a file; LZ4 takes a fraction of that and still
more than halves it. A PostgreSQL server built without LZ4 keeps its default.
"""

import django.db.models.deletion
from django.db import migrations, models


def move_files(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote('returns_uploadfile')} (upload_id, content) "  # nosec B608 - our own quoted table names
                       f"SELECT id, content FROM {quote('returns_upload')}")


def move_files_back(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote('returns_upload')} SET content = (SELECT f.content "  # nosec B608 - our own quoted table names
                       f"FROM {quote('returns_uploadfile')} f "
                       f"WHERE f.upload_id = {quote('returns_upload')}.id)")


def compress_with_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                       "AND 'lz4' = ANY (enumvals)")
        if cursor.fetchone():
            cursor.execute("ALTER TABLE returns_uploadfile ALTER COLUMN content "
                           "SET COMPRESSION lz4")


class Migration(migrations.Migration):

    dependencies = [
        ('returns', '0005_figure_references_guarded_by_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='UploadFile',
            fields=[
                ('upload', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='file', serialize=False, to='returns.upload')),
                ('content', models.BinaryField(help_text='The file exactly as it was sent.')),
            ],
        ),
        migrations.RunPython(compress_with_lz4, migrations.RunPython.noop),
        # Nullable while the files move, so that going back can bring the column back.
        migrations.AlterField(
            model_name='upload',
            name='content',
            field=models.BinaryField(null=True, help_text='The file exactly as it was sent.'),
        ),
        migrations.RunPython(move_files, move_files_back),
        migrations.RemoveField(
            model_name='upload',
            name='content',
        ),
    ]
