"""The demo's reporting cycles and meetings: each body's cycle, and the next meetings.

Cycles follow the Audit Commission's layering (``partnership.meetings``); the Board alone
requires commentary on every red exception before its pack goes out. The Board and the
Steering Group each have a meeting last quarter and one coming up, with the default
agenda; each looks at the quarter before its own. Dates are set relative to the day the
demo is first built, as the collection rounds' are, and later builds leave a body's
meetings alone once it has any.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from joinedup.core.periods import financial_quarter
from joinedup.partnership.meetings import add_meeting
from joinedup.partnership.models import Body, Meeting, ReportingCycle

#: Body slug → (days from today of last quarter's meeting, of the next one, place).
MEETINGS = {
    "gsp-board": (-70, 21, "Civic Centre, Gateshead"),
    "steering-group": (-84, 7, "Civic Centre, Gateshead"),
}
TOPIC = "Topic debate: healthy weight across the life course"


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
    return made
