"""Reading the history of one object, the values of runs filled in."""

from __future__ import annotations

from joinedup.history.models import Change


def history_of(obj, user) -> list[Change]:
    """Every change to ``obj`` that ``user`` may see, newest first, each with ``before``
    and ``after`` (see ``Change.visible_to``).

    A change recorded once for a run of objects (see ``Change.last_object_id``) keeps no
    copy of each object's values, so they are worked out here, walking back from now:
    the object just after a change is the object as it is now, if nothing came later, or
    else the ``before`` of the next change to it, since every later change to an object
    is recorded with it. What the change said of the run as a whole (how many, from
    where) moves to ``run``.
    """
    changes = list(Change.objects.visible_to(user).for_object(obj).select_related("person")
                   .order_by("-time", "-pk"))
    state = obj.snapshot()
    for change in changes:
        change.run = None
        if change.covers_run:
            change.run, change.after = change.after or {}, state
        state = change.before
    return changes
