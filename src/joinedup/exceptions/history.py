"""An exception's past: its earlier occurrences (the ``previous`` chain) and the decisions
taken on them.

An exception that recurs next period points at the one before it. A reader deciding about
it wants what was decided last time, and the time before; these helpers follow the chain
for many exceptions at once, with one query per step back rather than one per exception.
"""

from __future__ import annotations

from collections import defaultdict

from joinedup.exceptions.models import IndicatorException, TriageDecision


def earlier_chains(exceptions) -> dict[int, list[int]]:
    """For each exception, the ids of its earlier occurrences, most recent first."""
    previous = {e.pk: e.previous_id for e in exceptions}
    missing = {pk for pk in previous.values() if pk and pk not in previous}
    while missing:
        found = dict(IndicatorException.objects.filter(pk__in=missing)
                     .values_list("pk", "previous_id"))
        previous.update(found)
        missing = {pk for pk in found.values() if pk and pk not in previous}
    chains: dict[int, list[int]] = {}
    for exception in exceptions:
        chain, node = [], exception.previous_id
        while node and node not in chain:
            chain.append(node)
            node = previous.get(node)
        chains[exception.pk] = chain
    return chains


def earlier_decisions(exceptions) -> dict[int, list[TriageDecision]]:
    """Decisions on each exception's earlier occurrences, most recent occurrence first."""
    chains = earlier_chains(exceptions)
    wanted = {pk for chain in chains.values() for pk in chain}
    by_exception = defaultdict(list)
    for decision in (TriageDecision.objects.filter(exception_id__in=wanted)
                     .select_related("decided_by", "exception").order_by("-decided_at", "-pk")):
        by_exception[decision.exception_id].append(decision)
    return {pk: [d for node in chain for d in by_exception[node]]
            for pk, chain in chains.items()}


def earlier_occurrences(exception, user,
                        earlier: list[TriageDecision]) -> list[IndicatorException]:
    """The exception's earlier occurrences that ``user`` may see, most recent first, each
    with its decisions (``decisions_made``), taken from ``earlier``: the decisions on its
    earlier occurrences as ``earlier_decisions`` gives them."""
    chain = earlier_chains([exception])[exception.pk]
    found = IndicatorException.objects.visible_to(user).filter(pk__in=chain).in_bulk()
    decisions = defaultdict(list)
    for decision in earlier:
        decisions[decision.exception_id].append(decision)
    occurrences = []
    for pk in chain:
        if pk in found:
            found[pk].decisions_made = decisions[pk]
            occurrences.append(found[pk])
    return occurrences
