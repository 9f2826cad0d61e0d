"""The facts of partnership working in the API, and the attendance at meetings they count.

``GET /api/facts?since=&until=`` gives every fact the caller may see for the period (by
default the twelve months to today): its name, its definition, a summary sentence, its
headline values and its breakdown rows. Dates are written 2026-04-01; a date that is not
one, a period that ends before it starts, or one that ends after today is a 422 with a
sentence saying so. An anonymous caller gets no facts.

``GET /api/facts/meetings/{id}/attendance`` lists who came to a meeting (partners only;
a 404 for anyone else); ``PUT`` records it, with a token: the partnership officer and the
body's chair, vice-chair and officer may (403 for anyone else, with the rule's sentence),
and marks that cannot be recorded as sent are a 422 with the reason. Nothing is changed
by a refused request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from joinedup.common.api import DETAIL_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, invalid
from joinedup.common.api import Body as RequestBody
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.partnership.meetings import (
    ATTENDANCE_REFUSAL,
    Attendance,
    AttendanceRefused,
    Meeting,
    may_record_attendance,
    record_attendance,
)
from joinedup.reviews.facts import partnership_facts

router = Router(auth=READ)

MeetingId = Annotated[int, Path(ge=1, le=MAX_ID)]
Cell = str | int | float | None


class FactsQuery(Schema):
    since: str | None = Field(None, description="The period's first day, as 2026-04-01; by "
                              "default the day after the same date a year before `until`.")
    until: str | None = Field(None, description="The period's last day, as 2026-12-31; by "
                              "default today. It cannot be after today.")


class ColumnOut(Schema):
    key: str
    heading: str
    kind: Literal["text", "count", "share", "days", "money"] = Field(
        description="How to read the column: a share is a fraction (0.5 is half); days "
        "and money (pounds) are numbers.")


class BreakdownOut(Schema):
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Cell]] = Field(description="One object per row, keyed by column; "
                                        "the last row, named All, adds up the others.")


class FactOut(Schema):
    key: str
    name: str
    definition: str = Field(description="How the fact is computed, in words.")
    summary: str
    values: dict[str, Cell]
    breakdowns: list[BreakdownOut]


class FactsOut(Schema):
    since: dt.date
    until: dt.date
    facts: list[FactOut]


class AttendanceOut(Schema):
    person: int
    name: str
    organisation: str
    status: Literal["attended", "apologies", "absent"]


class MeetingAttendanceOut(Schema):
    meeting: int
    body: str
    starts: dt.datetime
    may_record: bool = Field(description="Whether the caller may record this attendance.")
    attendance: list[AttendanceOut]


class MarkIn(RequestBody):
    person: int = Field(ge=1, le=MAX_ID, description="The member's person id.")
    status: Literal["attended", "apologies", "absent"]


class AttendanceIn(RequestBody):
    marks: list[MarkIn] = Field(min_length=1, max_length=500)


def _problem(detail: str, column: str = "") -> Status:
    return Status(422, invalid(detail, [{"row": None, "column": column, "message": detail,
                                         "severity": "error"}]))


class NotADate(ValueError):
    def __init__(self, name: str, text: str):
        super().__init__(f"{name} must be a date written as 2026-04-01, not {text!r}.")
        self.name = name


def _day(text: str | None, name: str) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise NotADate(name, text) from None


@router.get("", response={200: FactsOut, **READ_ERRORS},
            summary="The facts of partnership working", openapi_extra=OPTIONAL_TOKEN)
def list_facts(request, query: Query[FactsQuery]):
    """Meetings held against planned, attendance by sector and partner, decisions made
    and followed up, days from flag to decision, returns on time by partner, and the share
    of spend aligned or pooled, for the period, as far as the caller may see."""
    today = timezone.localdate()
    try:
        since, until = _day(query.since, "since"), _day(query.until, "until")
    except NotADate as error:
        return _problem(str(error), error.name)
    until = until or today
    if until > today:
        return _problem(f"until cannot be after today ({today.isoformat()}): the facts are "
                        "about what has happened.", "until")
    if since is not None and since > until:
        return _problem(f"since ({since.isoformat()}) must not be after until "
                        f"({until.isoformat()}).", "since")
    found = partnership_facts(request.auth, today=until, since=since)
    return {"since": found.since, "until": found.until,
            "facts": [_fact(fact) for fact in found]}


def _fact(fact) -> dict:
    return {"key": fact.key, "name": fact.name, "definition": fact.definition,
            "summary": fact.summary, "values": fact.values,
            "breakdowns": [{"title": b.title, "rows": b.rows,
                            "columns": [{"key": c.key, "heading": c.heading, "kind": c.kind}
                                        for c in b.columns]} for b in fact.breakdowns]}


def _meeting(user, meeting_id: int) -> Meeting:
    meeting = (Meeting.objects.visible_to(user).select_related("body")
               .filter(pk=meeting_id).first())
    if meeting is None:
        raise HttpError(404, f"There is no meeting {meeting_id} that you may see.")
    return meeting


def _attendance(user, meeting: Meeting) -> dict:
    rows = (Attendance.objects.visible_to(user).filter(meeting=meeting)
            .select_related("person", "organisation").order_by("person__last_name", "pk"))
    return {"meeting": meeting.pk, "body": meeting.body.slug, "starts": meeting.starts,
            "may_record": may_record_attendance(user, meeting.body),
            "attendance": [{"person": a.person_id,
                            "name": a.person.get_full_name() or a.person.get_username(),
                            "organisation": a.organisation.display_name,
                            "status": a.status} for a in rows]}


@router.get("/meetings/{meeting_id}/attendance",
            response={200: MeetingAttendanceOut, **DETAIL_ERRORS},
            summary="Who came to a meeting", openapi_extra=OPTIONAL_TOKEN)
def meeting_attendance(request, meeting_id: MeetingId):
    """Each member recorded at the meeting: attended, sent apologies, or absent."""
    return _attendance(request.auth, _meeting(request.auth, meeting_id))


@router.put("/meetings/{meeting_id}/attendance", auth=WRITE,
            response={200: MeetingAttendanceOut, **WRITE_ERRORS},
            summary="Record who came to a meeting")
def put_meeting_attendance(request, meeting_id: MeetingId, marks: AttendanceIn):
    """Record each member's attendance, all of it or none; members not named keep what
    was recorded for them."""
    user = request.auth
    meeting = _meeting(user, meeting_id)
    if not may_record_attendance(user, meeting.body):
        raise HttpError(403, ATTENDANCE_REFUSAL)
    sent = {}
    for mark in marks.marks:
        if mark.person in sent:
            return _problem(f"Person {mark.person} is marked twice.", "person")
        sent[mark.person] = mark.status
    try:
        record_attendance(meeting, user, sent, now=timezone.now())
    except AttendanceRefused as refused:
        return _problem(str(refused), "marks")
    return _attendance(user, meeting)
