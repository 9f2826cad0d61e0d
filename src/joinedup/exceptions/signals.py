"""Keep the exceptions in step with every stored assessment run, in its transaction."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from joinedup.assessment.events import assessment_stored
from joinedup.exceptions.sync import sync_exceptions


@receiver(assessment_stored)
def assessment_was_stored(sender, run, indicator_ids, **kwargs):
    sync_exceptions(indicator_ids, now=run.finished_at or timezone.now())
