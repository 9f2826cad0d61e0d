"""The forms people decide with: one decision for the chosen exceptions, and commentary.

The forms check what a person can put right on the page (a missing note, a date that is
not a date, a plan owner who cannot own a plan for one of the chosen exceptions) and name
the exception and the field; ``decisions`` then checks the rest and saves all or nothing.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from joinedup.core.periods import PeriodError, parse_period
from joinedup.exceptions import decisions
from joinedup.exceptions.models import IndicatorException, TriageDecision
from joinedup.exceptions.pages import exception_name
from joinedup.partnership.models import Person

Decision = IndicatorException.Decision

DECISION_HINTS = {
    Decision.ANOMALY: "The flagged figures go back to their owner to check and correct. "
                      "It never reaches the Board.",
    Decision.PERFORMANCE: "The theme partnership or area forum deals with it, with a "
                          "remedial plan.",
    Decision.ESCALATE: "It may need a change of strategy or resources, or a partner's action, "
                       "so the Board decides.",
}


class TriageForm(forms.Form):
    exception = forms.ModelMultipleChoiceField(
        queryset=IndicatorException.objects.none(),
        error_messages={"required": "Choose at least one exception to decide on.",
                        "invalid_choice": "Exception %(value)s is closed or no longer there: "
                                          "refresh the page.",
                        "invalid_pk_value": "Choose exceptions from the list."})
    decision = forms.ChoiceField(
        choices=Decision.choices,
        error_messages={"required": "Choose a decision: data anomaly, performance issue or "
                                    "escalate to the Board."})
    note = forms.CharField(
        label="Why", max_length=4000,
        error_messages={"required": "Write a note saying why, for the record."})
    recommendation = forms.CharField(label="Recommendation to the Board", required=False,
                                     max_length=4000)
    board_asked_for = forms.ChoiceField(
        label="What the Board is asked to decide", required=False,
        choices=[("", "")] + TriageDecision.BoardAsk.choices)
    owner = forms.ModelChoiceField(
        label="Plan owner", required=False, queryset=None,
        error_messages={"invalid_choice": "Choose the plan owner from the list."})
    actions = forms.CharField(label="Actions", required=False, max_length=4000)
    due_day = forms.CharField(required=False, max_length=2)
    due_month = forms.CharField(required=False, max_length=2)
    due_year = forms.CharField(required=False, max_length=4)
    review_period = forms.CharField(label="Review period", required=False, max_length=40)

    def __init__(self, data=None, *, decidable, today: dt.date | None = None):
        super().__init__(data)
        self.fields["exception"].queryset = decidable.select_related("indicator", "layer",
                                                                     "indicator__owner")
        # Any active person may be chosen; whether they may own the plan of each chosen
        # exception is checked against that exception (``_check_owner``).
        self.fields["owner"].queryset = Person.objects.filter(is_active=True)
        self.today = today or dt.date.today()

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == Decision.ESCALATE:
            self._require("recommendation", "Write the recommendation to the Board.")
            self._require("board_asked_for", "Choose what the Board is asked to decide.")
        if decision == Decision.PERFORMANCE:
            self._require("owner", "Choose who owns the remedial plan.")
            data["due"] = self._due()
            if not (data.get("actions") or "").strip():
                self.add_error("actions", "Write at least one action, one a line.")
            self._check_review_period(data)
            self._check_owner(data)
        return data

    def _require(self, name: str, message: str):
        if not self.cleaned_data.get(name) and name not in self.errors:
            self.add_error(name, message)

    def _due(self) -> dt.date | None:
        parts = [(self.cleaned_data.get(f"due_{p}") or "").strip()
                 for p in ("day", "month", "year")]
        if not any(parts):
            self.add_error("due_day", "Enter the date the actions are due.")
            return None
        if not all(p.isdigit() for p in parts):
            self.add_error("due_day", "The due date must be a day, month and year in "
                                      "numbers, like 31 3 2027.")
            return None
        try:
            due = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.add_error("due_day", "The due date must be a real date.")
            return None
        if due < self.today:
            self.add_error("due_day", "The due date must be today or in the future.")
            return None
        return due

    def _check_review_period(self, data):
        label = (data.get("review_period") or "").strip()
        if label:
            try:
                data["review_period"] = parse_period(label).label
            except PeriodError:
                self.add_error("review_period", f"{label} is not a period: write it like "
                                                "2018/19, 2019 or 2019/20 Q2.")

    def _check_owner(self, data):
        owner, chosen = data.get("owner"), data.get("exception") or []
        if owner is None:
            return
        # Those who may write an exception's commentary are those who may own its plan.
        may_own = decisions.commenting(owner)
        unfit = [e for e in chosen if not may_own(e)]
        for exception in unfit:
            self.add_error("owner", f"{exception_name(exception)}: {owner} cannot own its "
                                    f"plan; choose someone on {exception.layer}, at "
                                    f"{exception.indicator.owner.display_name}, or the "
                                    "partnership officer.")

    def plan(self) -> decisions.PlanDetails | None:
        data = self.cleaned_data
        if data["decision"] != Decision.PERFORMANCE:
            return None
        return decisions.PlanDetails(
            owner=data["owner"], due=data["due"], review_period=data.get("review_period", ""),
            actions=[line for line in data["actions"].splitlines() if line.strip()])

    def save(self, user) -> list[TriageDecision]:
        """Take the decision for every chosen exception (all or none); raises
        ``decisions.DecisionRefused``."""
        data = self.cleaned_data
        return decisions.triage(
            [e.pk for e in data["exception"]], user, data["decision"], data["note"],
            recommendation=data.get("recommendation", ""),
            board_asked_for=data.get("board_asked_for", ""), plan=self.plan())

    def chosen_names(self) -> str:
        """The chosen exceptions, as the error summary names them."""
        chosen = self.cleaned_data.get("exception") if hasattr(self, "cleaned_data") else None
        if not chosen:
            return ""
        names = [exception_name(e) for e in chosen]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def chosen_ids(self) -> set[str]:
        return set(self.data.getlist("exception")) if self.is_bound else set()


class CommentaryForm(forms.Form):
    what_happened = forms.CharField(
        label="What happened", max_length=4000,
        error_messages={"required": "Say what happened."})
    why = forms.CharField(
        label="Why: the story behind the curve", max_length=4000,
        error_messages={"required": "Say why it happened: the story behind the curve."})
    what_is_being_done = forms.CharField(
        label="What is being done", max_length=4000,
        error_messages={"required": "Say what is being done about it."})
