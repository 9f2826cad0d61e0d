"""Sign-off pages: a partner's own figures to submit, the theme lead's to approve, and one
figure with its history and the form to change it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.history.reading import history_of
from joinedup.returns import workflow
from joinedup.returns.models import DataValue, Upload

State = DataValue.State


def _chosen(request, queryset):
    ids = [int(i) for i in request.POST.getlist("figure") if i.isdigit()]
    return queryset.filter(pk__in=ids), len(ids)


@login_required
@require_http_methods(["GET", "POST"])
def my_values(request):
    """Figures the person may send that are not yet approved: submit them from here."""
    editable = DataValue.objects.editable_by(request.user).visible_to(request.user)
    if request.method == "POST":
        chosen, count = _chosen(request, editable)
        if not count:
            messages.error(request, "Choose at least one figure to submit.")
        else:
            try:
                done = workflow.submit(chosen, request.user)
            except workflow.WorkflowError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"{done} figure{'s' if done != 1 else ''} submitted "
                                          "for approval.")
        return redirect("returns:values")
    figures = (editable.exclude(state=State.APPROVED)
               .select_related("indicator", "area").order_by("state", "indicator__code",
                                                              "area__code", "period_start"))
    return render(request, "returns/values.html", {"figures": figures[:2000],
                                                   "count": figures.count()})


@login_required
@require_http_methods(["GET", "POST"])
def approvals(request):
    """Submitted figures in the themes this person leads: approve or return them."""
    waiting = (DataValue.objects.approvable_by(request.user).visible_to(request.user)
               .filter(state=State.SUBMITTED))
    if request.method == "POST":
        chosen, count = _chosen(request, waiting)
        action = request.POST.get("action")
        try:
            if not count:
                raise workflow.WorkflowError("Choose at least one figure.")
            if action == "approve":
                done = workflow.approve(chosen, request.user)
                messages.success(request, f"{done} figure{'s' if done != 1 else ''} approved. "
                                          "The indicators have been assessed again.")
            elif action == "return":
                done = workflow.return_to_owner(chosen, request.user,
                                                request.POST.get("reason", ""))
                messages.success(request, f"{done} figure{'s' if done != 1 else ''} returned "
                                          "to the owner.")
            else:
                raise workflow.WorkflowError("Choose whether to approve or return.")
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        return redirect("returns:approvals")
    figures = (waiting.select_related("indicator", "area", "submitted_by")
               .order_by("indicator__code", "area__code", "period_start"))
    return render(request, "returns/approvals.html", {"figures": figures[:2000],
                                                      "count": figures.count()})


def _history(value: DataValue, user):
    shown = ("value", "numerator", "denominator", "lower_ci", "upper_ci", "note", "state",
             "version", "returned_reason")
    changes = history_of(value, user)
    uploads = Upload.objects.visible_to(user).in_bulk(
        [c.run["upload"] for c in changes if c.run and c.run.get("upload")])
    rows = []
    for change in changes:
        fields = [(n, b, a) for n, b, a in change.changed_fields() if n in shown]
        upload = uploads.get((change.run or {}).get("upload"))
        rows.append({"change": change, "fields": fields, "upload": upload})
    return rows


@require_http_methods(["GET", "POST"])
def value(request, pk):
    """One figure: what it is, its history (who, when, before, after, why), and a form."""
    figure = get_object_or_404(
        DataValue.objects.visible_to(request.user).select_related(
            "indicator", "area", "submitted_by", "approved_by"), pk=pk)
    may_edit = DataValue.objects.editable_by(request.user).filter(pk=pk).exists()
    problems, stale = [], None
    if request.method == "POST":
        if not may_edit:
            return render(request, "403.html", status=403)
        posted = {name: request.POST.get(name, "").strip() or None
                  for name in ("value", "numerator", "denominator", "lower_ci", "upper_ci")}
        posted["note"] = request.POST.get("note", "").strip()
        try:
            result = workflow.change_value(
                figure, request.user, version=request.POST.get("version", "0") or "0",
                reason=request.POST.get("reason", "").strip(),
                submit=request.POST.get("action") == "submit", **posted)
        except workflow.StaleEdit as error:
            stale = str(error)
        except (workflow.WorkflowError, ValueError) as error:
            stale = str(error)
        else:
            if result.saved:
                messages.success(request, "The figure was saved." if result.changed
                                 else "Nothing had changed, so nothing was saved.")
                return redirect(figure.get_absolute_url())
            problems = result.problems
        figure.refresh_from_db()
    return render(request, "returns/value.html", {
        "figure": figure, "may_edit": may_edit, "history": _history(figure, request.user),
        # Staff are named to the people they work with, not to the public.
        "names_shown": request.user.is_authenticated,
        "problems": problems, "stale": stale, "posted": request.POST,
    })
