"""Collection rounds: a period, a deadline, and the returns each partner owes for it."""

from __future__ import annotations

import datetime as dt

from django.db import models


from joinedup.common.periods import PeriodFields
from joinedup.common.querysets import (
    RestrictedQuerySet,
    partner_organisation_id,
    sees_everything,
)
from joinedup.history.recording import ChangeRecorded
from joinedup.strategy.querysets import IndicatorChildQuerySet


class CollectionRoundQuerySet(RestrictedQuerySet):
    def visible_to(self, user):
        """Rounds are partnership business: signed-in people see them, the public does not."""
        return self if user and user.is_authenticated else self.none()

    def open_on(self, day: dt.date):
        return self.filter(opens__lte=day, closed=False)


class CollectionRound(ChangeRecorded, PeriodFields):
    """One quarter's (or year's) call for figures.

    ``period`` is the reporting period the round is named after; each expected return
    names the period its figure is for, which for an annual indicator may differ.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    opens = models.DateField()
    deadline = models.DateField(help_text="The last day on which a return is on time.")
    remind_days_before = models.PositiveSmallIntegerField(
        default=7, help_text="Reminders go out this many days before the deadline."
    )
    closed = models.BooleanField(
        default=False, help_text="A closed round takes no more figures through its form."
    )
    instructions = models.TextField(blank=True)

    objects = CollectionRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-deadline", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("returns:round", args=[self.slug])

    def is_past_deadline(self, today: dt.date) -> bool:
        return today > self.deadline


class ExpectedReturnQuerySet(IndicatorChildQuerySet):
    def visible_to(self, user):
        if not (user and user.is_authenticated):
            return self.none()
        return super().visible_to(user)

    def owed_by(self, user):
        """The returns ``user`` is asked to send: their organisation's (all, for officers)."""
        if sees_everything(user):
            return self
        organisation = partner_organisation_id(user)
        return self.filter(owner_id=organisation) if organisation else self.none()


class ExpectedReturn(ChangeRecorded, PeriodFields):
    """A figure a round expects: indicator × area × period, owed by one organisation."""

    collection_round = models.ForeignKey(
        CollectionRound, on_delete=models.CASCADE, related_name="expected"
    )
    indicator = models.ForeignKey(
        "strategy.Indicator", on_delete=models.CASCADE, related_name="expected_returns"
    )
    area = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        "partnership.Organisation", on_delete=models.PROTECT, related_name="expected_returns"
    )

    objects = ExpectedReturnQuerySet.as_manager()

    class Meta:
        ordering = ["collection_round", "owner", "indicator", "area", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection_round", "indicator", "area", "period_start", "period_end"],
                name="one_expected_return_per_round_series_period",
            )
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.area.code} {self.period}"


class ReminderSent(models.Model):
    """One reminder e-mail to one person for one round, so a cron job never sends twice."""

    class Kind(models.TextChoices):
        BEFORE = "before", "Before the deadline"
        MISSED = "missed", "Deadline missed"

    collection_round = models.ForeignKey(
        CollectionRound, on_delete=models.CASCADE, related_name="reminders"
    )
    person = models.ForeignKey("partnership.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField()
    outstanding = models.PositiveIntegerField(help_text="Returns outstanding when it was sent.")

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection_round", "person", "kind"], name="one_reminder_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} reminder to {self.person} for {self.collection_round}"



