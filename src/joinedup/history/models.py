"""One row per change to a recorded object, as NetBox's ObjectChange does."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from joinedup.common.querysets import RestrictedQuerySet, sees_everything


class ChangeQuerySet(RestrictedQuerySet):
    def visible_to(self, user):
        # The history of an object is as confidential as the object; until each model's
        # rules are joined in here, only officers read the raw log.
        return self if sees_everything(user) else self.none()

    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        )


class Change(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    time = models.DateTimeField(db_index=True)
    # Kept by Django rather than by a database constraint: a bulk upload writes a history
    # row per figure, and per-row constraint checks would cost it more than the writing.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="changes", db_constraint=False,
    )
    actor = models.CharField(
        max_length=150, help_text="Who made the change, kept even if the account is removed."
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    # Covered by the (content_type, object_id, time) index.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, db_index=False,
                                     db_constraint=False)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "time"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr} by {self.actor}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        names = sorted(set(before) | set(after))
        return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]
