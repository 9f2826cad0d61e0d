"""After every stored assessment run, in its transaction: propose likelihoods again, and
write the generated stages of the delivery plans still being made."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from joinedup.assessment.events import assessment_stored
from joinedup.risks.forecasts import repropose
from joinedup.risks.plan_facts import refresh_for


@receiver(assessment_stored)
def assessment_was_stored(sender, run, indicator_ids, **kwargs):
    now = run.finished_at or timezone.now()
    repropose(indicator_ids, now=now)
    refresh_for(indicator_ids, now=now)
