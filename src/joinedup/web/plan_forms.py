"""The forms of the delivery plans: the one that starts a plan, and those on a plan's page: an
answer to one of its questions, an option for the short list, the choice among the options, a
challenge comment and the lead's answer to it.

The rules they lead to live in ``strategy.planning``; the forms check what a person can put
right on the page."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db import models

from joinedup.partnership.models import Body
from joinedup.strategy.delivery import ChallengeComment, Option
from joinedup.strategy.models import Indicator, Outcome
from joinedup.strategy.planning import PLAN_LEADS

#: The forms of a plan's page share field names, so each has its own ids.
OPTION_IDS, CHOOSE_IDS, COMMENT_IDS, MOVE_IDS = "option-%s", "choose-%s", "comment-%s", "move-%s"
START_IDS = "start-%s"


def answer_ids(question) -> str:
    return f"answer-{question.key}-%s"


def reply_ids(comment) -> str:
    return f"reply-{comment.pk}-%s"


def _cost(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_digits=14, decimal_places=2, initial=0,
        error_messages={"required": f"Enter the {label.lower()}, or 0.",
                        "invalid": f"{label} must be an amount in pounds, such as 25000.",
                        "min_value": f"{label} must be 0 or more.",
                        "max_digits": f"{label} must be less than £1 trillion.",
                        "max_decimal_places": f"{label} must be in pounds and pence."})


def _by_theme(rows, label) -> list:
    """Choices grouped by theme, in the themes' order, after an empty first choice."""
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.theme_name, []).append((str(row.pk), label(row)))
    return [("", "None"), *groups.items()]


class StartPlanForm(forms.Form):
    """A new plan: its title, the theme partnership that leads it, and the one outcome or
    indicator it is for. Whether the title is given and just one of the two is chosen is
    ``planning.start_plan``'s rule, so the form leaves both to it."""

    title = forms.CharField(label="Title", max_length=200, required=False, error_messages={
        "max_length": "The title must be 200 characters or fewer."})
    # Any theme partnership is accepted here: ``start_plan`` refuses one the person may not
    # start a plan for. Only those they may start for are offered.
    lead = forms.ModelChoiceField(
        label="Lead partnership", queryset=Body.objects.filter(kind__in=PLAN_LEADS),
        error_messages={"required": "Choose the partnership that leads the plan.",
                        "invalid_choice": "Choose a theme partnership to lead the plan."})
    outcome = forms.ModelChoiceField(
        label="Outcome", required=False, queryset=Outcome.objects.all(),
        error_messages={"invalid_choice": "Choose an outcome from the list."})
    indicator = forms.ModelChoiceField(
        label="Indicator", required=False, queryset=Indicator.objects.none(),
        error_messages={"invalid_choice": "Choose an indicator from the list."})

    #: The field each of ``start_plan``'s refusals is about, by a word in it.
    REFUSED = (("title", "title"), ("outcome", "outcome"), ("theme partnership", "lead"))

    def __init__(self, *args, person, leads, **kwargs):
        super().__init__(*args, auto_id=START_IDS, **kwargs)
        outcomes = Outcome.objects.visible_to(person).annotate(
            theme_name=models.F("theme__name")).order_by("theme__order", "order", "title")
        indicators = Indicator.objects.visible_to(person).annotate(
            theme_name=models.F("outcome__theme__name")).order_by(
            "outcome__theme__order", "code")
        self.fields["lead"].choices = [(str(body.pk), body.name) for body in leads]
        if len(leads) == 1:
            self.fields["lead"].initial = str(leads[0].pk)
        self.fields["outcome"].queryset = outcomes
        self.fields["outcome"].choices = _by_theme(outcomes, lambda o: o.title)
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].choices = _by_theme(indicators, lambda i: f"{i.code} {i.title}")

    def refuse(self, refused) -> None:
        """Show each of ``start_plan``'s refusals by the field it is about."""
        for message in refused.messages:
            about = next((name for word, name in self.REFUSED if word in message.lower()), None)
            self.add_error(about, message)


class AnswerForm(forms.Form):
    text = forms.CharField(label="The answer", max_length=8000, widget=forms.Textarea(
        attrs={"rows": 4}), error_messages={"required": "Write the answer."})

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, auto_id=answer_ids(question), **kwargs)
        self.question = question
        self.fields["text"].label = question.text


class OptionForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of option", choices=Option.Kind.choices,
                             initial=Option.Kind.OTHER,
                             error_messages={"required": "Choose the kind of option."})
    title = forms.CharField(label="Option", max_length=200,
                            error_messages={"required": "Say what the option is."})
    capital_cost = _cost("Capital cost")
    revenue_cost = _cost("Revenue cost")
    expected_effect = forms.CharField(
        label="Expected effect", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what effect the option is expected to have."})
    risks = forms.CharField(label="Risks", required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id=OPTION_IDS, **kwargs)


class ChooseForm(forms.Form):
    option = forms.TypedChoiceField(label="The chosen option", coerce=int, choices=[],
                                    error_messages={"required": "Choose an option."})
    reason = forms.CharField(label="Why this option", max_length=4000, widget=forms.Textarea(
        attrs={"rows": 3}), error_messages={"required": "Say why the chosen option was chosen."})

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, auto_id=CHOOSE_IDS, **kwargs)
        self.fields["option"].choices = [(str(o.pk), o.title) for o in options]


class CommentForm(forms.Form):
    body = forms.TypedChoiceField(label="Commenting as", coerce=int, choices=[],
                                  error_messages={"required": "Choose the partnership that "
                                                              "comments."})
    kind = forms.ChoiceField(label="What the comment is on",
                             choices=ChallengeComment.Kind.choices,
                             error_messages={"required": "Choose what the comment is on."})
    text = forms.CharField(label="Comment", max_length=4000, widget=forms.Textarea(
        attrs={"rows": 4}), error_messages={"required": "Write the comment."})

    def __init__(self, *args, bodies=(), **kwargs):
        super().__init__(*args, auto_id=COMMENT_IDS, **kwargs)
        self.fields["body"].choices = [(str(b.pk), b.name) for b in bodies]
        if len(bodies) == 1:
            self.fields["body"].initial = str(bodies[0].pk)


class ReplyForm(forms.Form):
    answer = forms.CharField(label="Your answer", max_length=4000, widget=forms.Textarea(
        attrs={"rows": 3}), error_messages={"required": "Write the answer."})

    def __init__(self, *args, comment, **kwargs):
        super().__init__(*args, auto_id=reply_ids(comment), **kwargs)
        self.comment = comment
        self.fields["answer"].label = f"Your answer to {comment.body}"


class MoveForm(forms.Form):
    """The buttons that move the plan on; it has no field, only the refusals."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id=MOVE_IDS, **kwargs)
