"""Meetings of the bodies, their agendas, and how often each layer meets and reports.

Each layer reports to the one above it on a cycle (the Audit Commission's layering, 2009:
the Board three or four times a year, the executive six to twelve times, theme
partnerships monthly to quarterly). A meeting has an agenda in slots; the Board's follows
Leicestershire's practice of a half for decisions and a half for a topic debate. Who
came is kept per meeting and member (``Attendance``), with the organisation they sat for
at the time, so attendance by partner and sector can be counted later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse

from joinedup.common.querysets import PartnersOnly, RestrictedQuerySet, manages_framework
from joinedup.history.recording import ChangeRecorded, recorded_as

#: Meetings a year by kind of body: (fewest, most).
DEFAULT_MEETINGS_A_YEAR = {
    "board": (3, 4),
    "public_service_board": (3, 4),
    "executive": (6, 12),
    "theme_partnership": (4, 12),
    "district_partnership": (4, 12),
    "area_forum": (4, 6),
    "task_and_finish": (4, 12),
}


class ReportingCycle(ChangeRecorded):
    """How often a body meets and receives its exception report."""

    body = models.OneToOneField("partnership.Body", on_delete=models.CASCADE,
                                related_name="reporting_cycle")
    fewest_meetings = models.PositiveSmallIntegerField(
        help_text="The fewest meetings a year the body holds.")
    most_meetings = models.PositiveSmallIntegerField(
        help_text="The most meetings a year the body holds.")
    red_needs_commentary = models.BooleanField(
        default=False,
        help_text="A pack for this body cannot be issued until every red exception in it has "
                  "its owner's commentary.")
    pack_days_before = models.PositiveSmallIntegerField(
        default=7, help_text="Days before a meeting its pack should be issued.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["body"]

    def __str__(self):
        return f"{self.body}: {self.describe()}"

    @classmethod
    def default_for(cls, body) -> ReportingCycle:
        fewest, most = DEFAULT_MEETINGS_A_YEAR.get(body.kind, (4, 12))
        return cls(body=body, fewest_meetings=fewest, most_meetings=most,
                   red_needs_commentary=body.kind == "board")

    def describe(self) -> str:
        if self.fewest_meetings == self.most_meetings:
            return f"meets {_times(self.most_meetings)} a year"
        return f"meets {self.fewest_meetings} to {_times(self.most_meetings)} a year"


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


class MeetingQuerySet(PartnersOnly, RestrictedQuerySet):
    """Agendas and minutes are shared among partners, not published."""

    def upcoming(self, now):
        return self.filter(starts__gte=now).order_by("starts")


class Meeting(ChangeRecorded):
    body = models.ForeignKey("partnership.Body", on_delete=models.CASCADE,
                             related_name="meetings")
    starts = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    period = models.CharField(max_length=40, blank=True,
                              help_text="The reporting period the meeting looks at, such as "
                                        "2026/27 Q3.")
    notes = models.TextField(blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["body", "-starts"]
        constraints = [models.UniqueConstraint(fields=["body", "starts"],
                                               name="one_meeting_per_body_and_time")]

    def __str__(self):
        return f"{self.body} on {self.starts:%d %B %Y}"

    def get_absolute_url(self):
        return reverse("partnership:meeting", args=[self.body.slug, self.pk])


class AgendaSlot(ChangeRecorded):
    class Kind(models.TextChoices):
        DECISION = "decision", "Items for decision"
        EXCEPTIONS = "exceptions", "Performance exceptions"
        FINANCE = "finance", "Finance"
        RISKS = "risks", "Risks"
        TOPIC = "topic", "Topic debate"
        PARTNERSHIP = "partnership", "Partnership matters"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True, help_text="What the slot covers, and any papers.")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "order"]
        constraints = [models.UniqueConstraint(fields=["meeting", "order"],
                                               name="one_slot_per_place_in_agenda")]

    def __str__(self):
        return f"{self.order}. {self.title}"


#: The agenda a new meeting starts with, by kind of body: (kind, title).
DEFAULT_AGENDAS = {
    "board": [
        ("decision", "Items for decision"),
        ("exceptions", "Performance exceptions escalated by the Steering Group"),
        ("finance", "Finance: partners' resources against the priorities"),
        ("risks", "Risks to the partnership's outcomes"),
        ("topic", "Topic debate"),
        ("partnership", "Partnership matters"),
    ],
    "executive": [
        ("exceptions", "Performance exceptions to triage"),
        ("finance", "Finance"),
        ("risks", "Risks"),
        ("partnership", "Partnership matters"),
    ],
}
DEFAULT_AGENDAS["theme_partnership"] = [
    ("exceptions", "Performance exceptions"),
    ("risks", "Risks and overdue actions"),
    ("partnership", "Partnership matters"),
]
DEFAULT_AGENDA = [
    ("exceptions", "Performance exceptions"),
    ("partnership", "Partnership matters"),
]


def default_agenda(body) -> list[tuple[str, str]]:
    return DEFAULT_AGENDAS.get(body.kind, DEFAULT_AGENDA)


def add_meeting(body, *, starts, place: str = "", period: str = "",
                titles: dict[str, str] | None = None) -> Meeting:
    """A new meeting of ``body`` with its default agenda; ``titles`` renames the slots of
    the kinds it names (such as the topic of a debate)."""
    titles = titles or {}
    with transaction.atomic():
        meeting = Meeting.objects.create(body=body, starts=starts, place=place, period=period)
        for order, (kind, title) in enumerate(default_agenda(body), start=1):
            AgendaSlot.objects.create(meeting=meeting, order=order, kind=kind,
                                      title=titles.get(kind, title))
    return meeting


#: Who keeps a body's attendance besides the partnership officer: its secretary (the
#: body's officer), chair and vice-chair.
ATTENDANCE_KEEPERS = ("chair", "vice_chair", "officer")
ATTENDANCE_REFUSAL = ("Only the partnership officer and the body's chair, vice-chair and "
                      "officer may record who came to its meetings.")


class AttendanceQuerySet(PartnersOnly, RestrictedQuerySet):
    """Who came to a meeting is shared among partners, as the minutes are."""

    def editable_by(self, user):
        if manages_framework(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(meeting__body__memberships__person=user,
                           meeting__body__memberships__role__in=ATTENDANCE_KEEPERS).distinct()


class Attendance(ChangeRecorded):
    """Whether one member came to one meeting, and the organisation they sat for then
    (kept here, because a member may later move or sit for another partner)."""

    class Status(models.TextChoices):
        ATTENDED = "attended", "Attended"
        APOLOGIES = "apologies", "Sent apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="attendance")
    organisation = models.ForeignKey(
        "partnership.Organisation", on_delete=models.PROTECT, related_name="attendance",
        help_text="The organisation the person sat for at this meeting.")
    status = models.CharField(max_length=10, choices=Status.choices)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "person"]
        verbose_name_plural = "attendance"
        constraints = [models.UniqueConstraint(fields=["meeting", "person"],
                                               name="one_attendance_per_meeting_and_person")]

    def __str__(self):
        return f"{self.person} at {self.meeting}: {self.get_status_display().lower()}"


class AttendanceRefused(Exception):
    """Attendance that cannot be recorded as asked, with a sentence saying why."""


def may_record_attendance(user, body) -> bool:
    """The partnership officer, and the body's chair, vice-chair and officer."""
    if manages_framework(user):
        return True
    if not (user and user.is_authenticated):
        return False
    return body.memberships.filter(person=user, role__in=ATTENDANCE_KEEPERS).exists()


