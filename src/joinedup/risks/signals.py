"""After every stored assessment run, in its transaction: propose likelihoods again, and
write the generated stages of the delivery plans still being made. After spend changes
(``resources.events.spend_changed``): write those plans' stages again, as their resources
come from the budget lines."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from joinedup.assessment.events import assessment_stored
from joinedup.resources.events import spend_changed
from joinedup.risks.forecasts import repropose
from joinedup.risks.plan_facts import refresh_for


@receiver(assessment_stored)
def assessment_was_stored(sender, run, indicator_ids, **kwargs):
    now = run.finished_at or timezone.now()
    repropose(indicator_ids, now=now)
    refresh_for(indicator_ids, now=now)


@receiver(spend_changed)
def spend_was_changed(sender, years, **kwargs):
    refresh_for(None, now=timezone.now())
