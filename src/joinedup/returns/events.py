"""The one thing the returns app tells the apps above it: some figures changed.

Approving figures, correcting an approved figure, and returning a figure to its owner all
change what the partnership's assessment rests on. The returns app announces each such
change once, after its transaction commits, and does not know who listens: the assessment
app re-assesses the indicators concerned (``assessment.signals``). So the lower app never
imports a higher one, and there is one path from a changed figure to a fresh assessment.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

from joinedup.returns.models import DataValue

#: Sent after commit with ``indicator_ids`` (sorted, distinct), ``change`` (a
#: ``FiguresChange``) and ``person`` (who changed them, or None).
figures_changed = Signal()


class FiguresChange(enum.StrEnum):
    APPROVED = "approved"
    CORRECTED = "corrected"
    RETURNED = "returned"


def announce(indicator_ids: Iterable[int], change: FiguresChange, person=None) -> None:
    """Tell listeners, once the current transaction commits, that figures of these
    indicators changed. Nothing is sent if the transaction rolls back."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return
    def send():
        figures_changed.send(sender=DataValue, indicator_ids=ids, change=FiguresChange(change),
                             person=person)

    transaction.on_commit(send)
