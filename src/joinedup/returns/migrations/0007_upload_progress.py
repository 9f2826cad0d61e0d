"""An upload keeps the progress of its checking, for a large file checked in the background."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('returns', '0006_files_kept_apart'),
    ]

    operations = [
        migrations.AddField(
            model_name='upload',
            name='work_done',
            field=models.PositiveBigIntegerField(default=0, help_text='How much is done so far.'),
        ),
        migrations.AddField(
            model_name='upload',
            name='work_error',
            field=models.TextField(blank=True, help_text="Why the work failed, in words for the person who asked for it; the details are in the server's log."),
        ),
        migrations.AddField(
            model_name='upload',
            name='work_finished_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='upload',
            name='work_queued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='upload',
            name='work_stage',
            field=models.CharField(blank=True, help_text='What the work is doing now, in plain words.', max_length=200),
        ),
        migrations.AddField(
            model_name='upload',
            name='work_started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='upload',
            name='work_state',
            field=models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'In progress'), ('done', 'Done'), ('failed', 'Failed')], default='done', max_length=7),
        ),
        migrations.AddField(
            model_name='upload',
            name='work_total',
            field=models.PositiveBigIntegerField(default=0, help_text='How much there is to do; 0 when that is not known.'),
        ),
        migrations.AlterField(
            model_name='upload',
            name='outcome',
            field=models.CharField(choices=[('unchecked', 'Not checked yet'), ('rejected', 'Rejected: errors to correct'), ('awaiting', 'Checked: warnings to confirm'), ('saved', 'Saved')], max_length=10),
        ),
    ]
