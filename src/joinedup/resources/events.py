"""The one thing the resources app tells the apps above it: some spend changed.

A saved spend return, an approval, or an agreed allocation changes what monitoring and
the alignment criteria say. The resources app announces each once, after its
transaction commits, and does not know who listens: the exceptions app raises and closes
the finance exceptions (``exceptions.signals``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

from joinedup.resources.models import BudgetLine

#: Sent after commit with ``years`` (the financial years whose lines changed).
spend_changed = Signal()


def announce(years: Iterable[str]) -> None:
    chosen = sorted(set(years))
    if not chosen:
        return

    def send():
        spend_changed.send(sender=BudgetLine, years=chosen)

    transaction.on_commit(send)
