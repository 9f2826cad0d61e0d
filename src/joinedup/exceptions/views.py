"""The management group's triage page, each exception's page, and its commentary form.

Every decision goes through ``decisions`` (the same services the command line and the API
use), so the rules and the record are the same whichever way a decision is taken.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.assessment.pages import series_assessment
from joinedup.core.periods import PeriodError, parse_period
from joinedup.exceptions import budget, decisions
from joinedup.exceptions.forms import DECISION_HINTS, CommentaryForm, TriageForm
from joinedup.exceptions.history import earlier_occurrences
from joinedup.exceptions.models import BudgetException, IndicatorException, TriageDecision
from joinedup.exceptions.pages import (
    decidable,
    exception_items,
    exception_name,
    plan_owners,
    triage_page,
)
from joinedup.exceptions.progress import plan_progress
from joinedup.partnership import roles

Decision = IndicatorException.Decision
CHART_KINDS = {"spc": "spc_chart", "forecast": "forecast_chart"}
#: The decision form's fields as the page shows them, so the error summary reads the same way.
FIELDS_IN_PAGE_ORDER = ["exception", "decision", "note", "owner", "actions", "due_day",
                        "review_period", "recommendation", "board_asked_for"]


def refused(request, reason: str):
    return render(request, "exceptions/refused.html", {"reason": reason}, status=403)


def _period(request) -> tuple[str, str]:
    """The ``?period=`` filter, checked: (the period, or "" for all; an error message)."""
    label = request.GET.get("period", "").strip()
    if not label:
        return "", ""
    try:
        return parse_period(label).label, ""
    except PeriodError:
        return "", f"{label} is not a period: write it like 2018/19, 2019 or 2019/20 Q2."


def _decision_form(request):
    return TriageForm(request.POST if request.method == "POST" else None,
                      decidable=decidable(request.user))


def _decide(request, form) -> bool:
    """Take the decision the form holds; True once saved, with a message saying what."""
    if not form.is_valid():
        return False
    try:
        made = form.save(request.user)
    except decisions.DecisionRefused as refusal:
        form.add_error(None, str(refusal))
        return False
    messages.success(request, decided_words(made))
    return True


def decided_words(made) -> str:
    """What was done, in one line per exception: what a chair reads back to the meeting."""
    lines = []
    for decision in made:
        exception = decision.exception
        name = exception_name(exception)
        if decision.decision == Decision.ANOMALY:
            count = decision.figures_returned
            lines.append(f"{name}: sent back to {exception.indicator.owner.display_name} as a "
                         f"data anomaly; {count} figure{'s' if count != 1 else ''} returned")
        elif decision.decision == Decision.PERFORMANCE:
            plan = decision.plan
            lines.append(f"{name}: a performance issue for {exception.layer}, with a remedial "
                         f"plan owned by {plan.owner}, to review in {plan.review_period}")
        else:
            lines.append(f"{name}: escalated to the Board, asking for "
                         f"{decision.get_board_asked_for_display().lower()}")
    return ". ".join(lines) + "."


def _problems(form, first_choice: str) -> list[dict]:
    """The error summary: each problem names the exceptions it is about and the field."""
    names = form.chosen_names()
    prefix = f"{names}: " if names else ""
    problems = []
    for error in form.non_field_errors():
        problems.append({"anchor": "decision", "text": error})
    rank = {name: place for place, name in enumerate(FIELDS_IN_PAGE_ORDER)}
    for name in sorted(form.errors, key=lambda name: rank.get(name, len(rank))):
        errors = form.errors[name]
        if name == "__all__":
            continue
        anchor = (first_choice if name == "exception" else form["due_day"].auto_id
                  if name == "due_day" else name.replace("_", "-"))
        for error in errors:
            # An owner's problem already names the exception it is about.
            text = error if name in ("owner", "exception") else prefix + error
            problems.append({"anchor": anchor, "text": text})
    return problems


def _decision_context(form, owners, *, first_choice: str, example=None) -> dict:
    """What the decision form's template needs. ``example`` is an exception whose review
    period the hint gives as an example of the default."""
    review_example = ""
    if example is not None:
        # The default review period; a period with no next one is given back unchanged.
        following = decisions.next_period(example.period)
        if following != example.period:
            review_example = f"for {example.period}, that is {following}"
    return {"form": form, "problems": _problems(form, first_choice) if form.is_bound else [],
            "owners": owners, "decision_hints": DECISION_HINTS, "chosen": form.chosen_ids(),
            "board_asks": TriageDecision.BoardAsk.choices, "review_example": review_example}


@login_required
@require_http_methods(["GET", "POST"])
def triage(request):
    if not roles.may_triage(request.user):
        return refused(request, roles.TRIAGE_REFUSAL)
    period, period_error = _period(request)
    form = _decision_form(request)
    if request.method == "POST" and _decide(request, form):
        query = f"?{urlencode({'period': period})}" if period else ""
        return redirect(reverse("exceptions:triage") + query)
    page = triage_page(request.user, period or None)
    first = page.groups[0].items[0].exception if page.groups else None
    return render(request, "exceptions/triage.html", {
        "page": page, "period": period, "period_asked": request.GET.get("period", ""),
        "period_error": period_error,
        **_decision_context(form, plan_owners(page.items), example=first,
                            first_choice=f"choose-{first.pk}" if first else "decision")})


def _visible_exception(request, pk) -> IndicatorException:
    return get_object_or_404(IndicatorException.objects.visible_to(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def exception(request, pk):
    """Everything about one exception, and the decision form for those who triage."""
    found = exception_items(IndicatorException.objects.visible_to(request.user).filter(pk=pk),
                            request.user)
    if not found:
        raise Http404
    item = found[0]
    exception = item.exception
    may_triage = roles.may_triage(request.user)
    form = _decision_form(request)
    if request.method == "POST":
        if not may_triage:
            return refused(request, roles.TRIAGE_REFUSAL)
        if _decide(request, form):
            return redirect(exception.get_absolute_url())
    area = item.headline_area
    return render(request, "exceptions/exception.html", {
        "item": item, "exception": exception, "indicator": exception.indicator,
        "assessment": series_assessment(exception.indicator, area, request.user)
        if area else None,
        "assessed_area": area,
        "progress": plan_progress(item.plan) if item.plan else None,
        "occurrences": earlier_occurrences(exception, request.user, item.earlier),
        "recurrences": exception.recurrences.visible_to(request.user).order_by("period_start"),
        "may_triage": may_triage and exception.state != IndicatorException.State.CLOSED,
        "decide_legend": f"{'Change the decision on' if item.decision else 'Decide on'} "
                         f"{item.name}",
        **_decision_context(form, plan_owners([item]), example=exception,
                            first_choice="decision")})


@login_required
@require_http_methods(["GET", "POST"])
def commentary(request, pk):
    """The owner's story behind the curve: what happened, why, and what is being done."""
    exception = _visible_exception(request, pk)
    if not decisions.may_comment(request.user, exception):
        return refused(request, f"Only {exception.indicator.owner.display_name}, the members "
                                f"of {exception.layer} and the partnership officer may write "
                                "this commentary.")
    written = getattr(exception, "commentary", None)
    initial = ({name: getattr(written, name) for name in CommentaryForm.base_fields}
               if written else None)
    form = CommentaryForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            decisions.write_commentary(exception, request.user, **form.cleaned_data)
        except decisions.DecisionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{exception_name(exception)}: commentary saved.")
            return redirect(exception.get_absolute_url())
    return render(request, "exceptions/commentary.html", {
        "exception": exception, "form": form, "written": written})


