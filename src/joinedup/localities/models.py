"""Places: the outcomes area forums choose, the priorities residents raise, and the
multi-agency operations that act on them.

- **AreaPriority**: one of the five or six outcomes of the partnership's strategy an area
  forum chose as mattering in its area, with the reason (Gateshead's forums were invited
  to "take the new LAA and look at which five or six outcomes would have a specific
  resonance in their area"). The rules for choosing live in ``choosing``.
- **ResidentPriority**: an issue residents raised in one area, from a survey, a
  consultation or a forum meeting, with how many raised it and, for a survey, how many
  answered. Ranked per area in ``core.priorities``.
- **Operation**: a multi-agency operation such as Operation Goldfinch, with its target
  neighbourhoods, dates, the issues residents raised, each agency's commitment, an action
  plan of pathway actions, a follow-up date, and the indicator its impact is measured on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from joinedup.history.recording import ChangeRecorded
from joinedup.localities.querysets import OperationQuerySet, OperationPartQuerySet
from joinedup.common.querysets import RestrictedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class AreaPriority(ChangeRecorded):
    forum = models.ForeignKey("partnership.Body", on_delete=models.CASCADE,
                              related_name="chosen_outcomes",
                              limit_choices_to={"kind": "area_forum"})
    outcome = models.ForeignKey("strategy.Outcome", on_delete=models.PROTECT,
                                related_name="forum_choices")
    reason = models.TextField(help_text="Why the outcome matters in the forum's area.")
    order = models.PositiveSmallIntegerField(default=0)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    chosen_at = models.DateTimeField()
    illustrative = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["forum__order", "order", "pk"]
        verbose_name_plural = "area priorities"
        constraints = [models.UniqueConstraint(fields=["forum", "outcome"],
                                               name="a_forum_chooses_an_outcome_once")]

    def __str__(self):
        return f"{self.forum}: {self.outcome}"


class ResidentPriority(ChangeRecorded):
    class Source(models.TextChoices):
        SURVEY = "survey", "Survey"
        CONSULTATION = "consultation", "Consultation"
        FORUM_MEETING = "forum_meeting", "Raised at a forum meeting"

    area = models.ForeignKey("places.Area", on_delete=models.PROTECT,
                             related_name="resident_priorities")
    issue = models.CharField(max_length=200, help_text="The issue, as residents put it.")
    source = models.CharField(max_length=14, choices=Source.choices)
    consultation = models.CharField(
        max_length=200, help_text="Which survey, consultation or meeting: for example "
                                  "“Place Survey 2008” or “East Area Forum, 12 March 2009”.")
    collected_on = models.DateField()
    count = models.PositiveIntegerField(help_text="How many residents raised it.")
    sample_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="For a survey: how many in the area answered.")
    meeting = models.ForeignKey("partnership.Meeting", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="resident_priorities")
    outcomes = models.ManyToManyField("strategy.Outcome", blank=True,
                                      related_name="resident_priorities")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    illustrative = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["area__code", "consultation", "-count", "issue"]
        verbose_name_plural = "resident priorities"
        constraints = [
            models.UniqueConstraint(fields=["area", "consultation", "issue"],
                                    name="an_issue_once_per_area_and_consultation"),
            models.CheckConstraint(
                condition=models.Q(sample_size__isnull=True)
                | models.Q(sample_size__gte=models.F("count")),
                name="no_more_raised_than_answered"),
        ]

    def __str__(self):
        return f"{self.area}: {self.issue} ({self.consultation})"


class Operation(ChangeRecorded):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    lead = models.ForeignKey("partnership.Body", on_delete=models.PROTECT,
                             related_name="operations",
                             help_text="The partnership body that leads it.")
    summary = models.TextField(blank=True)
    starts = models.DateField()
    ends = models.DateField()
    follow_up = models.DateField(help_text="When the partners look again, so that the "
                                           "improvement lasts.")
    target_areas = models.ManyToManyField("places.Area", related_name="operations",
                                          help_text="The neighbourhoods (LSOAs or wards).")
    issues = models.ManyToManyField(ResidentPriority, blank=True, related_name="operations",
                                    help_text="The issues residents raised.")
    outcomes = models.ManyToManyField("strategy.Outcome", blank=True,
                                      related_name="operations")
    actions = models.ManyToManyField("strategy.PathwayAction", blank=True,
                                     related_name="operations",
                                     help_text="The action plan left behind.")
    measured_by = models.ForeignKey(
        "strategy.Indicator", null=True, blank=True, on_delete=models.PROTECT,
        related_name="operations", help_text="The monthly count its impact is measured on.")
    restricted = models.BooleanField(
        default=False, help_text="Seen only by the lead body's members and the officer, for "
                                 "an operation whose plans must not leak before it starts.")
    illustrative = models.BooleanField(default=False)

    objects = OperationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts", "title"]
        constraints = [models.CheckConstraint(condition=models.Q(ends__gte=models.F("starts")),
                                              name="an_operation_ends_after_it_starts"),
                       models.CheckConstraint(
                           condition=models.Q(follow_up__gte=models.F("ends")),
                           name="the_follow_up_comes_after_the_end")]

    def __str__(self):
        return self.title


class Commitment(ChangeRecorded):
    """What one agency commits to an operation: officers' days, cash and help in kind."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE,
                                  related_name="commitments")
    partner = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                                related_name="operation_commitments")
    officer_days = models.DecimalField(max_digits=8, decimal_places=1, default=0,
                                       validators=[MinValueValidator(0)])
    cash = models.DecimalField(default=0, validators=[MinValueValidator(0)], **MONEY)
    in_kind = models.CharField(max_length=250, blank=True,
                               help_text="For example: two vans, a venue for the week.")
    in_kind_value = models.DecimalField(default=0, validators=[MinValueValidator(0)],
                                        **MONEY)
    budget_line = models.ForeignKey(
        "resources.BudgetLine", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="operation_commitments",
        help_text="The budget line the cash or help in kind is recorded in.")

    objects = OperationPartQuerySet.as_manager()

    class Meta:
        ordering = ["operation", "partner__name"]
        constraints = [models.UniqueConstraint(fields=["operation", "partner"],
                                               name="one_commitment_per_partner")]

    def __str__(self):
        return f"{self.partner} to {self.operation}"
