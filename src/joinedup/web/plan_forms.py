"""The forms on a delivery plan's page: an answer to one of its questions, an option for the
short list, the choice among the options, a challenge comment and the lead's answer to it.

The rules they lead to live in ``strategy.planning``; the forms check what a person can put
right on the page."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from joinedup.strategy.delivery import ChallengeComment, Option

#: The forms of a plan's page share field names, so each has its own ids.
OPTION_IDS, CHOOSE_IDS, COMMENT_IDS, MOVE_IDS = "option-%s", "choose-%s", "comment-%s", "move-%s"


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


class AnswerForm(forms.Form):
    text = forms.CharField(label="Your answer", max_length=8000, widget=forms.Textarea(
        attrs={"rows": 4}), error_messages={"required": "Write the answer."})

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, auto_id=answer_ids(question), **kwargs)
        self.question = question
        self.fields["text"].label = f"Your answer to “{question.text}”"


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
