"""The forms of the places pages: a forum's chosen outcomes, a file of residents'
priorities, and a priority raised at a forum meeting. The rules they lead to live in
``choosing`` and ``priorities``."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from joinedup.localities.priorities import save
from joinedup.places.models import Area

MAX_UPLOAD = 5 * 1024 * 1024


class ChooseOutcomesForm(forms.Form):
    """One tick box and one reason per outcome of the strategy."""

    def __init__(self, *args, outcomes=(), held=None, **kwargs):
        super().__init__(*args, **kwargs)
        held = held or {}
        self.outcomes = list(outcomes)
        for outcome in self.outcomes:
            self.fields[f"chosen_{outcome.pk}"] = forms.BooleanField(
                label=outcome.title, required=False, initial=outcome.pk in held)
            self.fields[f"reason_{outcome.pk}"] = forms.CharField(
                label=f"Why “{outcome.title}” matters in the area", required=False,
                max_length=2000, initial=held.get(outcome.pk, ""),
                widget=forms.Textarea(attrs={"rows": 2}))

    def rows(self):
        """(outcome, tick box, reason box) for the template, in the strategy's order."""
        return [(o, self[f"chosen_{o.pk}"], self[f"reason_{o.pk}"]) for o in self.outcomes]

    def choices(self) -> list[tuple]:
        return [(o, self.cleaned_data.get(f"reason_{o.pk}") or "") for o in self.outcomes
                if self.cleaned_data.get(f"chosen_{o.pk}")]


class PriorityFileForm(forms.Form):
    file = forms.FileField(label="A file of residents' priorities",
                           help_text="A CSV file or an Excel workbook, one issue per row.")

    def clean_file(self):
        sent = self.cleaned_data["file"]
        if sent.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 5 MB: send the results for "
                                        "fewer areas at a time.")
        return sent


class MeetingPriorityForm(forms.Form):
    """An issue residents raised at a forum meeting, entered by hand."""

    area = forms.ModelChoiceField(label="Area", queryset=Area.objects.none(),
                                  empty_label="Choose an area")
    issue = forms.CharField(label="The issue, as residents put it", max_length=200)
    consultation = forms.CharField(label="Which meeting",
                                   help_text="For example: East Area Forum, 12 March 2009.",
                                   max_length=200)
    collected_on = forms.DateField(label="Date of the meeting",
                                   help_text="For example: 2009-03-12.")
    count = forms.IntegerField(label="How many raised it", min_value=1)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()

    def clean_collected_on(self):
        day = self.cleaned_data["collected_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The meeting has not happened yet: give its date.")
        return day

    def save(self, person) -> int:
        data = self.cleaned_data
        return save([{"area_id": data["area"].pk, "issue": data["issue"].strip(),
                      "consultation": data["consultation"].strip(),
                      "collected_on": data["collected_on"], "count": data["count"],
                      "sample_size": None, "source": "forum_meeting"}],
                    person=person, reason="Raised at a forum meeting")
