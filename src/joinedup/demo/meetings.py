"""The demo's reporting cycles and meetings: each body's cycle, and the next meetings.

Cycles follow the Audit Commission's layering (``partnership.meetings``); the Board alone
requires commentary on every red exception before its pack goes out. The Board and the
Steering Group each have a meeting last quarter and one coming up, with the default
agenda; each looks at the quarter before its own. Dates are set relative to the day the
demo is first built, as the collection rounds' are, and later builds leave a body's
meetings alone once it has any.

Each meeting already held has its attendance: every member came, except those
``ABSENCES`` names, who sent apologies or stayed away. A meeting's attendance is recorded
once, and later builds leave it alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from joinedup.core.periods import financial_quarter
from joinedup.partnership.meetings import Attendance, add_meeting
from joinedup.partnership.models import Body, Meeting, ReportingCycle

#: Body slug → (days from today of last quarter's meeting, of the next one, place).
MEETINGS = {
    "gsp-board": (-70, 21, "Civic Centre, Gateshead"),
    "steering-group": (-84, 7, "Civic Centre, Gateshead"),
}
TOPIC = "Topic debate: healthy weight across the life course"
#: Body slug → {username: how they missed the meeting held last quarter}.
ABSENCES = {
    "gsp-board": {"college.principal": Attendance.Status.APOLOGIES,
                  "chamber.rep": Attendance.Status.ABSENT},
    "steering-group": {"adults.director": Attendance.Status.APOLOGIES},
}


def build_cycles(bodies: dict[str, Body]) -> int:
    made = 0
    for body in bodies.values():
        if not ReportingCycle.objects.filter(body=body).exists():
            ReportingCycle.default_for(body).save()
            made += 1
    return made


def build_meetings(bodies: dict[str, Body], today: dt.date) -> int:
    made = 0
    for slug, (last_days, next_days, place) in MEETINGS.items():
        body = bodies[slug]
        if Meeting.objects.filter(body=body).exists():
            continue
        for days in (last_days, next_days):
            day = today + dt.timedelta(days=days)
            starts = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
            add_meeting(body, starts=starts, place=place,
                        period=financial_quarter(day).shift(-1).label, titles={"topic": TOPIC})
            made += 1
    build_attendance(bodies, today)
    return made


def build_attendance(bodies: dict[str, Body], today: dt.date) -> int:
    """Who came to each meeting of ``MEETINGS`` held before ``today`` that has no
    attendance yet: each member, for the organisation their membership names."""
    made = 0
    for slug in MEETINGS:
        body = bodies[slug]
        missed = ABSENCES.get(slug, {})
        held = Meeting.objects.filter(body=body, starts__date__lt=today,
                                      attendance__isnull=True)
        for meeting in held:
            for membership in body.memberships.select_related("person").order_by("pk"):
                Attendance.objects.create(
                    meeting=meeting, person=membership.person,
                    organisation_id=membership.organisation_id,
                    status=missed.get(membership.person.username, Attendance.Status.ATTENDED))
                made += 1
    return made
