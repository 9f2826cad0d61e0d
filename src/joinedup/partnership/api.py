"""Meetings in the API: each body's meetings and their agendas, slot by slot.

Agendas are shared among partners, not published, so an anonymous caller's list is empty
and any one meeting is a 404. The Board's decisions on exceptions are minuted through the
exceptions API (``POST /api/exceptions/{id}/board-decisions``), naming the meeting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS, MAX_ID, READ_ERRORS, Page, PageQuery, page, text,
)
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.partnership.meetings import AgendaSlot, Meeting

router = Router(auth=READ)

MeetingId = Annotated[int, Path(ge=1, le=MAX_ID)]


class SlotOut(Schema):
    order: int
    kind: Literal["decision", "exceptions", "finance", "risks", "topic", "partnership"]
    title: str
    notes: str = Field(description="What the slot covers, and any papers.")
    lead: str | None = Field(description="The username of the person who leads it.")


class MeetingOut(Schema):
    id: int
    body: str = Field(description="The slug of the body that meets.")
    body_name: str
    starts: datetime
    place: str
    period: str = Field(description="The reporting period the meeting looks at.")
    notes: str
    url: str = Field(description="The meeting's page on the site.")
    slots: list[SlotOut] = Field(description="The agenda, in order.")


class MeetingPage(Page):
    items: list[MeetingOut]


class MeetingQuery(PageQuery):
    body: text(80, 1) | None = Field(None, description="A body's slug, such as 'gsp-board'.")
    upcoming: bool | None = Field(None, description="true: meetings not yet started; false: "
                                  "those already held.")


def meeting_item(meeting: Meeting) -> dict:
    return {
        "id": meeting.pk, "body": meeting.body.slug, "body_name": meeting.body.name,
        "starts": meeting.starts, "place": meeting.place, "period": meeting.period,
        "notes": meeting.notes, "url": meeting.get_absolute_url(),
        "slots": [{"order": slot.order, "kind": slot.kind, "title": slot.title,
                   "notes": slot.notes, "lead": slot.lead.get_username() if slot.lead else None}
                  for slot in meeting.slots.all()],
    }


def _visible(user):
    slots = AgendaSlot.objects.visible_to(user).select_related("lead").order_by("order")
    return (Meeting.objects.visible_to(user).select_related("body")
            .prefetch_related(Prefetch("slots", queryset=slots)))


@router.get("", response={200: MeetingPage, **READ_ERRORS}, summary="List meetings",
            openapi_extra=OPTIONAL_TOKEN)
def list_meetings(request, query: Query[MeetingQuery]):
    """Meetings with their agendas, latest first; filter by body or by whether they are
    still to come. Partners only: an anonymous caller gets an empty list."""
    rows = _visible(request.auth).order_by("-starts", "body__order", "pk")
    if query.body:
        rows = rows.filter(body__slug=query.body.strip().lower())
    if query.upcoming is not None:
        now = timezone.now()
        rows = rows.filter(starts__gte=now) if query.upcoming else rows.filter(starts__lt=now)
    return page(rows, query, meeting_item)


@router.get("/{meeting_id}", response={200: MeetingOut, **DETAIL_ERRORS},
            summary="One meeting, with its agenda", openapi_extra=OPTIONAL_TOKEN)
def get_meeting(request, meeting_id: MeetingId):
    """A meeting and its agenda slots in order; 404 if the caller may not see it."""
    meeting = _visible(request.auth).filter(pk=meeting_id).first()
    if meeting is None:
        raise HttpError(404, f"There is no meeting {meeting_id} that you may see.")
    return meeting_item(meeting)
