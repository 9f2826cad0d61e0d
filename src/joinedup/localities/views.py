"""The places pages: the outcomes the area forums chose (and how often), one forum with its
choice and its residents' priorities, the priorities of every area with their import, and
the operations with their measured impact.

Who chooses and who enters priorities is decided by ``choosing`` and ``priorities``; an
operation is found only through ``Operation.objects.visible_to``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.localities import choosing, impact
from joinedup.localities import priorities as resident
from joinedup.localities.forms import ChooseOutcomesForm, MeetingPriorityForm, PriorityFileForm
from joinedup.localities.models import AreaPriority, Operation
from joinedup.partnership.models import Body
from joinedup.places.models import Area
from joinedup.strategy.models import Outcome

FORUM = "area_forum"


def forums():
    return Body.objects.filter(kind=FORUM).select_related("area").order_by("order", "name")


@login_required
@require_GET
def places(request):
    chosen = list(AreaPriority.objects.visible_to(request.user)
                  .select_related("forum", "outcome__theme"))
    by_outcome: dict[int, dict] = {}
    for choice in chosen:
        row = by_outcome.setdefault(choice.outcome_id, {"outcome": choice.outcome,
                                                        "forums": []})
        row["forums"].append(choice.forum)
    counted = sorted(by_outcome.values(), key=lambda r: (-len(r["forums"]),
                                                         r["outcome"].title))
    return render(request, "localities/places.html", {
        "forums": forums().annotate(chosen=Count("chosen_outcomes")),
        "counted": counted,
        "not_chosen": Outcome.objects.exclude(pk__in=by_outcome).select_related("theme")
        .order_by("theme__order", "order"),
        "operations": Operation.objects.visible_to(request.user).select_related("lead"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def forum(request, slug: str):
    found = get_object_or_404(forums(), slug=slug)
    held = {p.outcome_id: p.reason for p in AreaPriority.objects.filter(forum=found)}
    may = choosing.may_choose(found, request.user)
    outcomes = Outcome.objects.select_related("theme").order_by("theme__order", "order")
    form = None
    if may:
        form = ChooseOutcomesForm(request.POST if request.method == "POST" else None,
                                  outcomes=outcomes, held=held)
    if request.method == "POST":
        if not may:
            raise PermissionDenied(f"Only the members of {found} and the partnership officer "
                                   "may choose its outcomes.")
        if form.is_valid():
            try:
                choosing.choose_outcomes(found, form.choices(), person=request.user,
                                         now=timezone.now())
            except ValidationError as refused:
                for message in refused.messages:
                    form.add_error(None, message)
            else:
                return redirect("localities:forum", slug=found.slug)
    areas = Area.objects.filter(parent=found.area).order_by("name") if found.area_id else []
    return render(request, "localities/forum.html", {
        "forum": found, "form": form,
        "first_field": form[f"chosen_{outcomes[0].pk}"] if form and outcomes else None,
        "chosen": AreaPriority.objects.filter(forum=found).select_related("outcome__theme",
                                                                          "chosen_by"),
        "areas": areas,
        "ranked": resident.ranked_for([a.pk for a in areas], request.user) if areas else [],
    })


@login_required
@require_http_methods(["GET", "POST"])
def priorities(request):
    allowed = resident.areas_for(request.user)
    may_enter = allowed is None or bool(allowed)
    entry_areas = Area.objects.filter(level__in=["ward", "lsoa", "locality"]).order_by(
        "level", "name")
    if allowed is not None:
        entry_areas = entry_areas.filter(pk__in=allowed)
    upload = PriorityFileForm() if may_enter else None
    meeting = MeetingPriorityForm(areas=entry_areas) if may_enter else None
    outcome = None
    if request.method == "POST":
        if not may_enter:
            raise PermissionDenied("Only the partnership officer and the members of an area "
                                   "forum enter residents' priorities.")
        if request.POST.get("form") == "file":
            upload = PriorityFileForm(request.POST, request.FILES)
            if upload.is_valid():
                sent = upload.cleaned_data["file"]
                outcome = resident.import_priorities_file(sent.read(), sent.name,
                                                          person=request.user)
                if not outcome.problems:
                    return redirect(f"{request.path}?saved={outcome.saved}")
        else:
            meeting = MeetingPriorityForm(request.POST, areas=entry_areas)
            if meeting.is_valid():
                meeting.save(request.user)
                return redirect(f"{request.path}?saved=1")
    area_code = request.GET.get("area", "")
    shown = Area.objects.filter(code=area_code).first() if area_code else None
    ranked = resident.ranked_for([shown.pk] if shown else None, request.user)
    return render(request, "localities/priorities.html", {
        "upload": upload, "meeting": meeting, "result": outcome, "ranked": ranked,
        "shown": shown, "saved": request.GET.get("saved", ""),
        "areas_with": Area.objects.filter(resident_priorities__isnull=False).distinct()
        .order_by("name"),
    })


@login_required
@require_GET
def operation(request, slug: str):
    found = get_object_or_404(Operation.objects.visible_to(request.user).select_related(
        "lead", "measured_by"), slug=slug)
    return render(request, "localities/operation.html", {
        "operation": found,
        "targets": found.target_areas.order_by("name"),
        "issues": found.issues.select_related("area"),
        "commitments": found.commitments.select_related("partner", "budget_line"),
        "actions": found.actions.select_related("lead", "owner").order_by("due"),
        "impact": impact.measured(found, request.user),
    })
