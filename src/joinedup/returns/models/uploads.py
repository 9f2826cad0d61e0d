"""Every file a partner sends is kept, whether or not its figures were saved."""

from __future__ import annotations

from django.conf import settings
from django.db import connections, models, transaction

from joinedup.common.querysets import PersonalQuerySet
from joinedup.common.tasks import TrackedWork


class UploadQuerySet(PersonalQuerySet):
    """An upload is seen by the person who sent it, and by the partnership officers."""

    def keep(self, content: bytes, **fields) -> Upload:
        """A new upload holding ``content``, the file exactly as it was sent."""
        with transaction.atomic(using=self.db):
            upload = self.create(**fields)
            UploadFile.objects.using(self.db).store(upload, content)
        return upload


class Upload(TrackedWork):
    """A file of figures as it was sent, and what became of them.

    A large file is checked and saved in the background; its progress is kept here too.
    """

    stopped_message = (
        "Checking stopped before it finished, because the service was restarted, so none "
        "of the figures were saved. The file is kept. Upload it again.")

    class Outcome(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        REJECTED = "rejected", "Rejected: errors to correct"
        AWAITING = "awaiting", "Checked: warnings to confirm"
        SAVED = "saved", "Saved"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    actor = models.CharField(max_length=150)
    collection_round = models.ForeignKey(
        "returns.CollectionRound", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="uploads",
    )
    received_at = models.DateTimeField()
    file_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    submit = models.BooleanField(default=False, help_text="Submit the figures once saved.")
    problems = models.JSONField(
        default=list, blank=True,
        help_text="Errors and warnings: file, row, column, message and severity.",
    )

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} from {self.actor}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("returns:upload", args=[self.pk])

    @property
    def content(self) -> bytes:
        """The file exactly as it was sent."""
        return bytes(self.file.content)

    @property
    def status(self) -> str:
        """Where the upload has got to, in words: its outcome, once it has been checked."""
        return {self.WorkState.QUEUED: "Waiting to be checked",
                self.WorkState.RUNNING: "Being checked",
                self.WorkState.FAILED: "Not checked: something went wrong",
                }.get(self.work_state) or self.get_outcome_display()

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "warning"]


class UploadFileQuerySet(models.QuerySet):
    def store(self, upload: Upload, content: bytes) -> UploadFile:
        """Keep ``content`` as ``upload``'s file.

        On PostgreSQL the bytes go as one binary parameter: Django sends ``bytea`` as hex
        text, twice the size, which the server then has to decode (a second or two for a
        large file, instead of a fraction of one).
        """
        connection = connections[self.db]
        if connection.vendor != "postgresql":
            return self.create(upload=upload, content=content)
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(f"INSERT INTO {connection.ops.quote_name(UploadFile._meta.db_table)} "  # nosec B608 - our own quoted table names
                           "(upload_id, content) VALUES (%s, %b)", [upload.pk, content])
        return UploadFile(upload=upload, content=content)


class UploadFile(models.Model):
    """The bytes of an upload, in a table of their own.

    An upload's outcome is saved after its file: SQLite rewrites the whole of a row that
    changes, so a file kept in the upload's own row would be written again each time.
    """

    upload = models.OneToOneField(Upload, primary_key=True, on_delete=models.CASCADE,
                                  related_name="file")
    content = models.BinaryField(help_text="The file exactly as it was sent.")

    objects = UploadFileQuerySet.as_manager()

    def __str__(self):
        return f"the file of {self.upload}"
