"""Data values: one figure for one indicator, in one area, for one period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from joinedup.common.periods import PeriodFields
from joinedup.common.querysets import partner_organisation_id, sees_everything
from joinedup.history.recording import ChangeRecorded
from joinedup.strategy.querysets import IndicatorChildQuerySet


class DataValueQuerySet(IndicatorChildQuerySet):
    def visible_to(self, user):
        """Approved values of visible indicators; unapproved ones only to their owner.

        A figure still in draft, submitted or returned is the owner's working copy: the
        partnership officers see it, and so do people from the owning organisation. The
        theme lead also sees figures submitted for their approval.
        """
        visible = super().visible_to(user)
        if sees_everything(user):
            return visible
        organisation = partner_organisation_id(user)
        approved = Q(state=DataValue.State.APPROVED)
        if organisation is None:
            return visible.filter(approved)
        led = Q(state=DataValue.State.SUBMITTED) & _led_by(user)
        return visible.filter(approved | Q(indicator__owner_id=organisation) | led)

    def editable_by(self, user):
        """Figures ``user`` may enter, change and submit (see ``Indicator.sendable_by``)."""
        from joinedup.strategy.models import Indicator

        return self.filter(indicator__in=Indicator.objects.sendable_by(user).values("pk"))

    def approvable_by(self, user):
        """Figures ``user`` may approve or return: they lead the indicator's theme.

        A theme lead chairs (or vice-chairs) the body that owns the indicator's theme, or
        the indicator's lead body. Nobody approves a figure they submitted themselves.
        """
        if not (user and user.is_authenticated):
            return self.none()
        leads = self if user.is_superuser else self.filter(_led_by(user))
        return leads.exclude(submitted_by=user)


def _led_by(user) -> Q:
    """Figures of indicators whose theme (or lead body) ``user`` chairs or vice-chairs."""
    from joinedup.partnership.models import Membership

    chairs = Membership.objects.filter(
        person=user, role__in=[Membership.Role.CHAIR, Membership.Role.VICE_CHAIR]
    ).values("body_id")
    return Q(indicator__outcome__theme__body_id__in=chairs) | Q(indicator__lead_body_id__in=chairs)


class DataValue(ChangeRecorded, PeriodFields):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"

    # The composite indexes below lead with indicator and with area, so the foreign keys
    # need no index of their own: each index costs every bulk upload time. On PostgreSQL
    # their constraints are replaced by triggers (migration 0005): a constraint checks
    # every new row one by one, which costs a million-row upload more than writing it,
    # while uploads resolve every code against these tables inside their transaction. The
    # triggers keep what the constraint kept: no indicator or area is deleted while
    # figures refer to it.
    indicator = models.ForeignKey(
        "strategy.Indicator", on_delete=models.PROTECT, related_name="values", db_index=False
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="values", db_index=False
    )
    value = models.FloatField()
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    lower_ci = models.FloatField(
        null=True, blank=True, verbose_name="lower 95% confidence limit"
    )
    upper_ci = models.FloatField(
        null=True, blank=True, verbose_name="upper 95% confidence limit"
    )
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # Who sent and who approved are kept by Django (SET_NULL), not by database constraints,
    # whose per-row checks would cost a bulk upload more than the rest of its writing.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False, db_constraint=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False, db_constraint=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every change, so a stale edit can be refused."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = DataValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "area", "period_start", "period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period_start", "period_end"],
                name="one_value_per_indicator_area_period",
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True)
                | Q(denominator__isnull=True)
                | Q(numerator__lte=models.F("denominator")),
                name="numerator_not_above_denominator",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "indicator", "period_start"]),
            # The published figures of a series, read to judge each new figure against.
            models.Index(fields=["indicator", "area"], name="approved_figures",
                         condition=Q(state="approved")),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.area.name} {self.period}: {self.value}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("returns:value", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """An approved figure is locked: changing it needs a reason and a new approval."""
        return self.state == self.State.APPROVED
