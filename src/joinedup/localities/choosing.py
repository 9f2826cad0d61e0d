"""An area forum chooses the outcomes that matter in its area.

Gateshead's area forums were invited to "take the new LAA and look at which five or six
outcomes would have a specific resonance in their area". So a forum's choice is five or six
outcomes of the partnership's strategy, each with the reason it matters there; a new choice
replaces the last one whole, and every change is kept in the history. The forum's members
and the partnership officer choose.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from joinedup.common.querysets import manages_framework
from joinedup.history.recording import recorded_as
from joinedup.localities.models import AreaPriority

FEWEST, MOST = 5, 6
AREA_FORUM = "area_forum"


def may_choose(forum, person) -> bool:
    return bool(person and person.is_authenticated) and (
        manages_framework(person) or forum.memberships.filter(person=person).exists())


def problems_with(choices: list[tuple]) -> list[str]:
    """What is wrong with a forum's choice: ``choices`` is a list of (outcome, reason)."""
    problems = []
    outcomes = [outcome for outcome, _ in choices]
    if not FEWEST <= len(set(outcomes)) <= MOST:
        problems.append(f"Choose five or six outcomes; {len(set(outcomes))} "
                        f"{'is' if len(set(outcomes)) == 1 else 'are'} chosen.")
    if len(set(outcomes)) != len(outcomes):
        problems.append("Choose each outcome once.")
    problems += [f"Say why “{outcome.title}” matters in the forum's area."
                 for outcome, reason in choices if not reason.strip()]
    return problems


@transaction.atomic
def choose_outcomes(forum, choices: list[tuple], *, person, now: dt.datetime,
                    illustrative: bool = False) -> list[AreaPriority]:
    """Replace ``forum``'s chosen outcomes with ``choices`` ((outcome, reason) pairs, in
    the forum's order)."""
    if forum.kind != AREA_FORUM:
        raise ValidationError(f"{forum} is not an area forum: area forums choose outcomes.")
    if not may_choose(forum, person):
        raise PermissionDenied(f"Only the members of {forum} and the partnership officer may "
                               "choose its outcomes.")
    problems = problems_with(choices)
    if problems:
        raise ValidationError(problems)
    wanted = {outcome.pk: (order, reason.strip())
              for order, (outcome, reason) in enumerate(choices, start=1)}
    with recorded_as(person, reason=f"{forum} chose its outcomes"):
        for held in AreaPriority.objects.filter(forum=forum).exclude(outcome_id__in=wanted):
            held.delete()
        kept = []
        for outcome, _ in choices:
            order, reason = wanted[outcome.pk]
            found = AreaPriority.objects.filter(forum=forum, outcome=outcome).first()
            if found is None:
                found = AreaPriority(forum=forum, outcome=outcome, chosen_at=now)
            if (found.pk is None or found.reason != reason or found.order != order
                    or found.illustrative != illustrative):
                found.reason, found.order, found.illustrative = reason, order, illustrative
                found.chosen_by, found.chosen_at = person, now
                found.save()
            kept.append(found)
    return kept
