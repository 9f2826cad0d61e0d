"""Meetings of the bodies, their agendas, and how often each layer meets and reports.

Each layer reports to the one above it on a cycle (the Audit Commission's layering, 2009:
the Board three or four times a year, the executive six to twelve times, theme
partnerships monthly to quarterly). A meeting has an agenda in slots; the Board's follows
Leicestershire's practice of a half for decisions and a half for a topic debate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse

from joinedup.common.querysets import PartnersOnly, RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded

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
