"""The packs pages: a body's packs, one pack (with its build's progress), issuing, download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from joinedup.common.tasks import progress_page
from joinedup.partnership.models import Body, Meeting
from joinedup.reports import building, tasks
from joinedup.reports.models import Pack, PackPublication

NO_MEETING = "none"


def _body(request, slug) -> Body:
    return get_object_or_404(Body.objects.visible_to(request.user), slug=slug)


def _pack(request, pk) -> Pack:
    return get_object_or_404(Pack.objects.visible_to(request.user)
                             .select_related("body", "meeting", "built_by", "issued_by"), pk=pk)


def _upcoming(body) -> Meeting | None:
    return Meeting.objects.filter(body=body).upcoming(timezone.now()).first()


@login_required
@require_http_methods(["GET", "POST"])
def packs(request, slug):
    body = _body(request, slug)
    may_build = building.may_build(request.user, body)
    upcoming = _upcoming(body)
    error, field = "", ""
    if request.method == "POST":
        if not may_build:
            raise PermissionDenied(building.refusal_for(body))
        chosen = request.POST.get("meeting", NO_MEETING)
        meeting = upcoming if upcoming and chosen == str(upcoming.pk) else None
        try:
            pack = building.draft_for(body, request.user, format=request.POST.get("format", ""),
                                      period=request.POST.get("period"), meeting=meeting)
        except building.PackRefused as refused:
            error, field = str(refused), "period"
        else:
            if not pack.work_pending:
                tasks.queue(pack, request.user)
            return redirect(pack)
    listed = list(Pack.objects.visible_to(request.user).filter(body=body)
                  .select_related("body", "meeting", "built_by", "issued_by")[:50])
    context = {
        "body": body, "packs": listed, "may_build": may_build, "upcoming": upcoming,
        "quarter": building.current_quarter(timezone.localdate()),
        "error": error, "error_field": field,
        "period": request.POST.get("period", "") if error else "",
        "chosen_meeting": request.POST.get("meeting", "") if error else "",
        "formats": Pack.Format.choices,
    }
    return render(request, "reports/packs.html", context, status=400 if error else 200)


@login_required
def pack(request, pk):
    found = _pack(request, pk)
    return progress_page(request, "reports/pack.html", {
        "pack": found, "may_build": building.may_build(request.user, found.body),
        "manifest": found.manifest or {},
        "published": PackPublication.objects.filter(pack=found).first(),
    }, work=found)


@login_required
@require_POST
def rebuild(request, pk):
    found = _pack(request, pk)
    if not building.may_build(request.user, found.body):
        raise PermissionDenied(building.refusal_for(found.body))
    if found.is_issued:
        messages.error(request, f"This pack was issued on {found.issued_at:%-d %B %Y}, so it "
                                "is kept as issued and cannot be rebuilt.")
    elif not found.work_pending:
        tasks.queue(found, request.user)
    return redirect(found)


@login_required
@require_http_methods(["GET", "POST"])
def issue(request, pk):
    found = _pack(request, pk)
    if not building.may_build(request.user, found.body):
        raise PermissionDenied(building.refusal_for(found.body))
    if found.is_issued:
        return redirect(found)
    error = ""
    try:
        building.check_issue(found, request.user)
    except building.PackRefused as refused:
        error = str(refused)
    if request.method == "POST" and not error:
        tasks.queue(found, request.user, issue=True)
        return redirect(found)
    members = (found.body.memberships.filter(person__is_active=True)
               .exclude(person__email="").count())
    return render(request, "reports/pack_issue.html", {
        "pack": found, "error": error, "members": members,
    }, status=409 if error and request.method == "POST" else 200)


@login_required
@require_POST
def publish(request, pk):
    """Put an issued pack on the public site, or take it off (``public`` = yes or no)."""
    found = _pack(request, pk)
    public = request.POST.get("public") == "yes"
    try:
        building.publish(found, request.user, public=public)
    except building.PackRefused as refused:
        if not building.may_build(request.user, found.body):
            raise PermissionDenied(str(refused)) from None
        messages.error(request, str(refused))
    else:
        messages.success(request, "The pack is on the public site." if public
                         else "The pack is no longer on the public site.")
    return redirect(found)


@login_required
def download(request, pk):
    found = _pack(request, pk)
    if not found.has_file:
        return redirect(found)
    response = HttpResponse(building.file_bytes(found), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.file_name}"'
    response["Content-Length"] = str(found.size)
    # An issued pack never changes, but it is partnership business: kept by the browser
    # only, never by a shared cache.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["ETag"] = f'"{found.sha256}"'
    return response
