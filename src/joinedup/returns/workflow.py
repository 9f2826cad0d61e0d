"""Sign-off: draft → submitted (by the owner) → approved (by the theme lead), or returned.

Each step is checked against who may take it (``editable_by`` / ``approvable_by``), takes
every figure or none, raises each figure's version (so an edit made from an older copy is
refused), and is recorded in the history with who, when and why. An approval announces
the change (``events.figures_changed``) once the transaction commits, and the
assessment app re-assesses the indicators concerned, so their pages are current.
"""

from __future__ import annotations

import polars as pl
from django.db import transaction
from django.utils import timezone

from joinedup.history.recording import recorded_as, record_bulk
from joinedup.partnership import roles
from joinedup.returns.events import FiguresChange, announce
from joinedup.returns.models import DataValue

State = DataValue.State


class WorkflowError(Exception):
    """A step that cannot be taken, with a message for the person who tried."""


class StaleEdit(WorkflowError):
    """The figure changed after the person opened it; their change was not saved."""


def _describe(values) -> str:
    listed = ", ".join(f"{v.indicator.code} {v.area.code} {v.period}" for v in values[:5])
    return listed + (f" and {len(values) - 5} more" if len(values) > 5 else "")


def _step(values, allowed, user, *, from_states, to_state: str, verb: str,
          reason: str = "", stamp=None, past: str = "",
          event: FiguresChange | None = None) -> int:
    """Move ``values`` to ``to_state``: all of them, or none with a reason why.

    With ``event``, the indicators of the moved figures are announced as changed once
    the transaction commits.
    """
    wanted = list(values.select_related("indicator", "area").order_by("pk"))
    if not wanted:
        raise WorkflowError(f"There are no figures to {verb}.")
    permitted = set(allowed.filter(pk__in=[v.pk for v in wanted]).values_list("pk", flat=True))
    refused = [v for v in wanted if v.pk not in permitted]
    if refused:
        raise WorkflowError(f"You may not {verb} {_describe(refused)}.")
    wrong = [v for v in wanted if v.state not in from_states]
    if wrong:
        states = " or ".join(State(s).label.lower() for s in from_states)
        raise WorkflowError(f"Only {states} figures can be {past or verb + 'ed'} here; "
                            f"{_describe(wrong)} {'is' if len(wrong) == 1 else 'are'} not.")
    now = timezone.now()
    with transaction.atomic(), recorded_as(user, reason=reason):
        locked = {v.pk: v for v in DataValue.objects.select_for_update()
                  .filter(pk__in=[v.pk for v in wanted])}
        moved = [v for v in wanted if locked[v.pk].version != v.version]
        if moved:
            raise StaleEdit(f"{_describe(moved)} changed while you were working; "
                            "nothing was changed. Look again and repeat.")
        changed = []
        for value in wanted:
            before = value.snapshot()
            value.state = to_state
            value.version += 1
            (stamp or (lambda v, t: None))(value, now)
            changed.append((before, value))
        DataValue.objects.bulk_update(
            [v for _, v in changed],
            ["state", "version", "submitted_by", "submitted_at", "approved_by", "approved_at",
             "returned_reason", "updated_at"])
        record_bulk(updated=changed)
        if event is not None:
            announce({v.indicator_id for v in wanted}, event, user)
    return len(wanted)


def submit(values, user) -> int:
    """The owner signs off drafts (or corrected returned figures) for approval."""
    def stamp(value, now):
        value.submitted_by, value.submitted_at, value.updated_at = user, now, now
    return _step(values, DataValue.objects.editable_by(user), user,
                 from_states=[State.DRAFT, State.RETURNED], to_state=State.SUBMITTED,
                 verb="submit", past="submitted", stamp=stamp)


def approve(values, user) -> int:
    """The theme lead approves submitted figures; they are locked and assessed."""
    def stamp(value, now):
        value.approved_by, value.approved_at, value.updated_at = user, now, now
        value.returned_reason = ""
    return _step(values, DataValue.objects.approvable_by(user), user,
                 from_states=[State.SUBMITTED], to_state=State.APPROVED,
                 verb="approve", past="approved", stamp=stamp, event=FiguresChange.APPROVED)


def return_to_owner(values, user, reason: str) -> int:
    """The theme lead sends submitted figures back to their owner, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Say why the figures are being returned, so the owner can "
                            "put them right.")

    def stamp(value, now):
        value.returned_reason, value.updated_at = reason, now
    return _step(values, DataValue.objects.approvable_by(user), user,
                 from_states=[State.SUBMITTED], to_state=State.RETURNED, verb="return",
                 reason=reason, stamp=stamp)


def send_back(values, user, reason: str) -> int:
    """The management group sends approved figures back to their owner as a data anomaly.

    The figures leave the assessment until their owner corrects (or confirms) them and
    they are approved again. Only members of the management group and the partnership
    officer may (``partnership.roles.may_triage``), saying why.
    """
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Say what looks wrong with the figures, so the owner can check "
                            "them.")
    allowed = (DataValue.objects.visible_to(user) if roles.may_triage(user)
               else DataValue.objects.none())

    def stamp(value, now):
        value.returned_reason, value.updated_at = reason, now
        value.approved_by, value.approved_at = None, None
    return _step(values, allowed, user, from_states=[State.APPROVED],
                 to_state=State.RETURNED, verb="send back", past="sent back",
                 reason=reason, stamp=stamp, event=FiguresChange.RETURNED)


def change_value(figure: DataValue, user, /, *, version: int, reason: str = "",
                 note: str | None = None, submit: bool = False, **figures):
    """Change one figure, as its owner, from the copy at ``version``.

    The change goes through the same checks as an upload (``importing.import_table``), so
    the rules are the same everywhere. A stale ``version`` raises ``StaleEdit``; other
    problems come back in the result, and nothing is saved. ``note`` replaces the figure's
    note (None keeps it); a note also confirms a figure flagged as out of line.
    """
    from joinedup.returns.importing import import_table

    _refuse_if_stale(figure, version)
    row = {"row": 1, "indicator": figure.indicator.code, "area": figure.area.code,
           "period": figure.period, "version": str(version)}
    for name in ("value", "numerator", "denominator", "lower_ci", "upper_ci"):
        given = figures.get(name, getattr(figure, name))
        row[name] = None if given is None else str(given)
    row["note"] = (figure.note if note is None else note) or None
    table = pl.DataFrame([row], schema={k: (pl.Int64 if k == "row" else pl.String) for k in row})
    result = import_table(table, source="the form", user=user, reason=reason, submit=submit)
    if not result.saved and any(p.column == "version" for p in result.errors):
        # Changed by someone else while this change was on its way (its check reads the
        # version again, under the figures' lock): the same refusal as before it started.
        _refuse_if_stale(figure, version)
    return result


def _refuse_if_stale(figure: DataValue, version: int) -> None:
    """Raise ``StaleEdit`` if ``figure`` is no longer at ``version``."""
    current = DataValue.objects.filter(pk=figure.pk).values_list("version", flat=True).first()
    if current is None:
        raise WorkflowError("This figure no longer exists.")
    if int(version) != current:
        raise StaleEdit(
            f"Someone changed this figure after you opened it (your copy is version "
            f"{version}, it is now version {current}). Your change was not saved: look at "
            "the figure as it is now, and make your change again if it is still needed.")
