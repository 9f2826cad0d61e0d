"""Keep the exceptions in step with every stored assessment run, in its transaction, and
the finance exceptions with every change of spend, once it is committed."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from joinedup.assessment.events import assessment_stored
from joinedup.exceptions.budget import sync_budget_exceptions
from joinedup.exceptions.sync import sync_exceptions
from joinedup.resources.events import spend_changed


@receiver(assessment_stored)
def assessment_was_stored(sender, run, indicator_ids, **kwargs):
    sync_exceptions(indicator_ids, now=run.finished_at or timezone.now())


@receiver(spend_changed)
def spend_was_changed(sender, years, **kwargs):
    sync_budget_exceptions(years)