@login_required
@require_GET
def chart(request, pk, kind):
    """One chart of an exception's headline area, as SVG, for the triage page's images."""
    exception = _visible_exception(request, pk)
    area = decisions.headline_flag_area(exception)
    found = series_assessment(exception.indicator, area, request.user) if area else None
    svg = getattr(found, CHART_KINDS[kind], None) if found else None
    if not svg:
        raise Http404
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # The page asks for each chart with the latest assessment run in its address, so a
    # chart that could have changed is asked for afresh.
    patch_cache_control(response, private=True, max_age=24 * 3600)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def budget_exceptions(request):
    """The finance exceptions: open ones first, each with the decision form for those who
    triage."""
    visible = BudgetException.objects.visible_to(request.user).select_related(
        "partner", "stream", "theme", "criterion", "decided_by")
    may_triage = roles.may_triage(request.user)
    problem, chosen = "", None
    if request.method == "POST":
        if not may_triage:
            return refused(request, roles.TRIAGE_REFUSAL)
        chosen = visible.filter(pk=request.POST.get("exception", "")).first()
        try:
            if chosen is None:
                raise ValueError("That finance exception is not one you may decide.")
            budget.decide(chosen, decision=request.POST.get("decision", ""),
                          note=request.POST.get("note", ""), person=request.user)
        except ValueError as error:
            problem = str(error)
        else:
            return redirect(f"{reverse('exceptions:budget')}#budget-{chosen.pk}")
    items = sorted(visible, key=lambda e: (e.state != "open", bool(e.decision),
                                           e.financial_year, e.kind, e.theme.order))
    return render(request, "exceptions/budget.html", {
        "items": items, "may_triage": may_triage, "problem": problem,
        "chosen": chosen, "decisions": Decision.choices,
        "open_count": sum(1 for e in items if e.state == "open"),
    }, status=400 if problem else 200)
