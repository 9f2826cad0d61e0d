"""The site's forms, with the GOV.UK Design System's error wording: signing in, meetings
and their agendas, and the Board's minutes."""

from __future__ import annotations

import datetime as dt
import decimal
import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from joinedup.core.periods import PeriodError, financial_quarter, parse_period
from joinedup.exceptions.models import BoardDecision
from joinedup.partnership.models import AgendaSlot


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask your partnership officer.",
    }

    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={"required": "Enter your username"},
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


# ---------------------------------------------------------------------------------------
# Meetings and the Board's minutes
# ---------------------------------------------------------------------------------------
DATE_PARTS = ("day", "month", "year")


def _date_part(part: str) -> forms.CharField:
    """One of the day, month and year boxes in which the GOV.UK date input asks for a date;
    ``DatePartsMixin`` reads the three together."""
    return forms.CharField(required=False, max_length=4 if part == "year" else 2)


class DatePartsMixin:
    """Read a date from its day, month and year boxes, with the GOV.UK wording for errors.

    ``date_fields`` maps each date's name to (its label, whether it is required)."""

    date_fields: dict[str, tuple[str, bool]] = {}

    def date_from_parts(self, name: str) -> dt.date | None:
        label, required = self.date_fields[name]
        given = {part: self.cleaned_data.get(f"{name}_{part}") or "" for part in DATE_PARTS}
        if not any(given.values()):
            if required:
                self.add_error(f"{name}_day", f"Enter the {label.lower()}")
            return None
        missing = [part for part, text in given.items() if not text]
        if missing:
            self.add_error(f"{name}_{missing[0]}",
                           f"{label} must include a {' and '.join(missing)}")
            return None
        try:
            day, month, year = (int(given[part]) for part in DATE_PARTS)
            if year < 1000:
                raise ValueError
            return dt.date(year, month, day)
        except ValueError:
            self.add_error(f"{name}_day", f"{label} must be a real date, such as 27 3 2027")
            return None


class BoardMinuteForm(DatePartsMixin, forms.Form):
    """The Board's decision on one escalated exception, as its minute."""

    date_fields = {"due": ("Due date", False)}

    outcome = forms.ChoiceField(
        label="What the Board decided", choices=BoardDecision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the Board decided",
                        "invalid_choice": "Choose what the Board decided"})
    minute = forms.CharField(
        label="Minute", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the minute: what the Board decided"})
    partner = forms.ChoiceField(
        label="Partner who will act", required=False,
        error_messages={"invalid_choice": "Choose a partner from the list"})
    due_day, due_month, due_year = (_date_part(part) for part in DATE_PARTS)
    amount = forms.CharField(label="Amount to move, in pounds", required=False, max_length=20)

    def __init__(self, *args, partners, **kwargs):
        """``partners``: the organisations to choose from, read once for every form on a
        page."""
        super().__init__(*args, **kwargs)
        self.partners = {str(organisation.pk): organisation for organisation in partners}
        self.fields["partner"].choices = [("", "Choose a partner")] + [
            (pk, organisation.name) for pk, organisation in self.partners.items()]

    def clean_partner(self):
        return self.partners.get(self.cleaned_data.get("partner") or "")

    def clean_amount(self) -> decimal.Decimal | None:
        text = re.sub(r"[£,\s]", "", self.cleaned_data.get("amount") or "")
        if not text:
            return None
        try:
            amount = decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise forms.ValidationError("Enter the amount in pounds, such as 250000") from None
        if not amount.is_finite() or amount < 0 or amount >= 10 ** 12:
            raise forms.ValidationError("Enter an amount of pounds between 0 and "
                                        "999,999,999,999")
        return amount.quantize(decimal.Decimal("0.01"))

    def clean(self):
        cleaned = super().clean()
        cleaned["due"] = self.date_from_parts("due")
        return cleaned


def last_quarter(today: dt.date) -> str:
    """The financial quarter before the one ``today`` is in: what a meeting looks at."""
    return financial_quarter(today).shift(-1).label


class MeetingForm(DatePartsMixin, forms.Form):
    """A new meeting of a body: when, where, and the reporting period it looks at."""

    date_fields = {"date": ("Date of the meeting", True)}

    date_day, date_month, date_year = (_date_part(part) for part in DATE_PARTS)
    time = forms.CharField(
        label="Start time", max_length=5, initial="14:00",
        error_messages={"required": "Enter the start time, such as 14:00"})
    place = forms.CharField(label="Place", max_length=200, required=False)
    period = forms.CharField(
        label="Period it looks at", max_length=40, required=False,
        error_messages={"max_length": "The period must be 40 characters or fewer"})

    def clean_time(self) -> dt.time:
        text = self.cleaned_data["time"].strip().replace(".", ":")
        found = re.fullmatch(r"(\d{1,2}):?(\d{2})", text)
        if not found or int(found[1]) > 23 or int(found[2]) > 59:
            raise forms.ValidationError("Enter the start time as hours and minutes on the "
                                        "24-hour clock, such as 14:00")
        return dt.time(int(found[1]), int(found[2]))

    def clean_period(self) -> str:
        text = self.cleaned_data.get("period", "").strip()
        if not text:
            return ""
        try:
            return parse_period(text).label
        except PeriodError:
            raise forms.ValidationError(
                f"{text!r} is not a period: enter one such as 2026/27 Q2, 2026/27 or "
                "2026") from None

    def clean(self):
        cleaned = super().clean()
        day = self.date_from_parts("date")
        if day is not None and isinstance(cleaned.get("time"), dt.time):
            cleaned["starts"] = timezone.make_aware(dt.datetime.combine(day, cleaned["time"]))
        return cleaned


class AgendaNotesForm(forms.ModelForm):
    """What an agenda item covers, and any papers."""

    class Meta:
        model = AgendaSlot
        fields = ["notes"]
        labels = {"notes": "Notes"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 6})}


class GapTargetForm(forms.Form):
    """A target on the size of a gap between areas (``strategy.tracked_gaps.track_gap``)."""

    measure = forms.ChoiceField(
        label="Which measure of the gap",
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        choices=[("quintile_gap", "Most deprived fifth − the rest"),
                 ("sii", "Slope index of inequality")], initial="quintile_gap")
    value = forms.FloatField(
        label="Size of the gap to reach", min_value=0,
        error_messages={"required": "Enter the size of the gap to reach, zero or more.",
                        "invalid": "Enter the size of the gap as a number, such as 2.5.",
                        "min_value": "Enter the size of the gap to reach, zero or more."})
    period = forms.CharField(
        label="By when", max_length=40,
        error_messages={"required": "Enter a period such as 2026/27, 2026 or 2026 Q3."})
