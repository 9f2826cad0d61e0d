"""The forms a risk's owner keeps it with: its score, a decision on a proposed likelihood,
and a control linked to the actions that deliver it. The rules they lead to live in
``scoring``; the forms check what a person can put right on the page."""

from __future__ import annotations

from django import forms

from joinedup.risks.models import Control, Impact, Likelihood
from joinedup.strategy.models import PathwayAction


def _scale(model) -> list[tuple[int, str]]:
    return [(step.level, f"{step.level} {step.word}") for step in model.objects.all()]


class ScoreForm(forms.Form):
    likelihood = forms.TypedChoiceField(coerce=int, choices=[], label="Likelihood now",
                                        error_messages={"required": "Choose a likelihood."})
    impact = forms.TypedChoiceField(coerce=int, choices=[], label="Impact now",
                                    error_messages={"required": "Choose an impact."})
    reason = forms.CharField(label="Why this score", max_length=4000, widget=forms.Textarea(
        attrs={"rows": 3}), error_messages={"required": "Say why the score is what it is."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["likelihood"].choices = _scale(Likelihood)
        self.fields["impact"].choices = _scale(Impact)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision", choices=[("accept", "Accept the proposed likelihood"),
                                        ("override", "Override it")],
        error_messages={"required": "Choose whether to accept or override the proposal."})
    likelihood = forms.TypedChoiceField(
        coerce=int, required=False, choices=[], label="For an override: the likelihood to keep")
    reason = forms.CharField(label="Why", required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["likelihood"].choices = [("", "The likelihood on record"),
                                             *_scale(Likelihood)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "override" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why the forecast's likelihood is overridden.")
        return cleaned


class ControlForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=Control.Kind.choices, initial="control")
    description = forms.CharField(label="What it is", max_length=300, error_messages={
        "required": "Say what the control or mitigation is."})
    actions = forms.ModelMultipleChoiceField(
        label="The actions that deliver it", queryset=PathwayAction.objects.none(),
        widget=forms.CheckboxSelectMultiple, error_messages={
            "required": "Choose at least one action that delivers it."})

    def __init__(self, *args, actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actions"].queryset = actions if actions is not None else \
            PathwayAction.objects.none()
