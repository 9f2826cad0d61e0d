"""Every file a partner sends is kept, whether or not its figures were saved."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.common.querysets import PersonalQuerySet


class UploadQuerySet(PersonalQuerySet):
    """An upload is seen by the person who sent it, and by the partnership officers."""


class Upload(models.Model):
    class Outcome(models.TextChoices):
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
    content = models.BinaryField(help_text="The file exactly as it was sent.")
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
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "warning"]
