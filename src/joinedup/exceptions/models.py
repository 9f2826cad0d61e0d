"""Exceptions, and the decisions taken on them at each layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from joinedup.common.periods import PeriodFields
from joinedup.exceptions.querysets import (
    ActionQuerySet,
    BudgetExceptionQuerySet,
    DecisionQuerySet,
    ExceptionQuerySet,
)
from joinedup.history.recording import ChangeRecorded


class IndicatorException(PeriodFields):
    """One indicator in one period, for one layer: the flags someone must decide about.

    Its identity (indicator, layer, period) is stable across re-assessments of that
    period; its flags and state follow the latest assessment (see ``sync``).
    """

    class State(models.TextChoices):
        OPEN = "open", "Open"
        AWAITING_CORRECTION = "awaiting_correction", "Figures sent back for correction"
        CLOSED = "closed", "Closed: no longer flagged"

    class Decision(models.TextChoices):
        ANOMALY = "anomaly", "Data anomaly"
        PERFORMANCE = "performance", "Performance issue"
        ESCALATE = "escalate", "Escalated to the Board"

    indicator = models.ForeignKey("strategy.Indicator", on_delete=models.CASCADE,
                                  related_name="exceptions")
    layer = models.ForeignKey(
        "partnership.Body", on_delete=models.PROTECT, related_name="exceptions",
        help_text="The theme partnership that leads the indicator, or the area forum that "
                  "owns the area.")
    flags = models.ManyToManyField("assessment.Flag", related_name="exceptions")
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True,
                                help_text="The management group's current decision.")
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="recurrences",
        help_text="The same indicator's exception for this layer in an earlier period.")
    raised_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(
        default=0, help_text="Times the exception was flagged again after closing.")

    objects = ExceptionQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__code", "layer__order", "-period_start"]
        constraints = [models.UniqueConstraint(
            fields=["indicator", "layer", "period_start", "period_end"],
            name="one_exception_per_indicator_layer_period")]
        indexes = [models.Index(fields=["state", "decision"])]

    def __str__(self):
        return f"{self.indicator.code} {self.period} ({self.layer})"

    def get_absolute_url(self):
        return reverse("exceptions:exception", args=[self.pk])


class Commentary(ChangeRecorded):
    """The owner's story behind the curve: what happened, why, and what is being done."""

    exception = models.OneToOneField(IndicatorException, on_delete=models.CASCADE,
                                     related_name="commentary")
    what_happened = models.TextField()
    why = models.TextField(help_text="The story behind the curve.")
    what_is_being_done = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    written_at = models.DateTimeField()

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "commentaries"

    def __str__(self):
        return f"Commentary on {self.exception}"


