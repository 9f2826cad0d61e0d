"""Packs asked for on the site are built, and issued, in the background.

A pack with its charts takes some seconds to gather and print, longer than a page should
keep someone waiting. So the page queues the work here and sends the person to the
pack's own page, which shows how far it has got and refreshes itself until it is done.
"""

from __future__ import annotations


from joinedup.common.tasks import Tracker, queue_tracked, task, tracked
from joinedup.partnership.models import Person
from joinedup.reports import building
from joinedup.reports.models import Pack

FAILED = ("Something went wrong on our side while building this pack, so it was not changed. "
          "Try again, and if the same happens, tell your partnership officer.")


def queue(pack: Pack, user, *, issue: bool = False) -> None:
    """Have ``pack`` built (and with ``issue``, issued) in the background as ``user``."""
    queue_tracked(pack, build_in_background, pack.pk, user.pk, issue=issue,
                  stage="Issuing the pack" if issue else "Building the pack")


@task()
def build_in_background(pack_id: int, user_id: int, issue: bool = False) -> str:
    """Build (or issue) a queued pack as the person who asked, marking progress as it goes."""
    pack = Pack.objects.select_related("body", "meeting").filter(pk=pack_id).first()
    user = Person.objects.filter(pk=user_id, is_active=True).first()
    if pack is None or pack.work_state != Pack.WorkState.QUEUED:
        return "nothing to do"  # removed since, or already taken in hand
    refusal = ""
    with tracked(pack, failure=FAILED) as tracker:
        def told(stage: str, done: int, total: int) -> None:
            tracker.report(stage, done=done, total=total)

        try:
            if user is None:
                raise building.PackRefused("The person who asked for this pack can no longer "
                                           "sign in, so it was not built.")
            step = building.issue if issue else building.build
            step(pack, user, progress=told, busy_ok=True)
        except building.PackRefused as refused:
            refusal = str(refused)
    if refusal:
        # A refusal is the person's to act on, not a fault: told as it is.
        Tracker(pack).fail(refusal)
        return "refused"
    return "issued" if issue else "built"
