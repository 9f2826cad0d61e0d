"""Where a collection round stands: which returns are in, which are late, who to remind.

An expected return is matched to the data value for the same indicator, area and period:

- **received**: the value has been submitted or approved;
- **draft**: the owner has keyed it in but not submitted it;
- **returned**: it was sent back for correction;
- **outstanding**: there is no value yet.

Anything not received is still owed, so drafts and returned figures count as outstanding
in the totals. A return is **late** when it is still owed after the deadline (overdue), or
when it was submitted after the deadline day (sent late). The deadline is a whole day in
the partnership's time zone.

``today`` is always an argument, never read from the clock inside the rules, so the same
round can be judged as on any day (tests fix it; ``joinedup remind --today`` replays a day).
Counting is done in the database with one query per question, whatever the round's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from joinedup.common.querysets import sees_everything
from joinedup.partnership.models import Organisation
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn, ReminderSent

RECEIVED, DRAFT, RETURNED, OUTSTANDING = "received", "draft", "returned", "outstanding"
#: The states in which a figure counts as received.
RECEIVED_STATES = (DataValue.State.SUBMITTED, DataValue.State.APPROVED)
STILL_OWED = (DRAFT, RETURNED, OUTSTANDING)
BEFORE, MISSED = ReminderSent.Kind.BEFORE.value, ReminderSent.Kind.MISSED.value


def _today(today: dt.date | None) -> dt.date:
    return timezone.localdate() if today is None else today


def _end_of_deadline(collection_round: CollectionRound) -> dt.datetime:
    """The first moment after the deadline day, in the partnership's time zone."""
    after = dt.datetime.combine(collection_round.deadline + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(after, timezone.get_default_timezone())


def _matching_value(values=None):
    values = DataValue.objects if values is None else values
    return values.filter(
        indicator=OuterRef("indicator"), area=OuterRef("area"),
        period_start=OuterRef("period_start"), period_end=OuterRef("period_end"),
    )


def received_value():
    """The received figure (submitted or approved) matching the outer expected return."""
    return _matching_value().filter(state__in=RECEIVED_STATES)


def with_status(expected, collection_round: CollectionRound, today: dt.date):
    """Annotate expected returns with ``status`` and ``late`` (see the module docstring)."""
    value = _matching_value()
    status = Case(
        When(value_state__in=RECEIVED_STATES, then=Value(RECEIVED)),
        When(value_state=DataValue.State.DRAFT, then=Value(DRAFT)),
        When(value_state=DataValue.State.RETURNED, then=Value(RETURNED)),
        default=Value(OUTSTANDING), output_field=CharField(),
    )
    past_deadline = collection_round.is_past_deadline(today)
    sent_late = Q(status=RECEIVED, value_submitted_at__gte=_end_of_deadline(collection_round))
    late = Case(
        When(sent_late, then=Value(True)),
        When(~Q(status=RECEIVED), then=Value(past_deadline)),
        default=Value(False), output_field=BooleanField(),
    )
    return expected.annotate(
        value_state=Subquery(value.values("state")[:1]),
        value_submitted_at=Subquery(value.values("submitted_at")[:1]),
    ).annotate(status=status).annotate(late=late)


@dataclass
class PartnerProgress:
    """One partner's returns in a round, counted."""

    organisation: Organisation
    expected: int = 0
    received_on_time: int = 0
    received_late: int = 0
    draft: int = 0
    returned: int = 0
    outstanding: int = 0
    overdue: int = 0

    @property
    def received(self) -> int:
        return self.received_on_time + self.received_late

    @property
    def late(self) -> int:
        return self.received_late + self.overdue


COUNTS = {
    "expected": Q(),
    "received_on_time": Q(status=RECEIVED, late=False),
    "received_late": Q(status=RECEIVED, late=True),
    "draft": Q(status=DRAFT),
    "returned": Q(status=RETURNED),
    "outstanding": Q(status__in=STILL_OWED),
    "overdue": Q(status__in=STILL_OWED, late=True),
}


def round_progress(collection_round: CollectionRound, user, today: dt.date | None = None
                   ) -> list[PartnerProgress]:
    """Each partner's counts in the round, as far as ``user`` may see.

    Returns for indicators ``user`` may not see are neither listed nor counted. Partners
    come in the order of the names pages show; one aggregate query plus one for the
    organisations.
    """
    today = _today(today)
    expected = ExpectedReturn.objects.visible_to(user).filter(collection_round=collection_round)
    counted = (
        with_status(expected, collection_round, today)
        .order_by().values("owner_id")
        .annotate(**{name: Count("pk", filter=rule) for name, rule in COUNTS.items()})
    )
    rows = {row.pop("owner_id"): row for row in counted}
    organisations = sorted(Organisation.objects.filter(pk__in=rows), key=_display_order)
    return [PartnerProgress(organisation, **rows[organisation.pk]) for organisation in organisations]


def _display_order(organisation: Organisation) -> str:
    return organisation.display_name.casefold()


def progress_total(rows: list[PartnerProgress]) -> PartnerProgress:
    """All partners' counts added up, for a table's total row."""
    total = PartnerProgress(organisation=None)
    for row in rows:
        for name in COUNTS:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


@dataclass
class ReturnLine:
    """One expected return, its status, and its figure when ``user`` may see it."""

    expected: ExpectedReturn
    status: str
    late: bool
    value: float | None = None
    value_id: int | None = None

    @property
    def received(self) -> bool:
        return self.status == RECEIVED

    @property
    def still_owed(self) -> bool:
        return self.status != RECEIVED

    @property
    def overdue(self) -> bool:
        return self.late and self.still_owed

    @property
    def sent_late(self) -> bool:
        return self.late and self.received


def return_lines(collection_round: CollectionRound, user, today: dt.date | None = None,
                 organisation: Organisation | int | None = None) -> list[ReturnLine]:
    """Every expected return ``user`` may see in the round (one partner's, if given).

    The status is a fact about the return and shown to anyone who may see the indicator;
    the figure itself only when ``user`` may see that value (an unapproved figure stays
    with its owner and the partnership officers).
    """
    today = _today(today)
    expected = ExpectedReturn.objects.visible_to(user).filter(collection_round=collection_round)
    if organisation is not None:
        expected = expected.filter(owner=organisation)
    shown = _matching_value(DataValue.objects.visible_to(user))
    annotated = with_status(expected, collection_round, today).annotate(
        shown_value=Subquery(shown.values("value")[:1]),
        shown_value_id=Subquery(shown.values("pk")[:1]),
    ).select_related("indicator", "area", "owner").defer("area__boundary").order_by(
        "indicator__code", "area__name", "period_start", "period_end"
    )
    lines = [
        ReturnLine(item, item.status, item.late, item.shown_value, item.shown_value_id)
        for item in annotated
    ]
    # Stable sort: partners in the order the progress table shows them, each in code order.
    return sorted(lines, key=lambda line: _display_order(line.expected.owner))


def outstanding_by_round(user, rounds, organisation: Organisation | int | None = None
                         ) -> dict[int, int]:
    """How many returns are still owed in each round (one partner's, if given)."""
    expected = ExpectedReturn.objects.visible_to(user).filter(collection_round__in=rounds)
    if organisation is not None:
        expected = expected.filter(owner=organisation)
    counted = (
        expected.filter(~Exists(received_value()))
        .order_by().values("collection_round_id").annotate(owed=Count("pk"))
    )
    return {row["collection_round_id"]: row["owed"] for row in counted}


# --- reminders ------------------------------------------------------------------------

@dataclass
class Reminder:
    """One e-mail to write: who it is for, and the returns they can see that are owed."""

    person: object
    kind: str
    lines: list[ReturnLine] = field(default_factory=list)


def reminder_due(collection_round: CollectionRound, kind: str, today: dt.date) -> bool:
    """Whether ``kind`` of reminder is due for the round on ``today``.

    "before" from ``remind_days_before`` days ahead of the deadline until the deadline day
    (so a missed cron run catches up); "missed" on any day after the deadline. A closed
    round, or one not yet open, sends nothing.
    """
    if collection_round.closed or collection_round.opens > today:
        return False
    if kind == BEFORE:
        first_day = collection_round.deadline - dt.timedelta(
            days=collection_round.remind_days_before)
        return first_day <= today <= collection_round.deadline
    if kind == MISSED:
        return today > collection_round.deadline
    raise ValueError(f"unknown kind of reminder {kind!r}; use {BEFORE!r} or {MISSED!r}")


def people_to_remind(collection_round: CollectionRound, kind: str,
                     today: dt.date | None = None) -> list[Reminder]:
    """Everyone to remind of ``kind`` on ``today``, each with their partner's owed returns.

    Every active person with an e-mail address in a partner that still owes returns, who
    has not had this kind of reminder for this round before. Each person's list holds only
    the indicators they may see; someone who may see none of them is not written to.
    """
    today = _today(today)
    if not reminder_due(collection_round, kind, today):
        return []
    owing = set(
        with_status(ExpectedReturn.objects.filter(collection_round=collection_round),
                    collection_round, today)
        .filter(status__in=STILL_OWED).order_by().values_list("owner_id", flat=True).distinct()
    )
    if not owing:
        return []
    already = ReminderSent.objects.filter(collection_round=collection_round, kind=kind)
    people = (
        get_user_model().objects.filter(organisation_id__in=owing, is_active=True)
        .exclude(email="").exclude(pk__in=already.values("person_id"))
        .select_related("organisation").order_by("organisation__name", "last_name", "username")
    )
    # People of one partner with the same reach see the same list: work it out once.
    lists: dict[tuple, list[ReturnLine]] = {}
    reminders = []
    for person in people:
        key = (person.organisation_id, sees_everything(person))
        if key not in lists:
            lists[key] = [
                line for line in return_lines(collection_round, person, today,
                                              organisation=person.organisation_id)
                if line.still_owed
            ]
        if lists[key]:
            reminders.append(Reminder(person, kind, lists[key]))
    return reminders
