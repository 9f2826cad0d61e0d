"""A body's meetings: the agenda in slot order, the Board's minutes on escalated exceptions,
and, for the partnership officer, adding a meeting and writing an agenda item's notes.

The performance-exceptions item lists what the body's exception report shows for the
period the meeting looks at. At the Board, those who may minute (``roles.may_minute``)
record the Board's decision on each through ``exceptions.decisions``, so the page, the
command line and the API keep one rule.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from joinedup.common.querysets import manages_framework
from joinedup.exceptions.decisions import DecisionRefused, record_board_decision
from joinedup.exceptions.models import IndicatorException
from joinedup.history.recording import recorded_as
from joinedup.partnership import roles
from joinedup.partnership.meetings import add_meeting
from joinedup.partnership.models import AgendaSlot, Body, Meeting, Organisation
from joinedup.reports.finance import finance_slot
from joinedup.reports.risks import risk_slot
from joinedup.reports.layers import BOARD_KINDS, layer_report
from joinedup.web.forms import AgendaNotesForm, BoardMinuteForm, MeetingForm, last_quarter
from joinedup.web.views.reports import (
    meeting_period,
    report_themes,
    with_minuted_meetings,
)


def _body(user, slug) -> Body:
    return get_object_or_404(Body.objects.visible_to(user), slug=slug)


def _meeting(user, body, pk) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.visible_to(user).filter(body=body), pk=pk)
    meeting.body = body
    return meeting


def _minute_form(partners, exception_pk, data=None) -> BoardMinuteForm:
    return BoardMinuteForm(data, prefix=f"minute-{exception_pk}", partners=partners)


def _partners(user) -> list[Organisation]:
    return list(Organisation.objects.visible_to(user))


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request, slug, pk):
    user = request.user
    body = _body(user, slug)
    meeting = _meeting(user, body, pk)
    may_minute = roles.minutes_at(body) and roles.may_minute(user)
    if request.method == "GET":
        return _page(request, body, meeting, may_minute=may_minute)
    if not may_minute:
        refusal = (roles.MINUTE_REFUSAL if roles.minutes_at(body)
                   else f"Decisions are not minuted at meetings of {body.name}.")
        return _page(request, body, meeting, may_minute=False, refusal=refusal, status=403)
    exception_pk, form = _record_minute(request, meeting)
    if form is None:
        return redirect(f"{meeting.get_absolute_url()}#exception-{exception_pk}")
    return _page(request, body, meeting, may_minute=True, posted=(exception_pk, form))


def _record_minute(request, meeting) -> tuple[int, BoardMinuteForm | None]:
    """Minute the Board's decision on the exception posted. Returns the exception's id,
    and its form with what was wrong, or None once the minute is recorded."""
    user = request.user
    posted = request.POST.get("exception", "")
    exception_pk = int(posted) if posted.isdigit() else 0
    form = _minute_form(_partners(user), exception_pk, request.POST)
    if not form.is_valid():
        return exception_pk, form
    exception = (IndicatorException.objects.visible_to(user).select_related("indicator", "layer")
                 .filter(pk=exception_pk).first())
    if exception is None:
        form.add_error(None, "There is no such exception that you may see.")
        return exception_pk, form
    data = form.cleaned_data
    try:
        record_board_decision(exception, user, outcome=data["outcome"], minute=data["minute"],
                              meeting=meeting, partner=data["partner"], due=data["due"],
                              amount=data["amount"])
    except DecisionRefused as refused:
        form.add_error(None, str(refused))
        return exception_pk, form
    messages.success(request, f"The Board's decision on {exception.indicator.code} "
                              f"{exception.indicator.title} is minuted.")
    return exception_pk, None


def _page(request, body, meeting, *, may_minute, posted=None, refusal="", status=200):
    user = request.user
    slots = list(meeting.slots.order_by("order"))
    has_exceptions = any(slot.kind == AgendaSlot.Kind.EXCEPTIONS for slot in slots)
    report = (with_minuted_meetings(layer_report(body, user, period=meeting_period(meeting)))
              if has_exceptions else None)
    themes = report_themes(report, user, charts=False) if report else []
    if may_minute:
        partners = _partners(user)
        for _theme, entries in themes:
            for entry in entries:
                pk = entry.item.exception.pk
                entry.minute_form = (posted[1] if posted and posted[0] == pk
                                     else _minute_form(partners, pk))
    context = {
        "body": body,
        "meeting": meeting,
        "slots": slots,
        "report": report,
        "themes": themes,
        "is_board": body.kind in BOARD_KINDS,
        "may_minute": may_minute,
        "may_manage": manages_framework(user),
        "posted_form": posted[1] if posted else None,
        "refusal": refusal,
        "finance": finance_slot(user) if any(s.kind == "finance" for s in slots) else None,
        "risks": risk_slot(user, body=body) if any(s.kind == "risks" for s in slots)
        else None,
        "upcoming": meeting.starts >= timezone.now(),
    }
    return render(request, "partnership/meeting.html", context, status=status)


def _officer_only(user):
    """Meetings and agendas are set up by those who manage the framework."""
    if not manages_framework(user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, slug):
    user = request.user
    body = _body(user, slug)
    _officer_only(user)
    last = Meeting.objects.filter(body=body).order_by("-starts").first()
    form = MeetingForm(request.POST or None, initial={
        "place": last.place if last else "", "period": last_quarter(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic(), recorded_as(
                    user, reason=f"Meeting of {body.name} added with its default agenda"):
                made = add_meeting(body, starts=data["starts"], place=data["place"],
                                   period=data["period"])
        except IntegrityError:
            form.add_error("date_day", f"{body.name} already has a meeting at that date and "
                                       "time")
        else:
            messages.success(request, f"Meeting added for "
                                      f"{timezone.localtime(made.starts):%-d %B %Y} with "
                                      f"{body.name}'s usual agenda.")
            return redirect(made)
    return render(request, "partnership/meeting_new.html", {"body": body, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item(request, slug, pk, order):
    user = request.user
    body = _body(user, slug)
    meeting = _meeting(user, body, pk)
    _officer_only(user)
    slot = get_object_or_404(AgendaSlot.objects.editable_by(user), meeting=meeting, order=order)
    form = AgendaNotesForm(request.POST or None, instance=slot)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            with transaction.atomic(), recorded_as(
                    user, reason=f"Notes for item {slot.order} of {meeting} changed"):
                form.save()
            messages.success(request, f"Notes for item {slot.order}, {slot.title}, saved.")
        return redirect(f"{meeting.get_absolute_url()}#item-{slot.order}")
    return render(request, "partnership/agenda_item.html",
                  {"body": body, "meeting": meeting, "slot": slot, "form": form})
