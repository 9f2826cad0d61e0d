"""Re-assess the indicators whose figures changed, when the returns app says so.

The returns app announces approvals, corrections of approved figures and figures returned
to their owners (``returns.events.figures_changed``), after its transaction commits. Each
indicator named is re-assessed on its own (the incremental path), as the person who made
the change.
"""

from __future__ import annotations

from django.dispatch import receiver

from joinedup.returns.events import figures_changed


@receiver(figures_changed)
def reassess_changed(sender, indicator_ids, change, person=None, **kwargs):
    from joinedup.assessment.services import reassess_indicator
    from joinedup.strategy.models import Indicator

    for indicator in Indicator.objects.filter(pk__in=indicator_ids).order_by("pk"):
        reassess_indicator(indicator, person=person)
