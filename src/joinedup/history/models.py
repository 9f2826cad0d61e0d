"""One row per change to a recorded object, as NetBox's ObjectChange does."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from joinedup.common.querysets import RestrictedQuerySet, sees_everything

#: Models whose history anyone who may see the object may read. The history of an object
#: is as confidential as the object; the history of any other model is read by officers
#: only, until its rules are joined in here.
HISTORY_AS_VISIBLE_AS_OBJECT = ("returns.DataValue", "constitution.CharterEntry",
                                "constitution.DocumentVersion")


class ChangeQuerySet(RestrictedQuerySet):
    def visible_to(self, user):
        """Changes to objects ``user`` may see, of the models listed above (all, for
        officers). A change to a run of objects is seen by who may see one of them."""
        if sees_everything(user):
            return self
        readable = Q(pk__in=[])
        for label in HISTORY_AS_VISIBLE_AS_OBJECT:
            model = apps.get_model(label)
            seen = model.objects.visible_to(user).filter(
                pk__gte=OuterRef("object_id"),
                pk__lte=Coalesce(OuterRef("last_object_id"), OuterRef("object_id")))
            readable |= Q(content_type=ContentType.objects.get_for_model(model)) & Q(Exists(seen))
        return self.filter(readable)

    def for_object(self, obj):
        """Changes to ``obj``: its own, and those to a run of objects that includes it."""
        within_run = Q(last_object_id__isnull=False, object_id__lte=obj.pk,
                       last_object_id__gte=obj.pk)
        return self.filter(content_type=ContentType.objects.get_for_model(type(obj))).filter(
            Q(object_id=obj.pk) | within_run)


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
    # A bulk upload creates its figures with consecutive ids, and is recorded once: who,
    # when, why and from which upload, over the run of ids. Each figure's values as created
    # are its values now, or the "before" of its first later change (every change after
    # creation is recorded per object), so nothing is lost by not copying them row by row.
    last_object_id = models.PositiveBigIntegerField(
        null=True, blank=True,
        help_text="For one change to a run of objects made together (the figures one upload "
                  "created): the last object's id; the change covers object_id to this.",
    )
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "time"]),
            models.Index(fields=["content_type", "last_object_id"], name="changes_to_runs",
                         condition=Q(last_object_id__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr} by {self.actor}"

    @property
    def covers_run(self) -> bool:
        """True for one change recorded for a run of objects (see ``last_object_id``)."""
        return self.last_object_id is not None

    @property
    def run_size(self) -> int:
        return self.last_object_id - self.object_id + 1 if self.covers_run else 1

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        names = sorted(set(before) | set(after))
        return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]
