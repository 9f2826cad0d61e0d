"""Record single-object saves and deletes of every ``ChangeRecorded`` model."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from joinedup.history.recording import ChangeRecorded, build_change


def _recorded(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, ChangeRecorded)


@receiver(pre_save)
def remember_before(sender, instance, raw=False, **kwargs):
    if raw or not _recorded(sender):
        return
    before = None
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).first()
        before = old.snapshot() if old is not None else None
    instance._history_before = before


@receiver(post_save)
def record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _recorded(sender):
        return
    before = None if created else getattr(instance, "_history_before", None)
    after = instance.snapshot()
    if before == after:
        return
    build_change(instance, "create" if created else "update", before, after).save()


@receiver(post_delete)
def record_delete(sender, instance, **kwargs):
    if not _recorded(sender):
        return
    build_change(instance, "delete", instance.snapshot(), None).save()
