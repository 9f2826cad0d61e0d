"""Re-assess an indicator when one of its approved figures changes."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from joinedup.history.recording import current_context
from joinedup.returns.models import DataValue


def _reassess_after_commit(value: DataValue) -> None:
    from joinedup.assessment.services import reassess_indicator

    person = current_context().person
    indicator = value.indicator
    transaction.on_commit(lambda: reassess_indicator(indicator, person=person))


@receiver(post_save, sender=DataValue)
def value_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.state == DataValue.State.APPROVED:
        _reassess_after_commit(instance)


@receiver(post_delete, sender=DataValue)
def value_deleted(sender, instance, **kwargs):
    _reassess_after_commit(instance)
