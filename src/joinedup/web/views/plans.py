"""Delivery plans: the list of them, where a member of a theme partnership or the partnership
officer starts one, and one plan with its five stages, its option appraisal
and its challenge, where the lead partnership writes it and moves it on and the other theme
partnerships comment.

The rules a plan moves by live in ``strategy.planning``; every refusal it gives is shown in
the page's error summary and nothing is saved. Opening a plan still being made writes its
generated stages again from the latest assessment and budget lines."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from joinedup.partnership.models import Body
from joinedup.risks import plan_facts
from joinedup.strategy import planning
from joinedup.strategy.delivery import STAGES, DeliveryPlan, PlanQuestion
from joinedup.web.plan_forms import (
    CHOOSE_IDS, OPTION_IDS, AnswerForm, ChooseForm, CommentForm, MoveForm, OptionForm, ReplyForm,
    StartPlanForm, answer_ids, reply_ids)

State = DeliveryPlan.State

#: The buttons that move a plan on, by the state it is in.
MOVES = {
    "open": ("Open to challenge", planning.open_to_challenge),
    "agree": ("Agree the plan", planning.agree),
    "review": ("Put under review", planning.review),
    "redraft": ("Back to draft", planning.redraft),
}
MOVES_FROM = {State.DRAFT: ["open"], State.CHALLENGE: ["agree", "redraft"],
              State.AGREED: ["review"], State.UNDER_REVIEW: ["redraft"]}
LEAD_FORMS = {"answer", "option", "choose", "move", "reply"}


@login_required
@require_http_methods(["GET", "POST"])
def plans(request):
    person = request.user
    leads = may_start_for(person)
    if request.method == "POST" and not leads:
        raise PermissionDenied("Only the members of a theme partnership and the partnership "
                               "officer start a delivery plan.")
    form = StartPlanForm(request.POST or None, person=person, leads=leads) if leads else None
    if request.method == "POST" and form.is_valid():
        try:
            started = planning.start_plan(person, **form.cleaned_data)
        except ValidationError as refused:
            form.refuse(refused)
        else:
            return redirect("strategy:plan", pk=started.pk)
    found = DeliveryPlan.objects.visible_to(person).select_related(
        "outcome", "indicator", "lead", "owner")
    return render(request, "strategy/plans.html", {
        "plans": list(found), "start_form": form,
        "problems": _problems(form, None) if request.method == "POST" else []})


def may_start_for(person) -> list[Body]:
    """The theme partnerships ``person`` may start a plan for, in their order."""
    return [body for body in Body.objects.filter(kind__in=planning.PLAN_LEADS)
            .order_by("order", "name") if planning.may_start(body, person)]


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, pk: int):
    found = get_object_or_404(DeliveryPlan.objects.visible_to(request.user).select_related(
        "outcome", "indicator", "lead", "owner", "agreed_by"), pk=pk)
    leads = planning.may_lead(found, request.user)
    commenters = _commenters(found, request.user)
    sent = None
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which in LEAD_FORMS and not leads:
            raise PermissionDenied(f"Only the members of {found.lead}, the plan's owner and "
                                   "the partnership officer may do this.")
        if which == "comment" and not commenters:
            raise PermissionDenied("Only the members of another theme partnership comment on "
                                   "the plan.")
        sent = _post(request, found, which, commenters)
        if sent is None:
            return redirect("strategy:plan", pk=found.pk)
    plan_facts.refresh(found, now=timezone.now())
    return render(request, "strategy/plan.html",
                  _context(request, found, leads, commenters, sent))


def _commenters(found: DeliveryPlan, person) -> list[Body]:
    """The theme partnerships other than the lead that ``person`` may comment for."""
    if found.state != State.CHALLENGE:
        return []
    return list(Body.objects.filter(kind__in=planning.PLAN_LEADS, memberships__person=person)
                .exclude(pk=found.lead_id).distinct())


def _post(request, found: DeliveryPlan, which: str, commenters: list[Body]):
    """Apply the form sent: None once saved, else ``(name, form, key)`` to show again with
    its errors. A refused rule shows in the error summary."""
    data, person = request.POST, request.user
    if which == "answer":
        question = get_object_or_404(PlanQuestion, pk=data.get("question"), generated=False)
        form = AnswerForm(data, question=question)
        work = lambda: planning.write_answer(found, question, form.cleaned_data["text"],
                                             person)
        key = question.pk
    elif which == "option":
        form = OptionForm(data)
        work = lambda: planning.add_option(found, form.cleaned_data, person)
        key = None
    elif which == "choose":
        form = ChooseForm(data, options=found.options.all())
        work = lambda: planning.choose_option(found, form.cleaned_data["option"],
                                              form.cleaned_data["reason"], person)
        key = None
    elif which == "move" and data.get("move") in MOVES_FROM.get(found.state, []):
        form, move = MoveForm(data), MOVES[data["move"]][1]
        work = lambda: move(found, person)
        key = data["move"]
    elif which == "reply":
        challenge = get_object_or_404(found.comments.select_related("plan__lead", "body"),
                                      pk=data.get("comment"))
        form = ReplyForm(data, comment=challenge)
        work = lambda: planning.answer(challenge, person=person,
                                       text=form.cleaned_data["answer"])
        key = challenge.pk
    elif which == "comment":
        form = CommentForm(data, bodies=commenters)
        work = lambda: planning.comment(
            found, body=Body.objects.get(pk=form.cleaned_data["body"]), person=person,
            kind=form.cleaned_data["kind"], text=form.cleaned_data["text"])
        key = None
    else:
        form, work, key = MoveForm(data), None, None
        form.add_error(None, f"The plan is {found.get_state_display().lower()}: it cannot be "
                             "moved that way.")
        return which, form, key
    if form.is_valid():
        try:
            work()
        except ValidationError as refused:
            for message in refused.messages:
                form.add_error(None, message)
            found.refresh_from_db()
        else:
            return None
    return which, form, key


def _context(request, found: DeliveryPlan, leads: bool, commenters: list[Body], sent) -> dict:
    which, sent_form, key = sent or (None, None, None)
    drafting = leads and found.state == State.DRAFT
    answers = {a.question_id: a for a in found.answers.all()}
    stages = []
    for number, title in STAGES.items():
        rows = []
        for question in PlanQuestion.objects.filter(stage=number):
            form = None
            if drafting and not question.generated:
                form = (sent_form if which == "answer" and key == question.pk else AnswerForm(
                    question=question, initial={"text": getattr(answers.get(question.pk),
                                                                "text", "")}))
            rows.append({"question": question, "answer": answers.get(question.pk),
                         "form": form})
        stages.append({"number": number, "title": title, "questions": rows})
    options = list(found.options.all())
    chosen = next((o for o in options if o.chosen), None)
    comments = []
    for challenge in found.comments.select_related("body", "written_by", "answered_by"):
        reply = None
        if leads and not challenge.answer:
            reply = (sent_form if which == "reply" and key == challenge.pk
                     else ReplyForm(comment=challenge))
        comments.append({"comment": challenge, "form": reply})

    def own(name, make):
        return sent_form if which == name else make()

    context = {
        "plan": found, "leads": leads, "drafting": drafting, "stages": stages,
        "options": options, "chosen": chosen, "comments": comments,
        "option_form": own("option", OptionForm) if drafting else None,
        "choose_form": own("choose", lambda: ChooseForm(
            options=options, initial={"option": str(chosen.pk) if chosen else None,
                                      "reason": found.choice_reason}))
        if drafting and options else None,
        "comment_form": own("comment", lambda: CommentForm(bodies=commenters))
        if commenters else None,
        "commenters": commenters,
        "moves": [(name, MOVES[name][0]) for name in MOVES_FROM.get(found.state, [])]
        if leads else [],
        "problems": _problems(sent_form, key,
                              _boxes(found, options) if which == "move" and leads else ()),
    }
    return context


def _boxes(found: DeliveryPlan, options: list) -> list[tuple[str, str]]:
    """Where the lead puts right each refusal to move the plan on: words of the refusal, and
    the box on the page it links to (a question's answer, the option appraisal's forms, or
    the answer to a comment)."""
    boxes = [(f"“{question.text}”", "#" + answer_ids(question) % "text")
             for question in planning.unanswered_questions(found)]
    add, choose = "#" + OPTION_IDS % "kind", "#" + CHOOSE_IDS % "option"
    boxes += [("“business as usual”", add), ("“do minimum”", add),
              ("Choose one option", choose if options else add),
              ("Say why the chosen option", "#" + CHOOSE_IDS % "reason" if options else add)]
    boxes += [(f"{remark.body}'s comment on {remark.get_kind_display().lower()}",
               "#" + reply_ids(remark) % "answer")
              for remark in found.comments.filter(answer="").select_related("body")]
    return boxes


def _problems(form, key, boxes=()) -> list[tuple[str, str]]:
    """The error summary: each problem and the box (or button) it links to."""
    if form is None:
        return []
    fields = list(form)
    first = f"#{fields[0].auto_id}" if fields else f"#move-{key or 'buttons'}"
    problems = [(error, next((href for words, href in boxes if words in error), first))
                for error in form.non_field_errors()]
    problems += [(error, f"#{field.auto_id}") for field in fields for error in field.errors]
    return problems