def record_attendance(meeting: Meeting, user, marks: dict[int, str], *, now) -> list[Attendance]:
    """Record whether each member (by person id) of the meeting's body attended, sent
    apologies or was absent: all of ``marks`` or none of it, each change in the history.
    Only a meeting that has started can have attendance; only the body's members are
    marked, each for the organisation their membership names."""
    if not may_record_attendance(user, meeting.body):
        raise AttendanceRefused(ATTENDANCE_REFUSAL)
    if meeting.starts > now:
        raise AttendanceRefused(f"{meeting} has not happened yet: record who came after it "
                                "starts.")
    if not marks:
        raise AttendanceRefused("Mark at least one member.")
    wrong = sorted({status for status in marks.values() if status not in Attendance.Status})
    if wrong:
        raise AttendanceRefused(f"Each mark must be one of {', '.join(Attendance.Status.values)}"
                                f", not {wrong[0]!r}.")
    members = {m.person_id: m for m in meeting.body.memberships.filter(person_id__in=marks)}
    strangers = sorted(set(marks) - set(members))
    if strangers:
        raise AttendanceRefused(f"Person {strangers[0]} is not a member of {meeting.body}.")
    kept = []
    with transaction.atomic(), recorded_as(user, reason=f"Attendance at {meeting}"):
        held = {a.person_id: a for a in Attendance.objects.filter(meeting=meeting)}
        for person_id in sorted(marks):
            row = held.get(person_id) or Attendance(meeting=meeting, person_id=person_id)
            if row.pk is None or row.status != marks[person_id]:
                row.organisation_id = row.organisation_id or members[person_id].organisation_id
                row.status = marks[person_id]
                row.save()
            kept.append(row)
    return kept
