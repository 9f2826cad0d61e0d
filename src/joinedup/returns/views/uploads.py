"""Uploading a file of figures, and what became of it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.common.tasks import progress_page
from joinedup.returns import importing, tasks
from joinedup.returns.models import CollectionRound, Upload

#: Larger files belong on the command line (``joinedup import-values``).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def upload_new(request):
    rounds = CollectionRound.objects.visible_to(request.user).filter(closed=False)
    chosen = request.POST.get("round") or request.GET.get("round") or ""
    error = None
    if request.method == "POST":
        sent = request.FILES.get("file")
        collection_round = rounds.filter(slug=chosen).first() if chosen else None
        if sent is None:
            error = "Choose a CSV or Excel file to upload."
        elif sent.size > MAX_UPLOAD_BYTES:
            error = (f"The file is {sent.size / 1048576:.0f} MB; the largest the web page "
                     "takes is 50 MB. Split it, or ask your partnership officer to load it.")
        elif chosen and collection_round is None:
            error = "That collection round is not open."
        else:
            data = sent.read()
            upload = importing.receive_file(
                data, sent.name, user=request.user, collection_round=collection_round,
                submit=request.POST.get("submit") == "yes")
            reason = request.POST.get("reason", "").strip()
            rows = tasks.count_rows(data, sent.name)
            if tasks.in_background(rows):
                tasks.queue_import(upload, user=request.user, rows=rows, reason=reason)
            else:
                tasks.import_now(upload, user=request.user, reason=reason)
            return redirect(upload.get_absolute_url())
    return render(request, "returns/upload_new.html", {
        "rounds": rounds, "chosen": chosen, "error": error,
        "recent": Upload.objects.visible_to(request.user)[:10],
        "background_above": tasks.BACKGROUND_ABOVE_ROWS,
    })


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, pk):
    kept = get_object_or_404(Upload.objects.visible_to(request.user), pk=pk)
    if request.method == "POST" and kept.outcome == Upload.Outcome.AWAITING:
        note = request.POST.get("note", "").strip()
        if not note:
            messages.error(request, "Write a note saying why the flagged figures are right.")
        elif tasks.in_background(kept.rows):
            tasks.queue_import(kept, user=request.user, rows=kept.rows, note=note,
                               reason=request.POST.get("reason", "").strip())
        else:
            result = tasks.import_now(kept, user=request.user, note=note,
                                      reason=request.POST.get("reason", "").strip())
            if result.saved:
                messages.success(request, "The figures were saved with your note.")
        return redirect(kept.get_absolute_url())
    return progress_page(request, "returns/upload.html",
                         {"upload": kept, "errors_count": len(kept.errors)}, work=kept)
