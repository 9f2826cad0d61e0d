"""The forms the partnership officer keeps the constitution and the charter with. They
check what a person can put right on the page; the rules themselves are in ``keeping``."""

from __future__ import annotations

import datetime as dt

from django import forms

from joinedup.constitution.models import CharterEntry
from joinedup.partnership.models import Organisation

LONG = {"max_length": 20000, "widget": forms.Textarea(attrs={"rows": 4})}


class VersionForm(forms.Form):
    text = forms.CharField(label="The new version", max_length=50000,
                           widget=forms.Textarea(attrs={"rows": 18}),
                           error_messages={"required": "Enter the document's text."})
    reason = forms.CharField(label="Why it is changed", **LONG,
                             error_messages={"required": "Say why the document is changed."})


def _themes():
    """The themes an entry may be limited to (the model the charter's field names)."""
    return CharterEntry._meta.get_field("theme").remote_field.model.objects.order_by(
        "strategy__name", "order", "name")


class EntryForm(forms.Form):
    provider = forms.ModelChoiceField(
        label="The partner that shares", queryset=Organisation.objects.all(),
        empty_label="Choose a partner",
        error_messages={"required": "Choose the partner that shares its data."})
    data = forms.ChoiceField(label="What it shares", choices=CharterEntry.Data.choices,
                             error_messages={"required": "Choose what is shared."})
    theme = forms.ModelChoiceField(label="Limited to a theme", queryset=None, required=False,
                                   empty_label="Every theme")
    recipient = forms.ModelChoiceField(label="Shared with", queryset=Organisation.objects.all(),
                                       required=False, empty_label="Every partner")
    purpose = forms.CharField(label="What it is shared for", **LONG,
                              error_messages={"required": "Say what the data is shared for."})
    agreed_by = forms.CharField(label="Agreed by", max_length=200, error_messages={
        "required": "Say who agreed it, such as the Board at its meeting of 12 May 2009."})
    starts_day = forms.CharField(required=False, max_length=2)
    starts_month = forms.CharField(required=False, max_length=2)
    starts_year = forms.CharField(required=False, max_length=4)
    reason = forms.CharField(label="Why the charter is changed", **LONG,
                             error_messages={"required": "Say why the charter is changed."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = _themes()

    def clean(self):
        cleaned = super().clean()
        cleaned["starts"] = self._starts()
        return cleaned

    def _starts(self) -> dt.date | None:
        given = [(self.cleaned_data.get(f"starts_{part}") or "").strip()
                 for part in ("day", "month", "year")]
        if not any(given):
            self.add_error("starts_day", "Enter the date the sharing starts")
            return None
        missing = [part for part, text in zip(("day", "month", "year"), given, strict=True)
                   if not text]
        if missing:
            self.add_error(f"starts_{missing[0]}",
                           f"The start date must include a {' and '.join(missing)}")
            return None
        try:
            day, month, year = (int(text) for text in given)
            if year < 1000:
                raise ValueError
            return dt.date(year, month, day)
        except ValueError:
            self.add_error("starts_day", "The start date must be a real date, such as 1 4 2009")
            return None


class EndForm(forms.Form):
    reason = forms.CharField(label="Why the entry is ended", **LONG,
                             error_messages={"required": "Say why the entry is ended."})
