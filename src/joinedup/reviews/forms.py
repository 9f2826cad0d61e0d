"""The forms of the self-assessment: a member's scores for every question of a round, and
the partnership officer's action agreed from the results. The rules they lead to live in
``scoring``; the forms check what a person can put right on the page, and keep every
answer given when there is something to put right."""

from __future__ import annotations

import datetime as dt

from django import forms

from joinedup.partnership.models import Organisation
from joinedup.reviews.scoring import MAX_COMMENT, Answer, answer_problems, links_from_text

EVIDENCE_HINT = ("One link a line: a page of JoinedUp, such as /bodies/gsp-board/packs/ for "
                 "the Board's packs or /resources/lines/ for the spend lines, or a web "
                 "address starting https://.")


class ScoresForm(forms.Form):
    """One score (1 to 5), comment and evidence for each question of ``round_``: fields
    ``score-CODE``, ``comment-CODE`` and ``evidence-CODE``."""

    def __init__(self, *args, round_, initial_scores=None, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.round = round_
        self.questions = list(round_.questions.all())
        choices = [(value, f"{value} {label}")
                   for value, label in enumerate(round_.score_labels, start=1)]
        for question in self.questions:
            code = question.code
            kept = (initial_scores or {}).get(code)
            self.fields[f"score-{code}"] = forms.TypedChoiceField(
                label=question.text, choices=choices, coerce=int, required=False,
                initial=kept.value if kept else None,
                error_messages={"invalid_choice": f"Choose a score from 1 to 5 for {code}."})
            self.fields[f"comment-{code}"] = forms.CharField(
                label="Comment", required=False, max_length=MAX_COMMENT,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=kept.comment if kept else "",
                error_messages={"max_length": f"The comment on {code} must be {MAX_COMMENT} "
                                              "characters or fewer."})
            self.fields[f"evidence-{code}"] = forms.CharField(
                label="Evidence", required=False, max_length=6000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial="\n".join(kept.evidence) if kept else "")

    def elements(self) -> list[dict]:
        """The questions grouped by element, each with its three bound fields."""
        grouped: dict[str, dict] = {}
        for question in self.questions:
            element = grouped.setdefault(question.element, {
                "key": question.element, "name": question.element_name, "questions": []})
            element["questions"].append({
                "question": question, "score": self[f"score-{question.code}"],
                "comment": self[f"comment-{question.code}"],
                "evidence": self[f"evidence-{question.code}"]})
        return list(grouped.values())

    def clean(self):
        """Check the evidence here too, so every problem on the page shows at once."""
        cleaned = super().clean()
        answers = {q.code: Answer(value=None, evidence=tuple(links_from_text(
            cleaned.get(f"evidence-{q.code}") or ""))) for q in self.questions}
        self.add_problems({name: messages for name, messages in
                           answer_problems(self.round, answers).items()
                           if name.startswith("evidence-")})
        return cleaned

    def answers(self) -> dict[str, Answer]:
        data = self.cleaned_data
        return {q.code: Answer(value=data.get(f"score-{q.code}") or None,
                               comment=data.get(f"comment-{q.code}", ""),
                               evidence=tuple(links_from_text(
                                   data.get(f"evidence-{q.code}", ""))))
                for q in self.questions}

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for name, messages in problems.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class AgreeActionForm(forms.Form):
    """An action the partnership agreed from the results, for the element it answers."""

    element = forms.ChoiceField(label="The element it answers", error_messages={
        "required": "Choose the element the action answers.",
        "invalid_choice": "Choose the element the action answers."})
    title = forms.CharField(label="The action", max_length=250, error_messages={
        "required": "Say what the action is.",
        "max_length": "Say what the action is in 250 characters or fewer."})
    lead = forms.ModelChoiceField(
        label="The partner that delivers it", queryset=Organisation.objects.all(),
        empty_label="Choose a partner", error_messages={
            "required": "Choose the partner that delivers it.",
            "invalid_choice": "Choose the partner that delivers it."})
    due_day = forms.CharField(required=False, max_length=2)
    due_month = forms.CharField(required=False, max_length=2)
    due_year = forms.CharField(required=False, max_length=4)

    def __init__(self, *args, elements, **kwargs):
        kwargs.setdefault("auto_id", "agree-%s")
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = [("", "Choose an element"), *elements]

    def clean(self):
        cleaned = super().clean()
        parts = [(cleaned.get(f"due_{p}") or "").strip() for p in ("day", "month", "year")]
        if not any(parts):
            self.add_error("due_day", "Enter the date the action is due.")
            return cleaned
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            cleaned["due"] = dt.date(year, month, day)
        except ValueError:
            self.add_error("due_day", "The due date must be a real date, such as 31 3 2027.")
        return cleaned
