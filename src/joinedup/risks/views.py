"""The risk pages: the register with its heat map, one risk with its scores, controls and
proposals, and the actions that are overdue.

Every page starts from ``Risk.objects.visible_to``: a restricted risk is not found by
anyone outside its body. The rules (scoring, deciding, adding a control) live in
``scoring``; the tables in ``register``, which the packs, the command line and the API
share.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.partnership.models import Body
from joinedup.risks import register as registers
from joinedup.risks import scoring
from joinedup.risks.forms import ControlForm, DecideForm, ScoreForm
from joinedup.risks.models import Impact, Likelihood, Proposal, Risk


#: The three forms of a risk's page share field names, so each has its own ids.
SCORE_IDS, DECIDE_IDS, CONTROL_IDS = "score-%s", "decide-%s", "control-%s"


def _body(request):
    slug = request.GET.get("body", "")
    if not slug:
        return None
    found = Body.objects.filter(slug=slug).first()
    if found is None:
        raise Http404(f"There is no body {slug}.")
    return found


@login_required
@require_GET
def register(request):
    body = _body(request)
    table = registers.register(request.user, body=body)
    keeps = set(Risk.objects.editable_by(request.user).values_list("pk", flat=True))
    awaiting = (Proposal.objects.visible_to(request.user).filter(
        state=Proposal.State.OPEN, risk_id__in=keeps).select_related("risk"))
    if body is not None:
        awaiting = awaiting.filter(risk__body=body)
    bodies = Body.objects.filter(risks__in=Risk.objects.visible_to(request.user)).distinct()
    overdue = registers.overdue_actions(timezone.localdate(), body=body, user=request.user)
    grid = registers.heat_map(table)
    return render(request, "risks/register.html", {
        "here": "register", "body": body, "bodies": bodies, "rows": table.to_dicts(),
        "heat": [grid.filter(grid["likelihood"] == level).to_dicts()
                 for level in (5, 4, 3, 2, 1)],
        "likelihoods": {s.level: s.word for s in Likelihood.objects.all()},
        "impacts": list(Impact.objects.all()), "awaiting": list(awaiting),
        "overdue": overdue.count()})


@login_required
@require_http_methods(["GET", "POST"])
def risk(request, pk: int):
    found = get_object_or_404(Risk.objects.visible_to(request.user).select_related(
        "category", "owner", "body", "driving_target__indicator"), pk=pk)
    may_keep = Risk.objects.editable_by(request.user).filter(pk=pk).exists()
    proposal = found.proposals.filter(state=Proposal.State.OPEN).first()
    forms = {"score": ScoreForm(initial={"likelihood": found.likelihood,
                                         "impact": found.impact}, auto_id=SCORE_IDS),
             "decide": DecideForm(auto_id=DECIDE_IDS),
             "control": ControlForm(actions=scoring.control_actions(found),
                                    auto_id=CONTROL_IDS)}
    if request.method == "POST":
        if not may_keep:
            raise PermissionDenied("Only the risk's owner, its body's members and the "
                                   "partnership officer may change it.")
        done = _post(request, found, proposal, forms)
        if done:
            return redirect(found)
    controls = [(c, scoring.in_place(c)) for c in found.controls.prefetch_related(
        "actions__lead")]
    scale = {s.level: s for s in Likelihood.objects.all()}
    impacts = {s.level: s for s in Impact.objects.all()}
    return render(request, "risks/risk.html", {
        "here": "register", "risk": found, "may_keep": may_keep, "proposal": proposal,
        "controls": controls, "scores": found.scores.select_related("recorded_by")[:12],
        "decided": found.proposals.exclude(state=Proposal.State.OPEN)
        .select_related("decided_by")[:6],
        "likelihood_word": scale, "impact_word": impacts,
        "band": registers.band_name(found.score), "at_stake": registers.money_at_stake(found),
        "links": registers.links(found), **{f"{name}_form": f for name, f in forms.items()}})


def _post(request, found: Risk, proposal, forms: dict) -> bool:
    """Apply the form sent; True once saved. A refused rule shows on its form."""
    which = request.POST.get("form")
    if which == "score":
        form = forms["score"] = ScoreForm(request.POST, auto_id=SCORE_IDS)
        if form.is_valid():
            return _saved(form, lambda: scoring.score_risk(
                found, likelihood=form.cleaned_data["likelihood"],
                impact=form.cleaned_data["impact"], reason=form.cleaned_data["reason"],
                person=request.user))
    elif which == "decide" and proposal is not None:
        form = forms["decide"] = DecideForm(request.POST, auto_id=DECIDE_IDS)
        if form.is_valid():
            data = form.cleaned_data
            return _saved(form, lambda: scoring.decide(
                proposal, accept=data["decision"] == "accept", person=request.user,
                reason=data.get("reason", ""), likelihood=data.get("likelihood") or None))
    elif which == "control":
        form = forms["control"] = ControlForm(
            request.POST, actions=scoring.control_actions(found), auto_id=CONTROL_IDS)
        if form.is_valid():
            return _saved(form, lambda: scoring.add_control(
                found, kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                actions=form.cleaned_data["actions"], person=request.user))
    return False


def _saved(form, work) -> bool:
    try:
        work()
    except ValidationError as error:
        form.add_error(None, " ".join(error.messages))
        return False
    return True


@login_required
@require_GET
def actions(request):
    body = _body(request)
    overdue = registers.overdue_actions(timezone.localdate(), body=body, user=request.user)
    bodies = Body.objects.filter(Q(themes__isnull=False) | Q(risks__isnull=False)).distinct()
    return render(request, "risks/actions.html", {
        "here": "actions", "body": body, "bodies": bodies, "overdue": list(overdue),
        "today": timezone.localdate()})
