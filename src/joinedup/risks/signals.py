"""Propose likelihoods again after every stored assessment run, in its transaction."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from joinedup.assessment.events import assessment_stored
from joinedup.risks.forecasts import repropose


@receiver(assessment_stored)
def assessment_was_stored(sender, run, indicator_ids, **kwargs):
    repropose(indicator_ids, now=run.finished_at or timezone.now())
