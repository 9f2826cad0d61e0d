"""The self-assessment's pages: the rounds, a member's scores for a round, and a round's
results (the radar, the table by element, each question, and the actions agreed), with
the facts of partnership working beside them, so that perception meets evidence.

Every page starts from ``SelfAssessmentRound.objects.visible_to``; the rules (who
scores, who sees results, who agrees actions) live in ``querysets`` and ``scoring``.
"""

from __future__ import annotations


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.common.charts import render_svg
from joinedup.reviews import scoring
from joinedup.reviews.charts import radar_spec
from joinedup.reviews.facts import partnership_facts
from joinedup.reviews.forms import AgreeActionForm, ScoresForm
from joinedup.reviews.models import AgreedAction, Response, SelfAssessmentRound
from joinedup.reviews.querysets import (
    AGREE_REFUSAL,
    SCORING_REFUSAL,
    may_agree_actions,
    may_score,
    may_see_results,
)
from joinedup.reviews.results import round_results


def _round(request, pk: int) -> SelfAssessmentRound:
    return get_object_or_404(SelfAssessmentRound.objects.visible_to(request.user), pk=pk)


@login_required
@require_GET
def rounds(request):
    found = list(SelfAssessmentRound.objects.visible_to(request.user))
    mine = {r.round_id: r for r in Response.objects.filter(person=request.user)}
    for round_ in found:
        round_.mine = mine.get(round_.pk)
    return render(request, "reviews/rounds.html", {
        "rounds": found, "may_score": may_score(request.user),
        "may_see_results": may_see_results(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def score(request, pk: int):
    round_ = _round(request, pk)
    if not may_score(request.user):
        raise PermissionDenied(SCORING_REFUSAL)
    response = Response.objects.filter(round=round_, person=request.user).first()
    kept = ({s.question.code: s for s in response.scores.select_related("question")}
            if response else {})
    form = ScoresForm(request.POST or None, round_=round_, initial_scores=kept)
    if request.method == "POST":
        if not round_.is_open:
            form.add_error(None, f"{round_.title} is closed: its scores can no longer change.")
        elif form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                scoring.save_scores(round_, request.user, form.answers(), submit=submit)
            except ValidationError as error:
                form.add_problems(error.message_dict if hasattr(error, "error_dict")
                                  else {"__all__": error.messages})
            else:
                if submit:
                    messages.success(request, f"Your scores for {round_.title} are submitted. "
                                     "You may change them until the round closes.")
                    return redirect("reviews:rounds")
                messages.success(request, f"Your draft for {round_.title} is saved. Submit "
                                 "it once every question has a score.")
                return redirect("reviews:score", pk=round_.pk)
    return render(request, "reviews/score.html", {
        "round": round_, "form": form, "response": response,
        "first_field": f"score-{form.questions[0].code}" if form.questions else ""})


@login_required
@require_http_methods(["GET", "POST"])
def results(request, pk: int):
    round_ = _round(request, pk)
    found = round_results(round_, request.user)
    elements = [(row["element"], row["name"]) for row in found.elements]
    may_agree = may_agree_actions(request.user)
    form = AgreeActionForm(elements=elements)
    if request.method == "POST":
        if not may_agree:
            raise PermissionDenied(AGREE_REFUSAL)
        form = AgreeActionForm(request.POST, elements=elements)
        if form.is_valid():
            data = form.cleaned_data
            try:
                agreed = scoring.agree_action(
                    round_, element=data["element"], title=data["title"], lead=data["lead"],
                    due=data["due"], person=request.user)
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                messages.success(request, f"Agreed: {agreed.action.title}, delivered by "
                                 f"{agreed.action.lead.display_name} by "
                                 f"{agreed.action.due:%-d %B %Y}. It is on the pathway "
                                 "with every other action.")
                return redirect(reverse("reviews:results", args=[round_.pk]) + "#agreed")
    series = [(f"{round_.title}", [row["mean"] for row in found.elements])]
    if found.previous is not None:
        series.append((found.previous.title, [row["previous_mean"] for row in found.elements]))
    chart = render_svg(
        radar_spec([row["name"] for row in found.elements], series),
        label=f"Radar chart of the mean score of each element in {round_.title}"
              + (f" against {found.previous.title}" if found.previous else "")
              + ". The table that follows gives the same figures.")
    agreed = (AgreedAction.objects.visible_to(request.user).filter(round=round_)
              .select_related("action__lead", "agreed_by"))
    return render(request, "reviews/results.html", {
        "round": round_, "results": found, "chart": chart, "agree_form": form,
        "may_agree": may_agree, "agreed": list(agreed),
        "facts": partnership_facts(request.user, today=timezone.localdate()),
        "by_element": {row["element"]: row for row in found.elements}})
