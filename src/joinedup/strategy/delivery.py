"""Delivery plans on Warwickshire's five-stage standard, with their option appraisal and
the challenge between theme partnerships.

A plan is for one outcome or one indicator, led by a theme partnership. Its five stages
ask questions that are the partnership's data (``PlanQuestion``): 1 priorities
understood, 2 current performance and trends, 3 where we are going (the forecast, and
whether the target will be met), 4 the interventions, 5 how they will be achieved, with
an appraisal of options. Answers to the questions marked generated (stages 2 and 3) are
written from the engine and the resources table, marked as such, and refreshed until the
plan is agreed. The rules for moving a plan on live in ``planning``.

Imported by ``strategy.models``, so Django finds these models with the rest of the app.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from joinedup.common.querysets import PartnersOnly, RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded

STAGES = {1: "Priorities understood", 2: "Current performance and trends",
          3: "Where we are going", 4: "The interventions", 5: "How they will be achieved"}


class PlanQuerySet(PartnersOnly, RestrictedQuerySet):
    """Plans are the partnership's own business: every partner signed in reads them (the
    challenge is between partnerships); no one signed out sees any."""


class PlanQuestion(ChangeRecorded):
    stage = models.PositiveSmallIntegerField(validators=[MinValueValidator(1),
                                                         MaxValueValidator(5)])
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60, unique=True)
    text = models.CharField(max_length=300)
    generated = models.BooleanField(
        default=False, help_text="Answered from the engine and the resources table, and "
                                 "refreshed until the plan is agreed.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["stage", "order", "pk"]

    def __str__(self):
        return f"Stage {self.stage}: {self.text}"


class DeliveryPlan(ChangeRecorded):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        CHALLENGE = "challenge", "Open to challenge"
        AGREED = "agreed", "Agreed"
        UNDER_REVIEW = "under_review", "Under review"

    title = models.CharField(max_length=200)
    outcome = models.ForeignKey("strategy.Outcome", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="delivery_plans")
    indicator = models.ForeignKey("strategy.Indicator", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="delivery_plans")
    lead = models.ForeignKey("partnership.Body", on_delete=models.PROTECT,
                             related_name="delivery_plans",
                             help_text="The theme partnership that leads the plan.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="delivery_plans")
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    choice_reason = models.TextField(blank=True, help_text="Why the chosen option.")
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    agreed_at = models.DateTimeField(null=True, blank=True)
    actions = models.ManyToManyField("strategy.PathwayAction", blank=True,
                                     related_name="delivery_plans")
    illustrative = models.BooleanField(default=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["lead__order", "title"]
        constraints = [models.CheckConstraint(
            condition=models.Q(outcome__isnull=False, indicator__isnull=True)
            | models.Q(outcome__isnull=True, indicator__isnull=False),
            name="a_plan_is_for_an_outcome_or_an_indicator")]

    def __str__(self):
        return self.title

    @property
    def strategy(self):
        """The strategy the plan delivers: a district's own, or the county's."""
        outcome = self.indicator.outcome if self.indicator_id else self.outcome
        return outcome.theme.strategy


class PlanAnswer(ChangeRecorded):
    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(PlanQuestion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    generated_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When it was written from the engine.")

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "question__stage", "question__order"]
        constraints = [models.UniqueConstraint(fields=["plan", "question"],
                                               name="one_answer_per_question")]

    def __str__(self):
        return f"{self.plan}: {self.question.key}"


class Option(ChangeRecorded):
    """One option on the plan's short list, with its costs, effect and risks."""

    class Kind(models.TextChoices):
        BUSINESS_AS_USUAL = "bau", "Business as usual"
        DO_MINIMUM = "do_minimum", "Do minimum"
        OTHER = "other", "Another option"

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="options")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=200)
    capital_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    revenue_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    expected_effect = models.TextField()
    risks = models.TextField(blank=True)
    chosen = models.BooleanField(default=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "kind", "pk"]

    def __str__(self):
        return self.title


class ChallengeComment(ChangeRecorded):
    """Another theme partnership's comment on a plan open to challenge, and the lead's
    answer."""

    class Kind(models.TextChoices):
        LINKAGE = "linkage", "A linkage"
        GAP = "gap", "A gap"
        CHANNEL = "channel", "An alternative delivery channel"

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="comments")
    body = models.ForeignKey("partnership.Body", on_delete=models.PROTECT, related_name="+",
                             help_text="The partnership that comments.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    written_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "written_at", "pk"]

    def __str__(self):
        return f"{self.body} on {self.plan}: {self.get_kind_display()}"