class TriageDecision(ChangeRecorded):
    """The management group's decision on an exception. A new decision replaces the
    current one, which is kept."""

    class BoardAsk(models.TextChoices):
        STRATEGY = "strategy", "A change of strategy"
        RESOURCES = "resources", "A move of resources"
        PARTNER_ACTION = "partner_action", "An action by a partner"

    exception = models.ForeignKey(IndicatorException, on_delete=models.CASCADE,
                                  related_name="decisions")
    decision = models.CharField(max_length=12, choices=IndicatorException.Decision.choices)
    note = models.TextField(help_text="Why: for an anomaly, what the owner must check.")
    recommendation = models.TextField(blank=True,
                                      help_text="For an escalation: what the Board should do.")
    board_asked_for = models.CharField(max_length=16, choices=BoardAsk.choices, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField()
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    figures_returned = models.PositiveIntegerField(
        default=0, help_text="For an anomaly: how many figures went back to their owners.")

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["exception", "-decided_at", "-pk"]

    def __str__(self):
        return f"{self.get_decision_display()}: {self.exception}"


class RemedialPlan(ChangeRecorded):
    """What the theme partnership will do about a performance issue, and when it will look
    again. The baseline is the figure the plan started from, so later periods show whether
    it is working."""

    exception = models.ForeignKey(IndicatorException, on_delete=models.CASCADE,
                                  related_name="plans")
    decision = models.OneToOneField(TriageDecision, on_delete=models.CASCADE,
                                    related_name="plan")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="remedial_plans")
    summary = models.TextField()
    review_period = models.CharField(max_length=40,
                                     help_text="The period whose figure shows if it worked.")
    area = models.ForeignKey("places.Area", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="The area the baseline is for.")
    baseline_period = models.CharField(max_length=40, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_p_meet_target = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField()

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Remedial plan for {self.exception}"


class RemedialAction(ChangeRecorded):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        UNDER_WAY = "under_way", "Under way"
        DONE = "done", "Done"

    plan = models.ForeignKey(RemedialPlan, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=300)
    lead = models.ForeignKey("partnership.Organisation", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "due", "pk"]

    def __str__(self):
        return self.action


class BoardDecision(ChangeRecorded):
    """The Board's decision on an escalated exception: its minute."""

    class Outcome(models.TextChoices):
        NOTED = "noted", "Noted"
        ACTION_AGREED = "action_agreed", "Action agreed with a partner"
        MOVE_RESOURCES = "move_resources", "Resources to be moved"
        CHANGE_STRATEGY = "change_strategy", "Strategy to change"

    exception = models.ForeignKey(IndicatorException, on_delete=models.CASCADE,
                                  related_name="board_decisions")
    meeting = models.ForeignKey("partnership.Meeting", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="board_decisions")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    minute = models.TextField()
    partner = models.ForeignKey("partnership.Organisation", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                help_text="For an agreed action: the partner who will act.")
    due = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                 help_text="For resources to be moved: how much, in pounds.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["exception", "-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.exception}"


class BudgetException(ChangeRecorded):
    """Money someone must decide about: a partner's budget for a theme forecast to
    overspend or underspend beyond the tolerance, or its aligned or pooled lines failing
    one of the partnership's alignment criteria. Raised and closed by ``budget.sync``;
    decided by the management group like any exception, and escalated ones reach the
    Board's finance slot. Every decision is kept in the history."""

    class Kind(models.TextChoices):
        OVERSPEND = "overspend", "Forecast overspend"
        UNDERSPEND = "underspend", "Forecast underspend"
        CRITERION = "criterion", "Fails an alignment criterion"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed: no longer flagged"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    partner = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                                related_name="budget_exceptions")
    stream = models.ForeignKey("resources.FundingStream", on_delete=models.PROTECT,
                               related_name="exceptions")
    theme = models.ForeignKey("strategy.Theme", on_delete=models.PROTECT,
                              related_name="budget_exceptions")
    criterion = models.ForeignKey("resources.AlignmentCriterion", null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="exceptions")
    financial_year = models.CharField(max_length=7)
    as_at_quarter = models.PositiveSmallIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0, help_text="Budget lines concerned.")
    budget = models.DecimalField(max_digits=14, decimal_places=2)
    forecast_outturn = models.DecimalField(max_digits=14, decimal_places=2, null=True,
                                           blank=True)
    state = models.CharField(max_length=6, choices=State.choices, default=State.OPEN)
    decision = models.CharField(max_length=12, choices=IndicatorException.Decision.choices,
                                blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = BudgetExceptionQuerySet.as_manager()

    class Meta:
        ordering = ["-financial_year", "state", "kind", "theme__order", "partner__name"]
        # An exception with no criterion counts as criterion 0, so that the key holds on
        # every database (SQLite has no NULLS NOT DISTINCT).
        constraints = [models.UniqueConstraint(
            "kind", "partner", "stream", "theme", Coalesce("criterion", Value(0)),
            "financial_year", name="one_budget_exception_per_key",
            violation_error_message="This budget exception is already held.")]

    def __str__(self):
        what = self.criterion.title if self.criterion_id else self.get_kind_display()
        return f"{self.partner}, {self.theme}, {self.financial_year}: {what}"

    @property
    def variance(self):
        if self.forecast_outturn is None:
            return None
        return self.forecast_outturn - self.budget
