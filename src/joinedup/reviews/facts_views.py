"""The facts page, and the page on which a body's secretary records who came to a meeting.

The facts are for partners: the page needs a sign-in, and shows each person only what they
may see (``facts.partnership_facts``). Attendance is recorded through
``partnership.meetings.record_attendance``, the same rule the API keeps: the partnership
officer and the body's chair, vice-chair and officer may record it, after the meeting has
started; every other partner may read it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.common.querysets import manages_framework
from joinedup.partnership.meetings import (
    ATTENDANCE_KEEPERS,
    ATTENDANCE_REFUSAL,
    Attendance,
    AttendanceRefused,
    Meeting,
    may_record_attendance,
    record_attendance,
)
from joinedup.reviews.facts import Window, partnership_facts, year_before


@login_required
@require_GET
def facts(request):
    today = timezone.localdate()
    texts = {name: request.GET.get(name, "").strip() for name in ("since", "until")}
    days, problem, field = {}, "", ""
    for name, text in texts.items():
        try:
            days[name] = dt.date.fromisoformat(text) if text else None
        except ValueError:
            problem, field = f"Write the date as 2026-04-01, not “{text}”.", name
            break
    if not problem:
        until = days["until"] or today
        since = days["since"] or year_before(until)
        if until > today:
            problem, field = "The period cannot end after today.", "until"
        elif since > until:
            problem, field = "The period must start on or before its last day.", "since"
    context = {"since_text": texts["since"], "until_text": texts["until"],
               "problem": problem, "problem_field": field}
    if problem:
        return render(request, "reviews/facts.html", context, status=400)
    context["facts"] = partnership_facts(request.user, today=until, since=since)
    context["meetings"] = _keeps(request.user, Window(since, until))
    return render(request, "reviews/facts.html", context)


def _keeps(user, window: Window) -> list[Meeting]:
    """Meetings held in the period whose attendance ``user`` may record."""
    meetings = Meeting.objects.visible_to(user).filter(window.has("starts"),
                                                       starts__lte=timezone.now())
    if not manages_framework(user):
        meetings = meetings.filter(body__memberships__person=user,
                                   body__memberships__role__in=ATTENDANCE_KEEPERS)
    recorded = Attendance.objects.filter(meeting=OuterRef("pk"))
    return list(meetings.annotate(recorded=Exists(recorded)).select_related("body")
                .order_by("-starts").distinct())


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk: int):
    user = request.user
    meeting = get_object_or_404(Meeting.objects.visible_to(user).select_related("body"), pk=pk)
    may_record = may_record_attendance(user, meeting.body)
    problem, status = "", 200
    if request.method == "POST":
        if not may_record:
            problem, status = ATTENDANCE_REFUSAL, 403
        else:
            marks = {}
            for key, value in request.POST.items():
                if key.startswith("person-") and key[7:].isdigit():
                    marks[int(key[7:])] = value
            try:
                record_attendance(meeting, user, marks, now=timezone.now())
            except AttendanceRefused as refused:
                problem, status = str(refused), 400
            else:
                return redirect(reverse("reviews:attendance", args=[meeting.pk]) + "?saved=1")
    return render(request, "reviews/attendance.html", {
        "meeting": meeting, "may_record": may_record, "problem": problem,
        "saved": request.GET.get("saved") == "1" and not problem,
        "members": _members(meeting), "statuses": Attendance.Status.choices}, status=status)


def _members(meeting: Meeting) -> list[dict]:
    """The body's members, each with what is recorded for them at the meeting."""
    held = {a.person_id: a for a in meeting.attendance.select_related("organisation")}
    labels = dict(Attendance.Status.choices)
    members = []
    for membership in (meeting.body.memberships.select_related("person", "organisation")
                       .order_by("person__last_name", "person__first_name", "pk")):
        mark = held.get(membership.person_id)
        members.append({
            "person": membership.person_id,
            "name": membership.person.get_full_name() or membership.person.get_username(),
            "organisation": (mark.organisation if mark else membership.organisation
                             ).display_name,
            "status": mark.status if mark else "",
            "status_label": labels.get(mark.status, "") if mark else ""})
    return members
