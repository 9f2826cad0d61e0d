"""Collection rounds: every round at a glance, and one round's progress by partner.

Rounds are partnership business, so both pages need a signed-in person. What a person sees
in a round follows the sharing rules: a return for an indicator they may not see is neither
listed nor counted.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from joinedup.common.querysets import partner_organisation_id, sees_everything
from joinedup.returns import rounds as progress
from joinedup.returns.models import CollectionRound, ExpectedReturn


def round_timing(collection_round: CollectionRound, today: dt.date) -> dict:
    """Words for where a round stands on ``today``: not open, days left, passed, closed."""
    if collection_round.closed:
        return {"state": "closed", "text": "Closed", "tag": "grey"}
    if collection_round.opens > today:
        opens = collection_round.opens
        return {"state": "not_open", "text": f"Opens {opens.day} {opens:%B %Y}",
                "tag": "light-blue"}
    days = (collection_round.deadline - today).days
    if days < 0:
        late = -days
        return {"state": "passed",
                "text": f"Deadline passed {late} day{'s' if late != 1 else ''} ago", "tag": "red"}
    if days == 0:
        return {"state": "today", "text": "Deadline today", "tag": "orange"}
    return {"state": "open", "text": f"{days} day{'s' if days != 1 else ''} left", "tag": "green"}


@login_required
def rounds(request):
    user = request.user
    today = timezone.localdate()
    round_list = list(CollectionRound.objects.visible_to(user))
    organisation = partner_organisation_id(user)
    own = (progress.outstanding_by_round(user, round_list, organisation=organisation)
           if organisation else {})
    everyone = progress.outstanding_by_round(user, round_list) if sees_everything(user) else {}
    rows = [
        {
            "round": collection_round,
            "timing": round_timing(collection_round, today),
            "own_outstanding": own.get(collection_round.pk, 0),
            "all_outstanding": everyone.get(collection_round.pk, 0),
        }
        for collection_round in round_list
    ]
    return render(request, "returns/rounds.html", {
        "rows": rows,
        "organisation": user.organisation if organisation else None,
        "sees_everything": sees_everything(user),
    })


@login_required
def round_detail(request, slug):
    user = request.user
    today = timezone.localdate()
    collection_round = get_object_or_404(CollectionRound.objects.visible_to(user), slug=slug)
    partners = progress.round_progress(collection_round, user, today)
    everything = sees_everything(user)
    organisation = partner_organisation_id(user)
    if everything:
        lines = progress.return_lines(collection_round, user, today)
    elif organisation:
        lines = progress.return_lines(collection_round, user, today, organisation=organisation)
    else:
        lines = []
    groups: dict[int, dict] = {}
    for line in lines:
        owner = line.expected.owner
        groups.setdefault(owner.pk, {"organisation": owner, "lines": []})["lines"].append(line)
    sends_figures = (
        ExpectedReturn.objects.visible_to(user).owed_by(user)
        .filter(collection_round=collection_round).exists()
    )
    return render(request, "returns/round.html", {
        "round": collection_round,
        "period": collection_round.period_object,
        "timing": round_timing(collection_round, today),
        "partners": partners,
        "total": progress.progress_total(partners),
        "groups": list(groups.values()),
        "sees_everything": everything,
        "organisation": user.organisation if organisation else None,
        "sends_figures": sends_figures and not collection_round.closed,
    })
