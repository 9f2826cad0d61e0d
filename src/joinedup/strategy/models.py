"""A Sustainable Community Strategy or Local Area Agreement, down to its indicators."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from joinedup.common.periods import PeriodFields
from joinedup.common.querysets import RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded
from joinedup.strategy.querysets import (
    IndicatorChildQuerySet,
    IndicatorQuerySet,
    MilestoneQuerySet,
    StrategyQuerySet,
)


class Strategy(ChangeRecorded):
    class Kind(models.TextChoices):
        SCS = "scs", "Sustainable Community Strategy"
        LAA = "laa", "Local Area Agreement"
        OTHER = "other", "Other plan"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts = models.DateField()
    ends = models.DateField()
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="strategies",
        help_text="The place the strategy covers.",
    )
    comparators = models.ManyToManyField(
        "places.Area", blank=True, related_name="compared_in",
        help_text="Places the partnership compares itself with, such as statistical neighbours "
        "and England.",
    )
    vision = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="districts",
        help_text="In a two-tier area: the county strategy this district strategy feeds.",
    )
    body = models.ForeignKey(
        "partnership.Body", null=True, blank=True, on_delete=models.PROTECT,
        related_name="strategies",
        help_text="The partnership that owns the strategy, such as a district partnership.",
    )

    objects = StrategyQuerySet.as_manager()

    class Meta:
        ordering = ["-starts", "name"]
        verbose_name_plural = "strategies"

    def __str__(self):
        return self.name

    @property
    def is_district(self) -> bool:
        return self.parent_id is not None


class Theme(ChangeRecorded):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    cross_cutting = models.BooleanField(
        default=False, help_text="A theme every partnership body must take into account."
    )
    body = models.ForeignKey(
        "partnership.Body", null=True, blank=True, on_delete=models.PROTECT,
        related_name="themes", help_text="The theme partnership that owns delivery.",
    )
    summary = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("strategy:theme", args=[self.slug])


class Outcome(ChangeRecorded):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="outcomes")
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["theme", "order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "title"], name="outcome_title_unique_in_theme")
        ]

    def __str__(self):
        return self.title


class Polarity(models.TextChoices):
    UP = "up", "Higher is better"
    DOWN = "down", "Lower is better"
    NONE = "none", "No judgement"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PARTNERS = "partners", "Partners only"
    RESTRICTED = "restricted", "Restricted to named organisations"


GAP_LEVELS = [("locality", "localities"), ("ward", "wards"), ("lsoa", "LSOAs")]
GAP_MEASURES = [("quintile_gap", "Most deprived fifth − the rest"),
                ("sii", "Slope index of inequality")]


class Indicator(ChangeRecorded):
    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ANNUAL = "annual", "Annual"
        ROLLING = "rolling", "Annual, pooled over several years"
        ONE_OFF = "one_off", "Occasional"

    class Kind(models.TextChoices):
        NATIONAL = "national", "National"
        LOCAL = "local", "Local"
        STATUTORY = "statutory", "Statutory"

    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(max_length=30, unique=True, help_text="For example NI 56 or HW 03.")
    slug = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=250)
    definition = models.TextField()
    unit = models.CharField(max_length=80, help_text="For example %, per 100,000, years or £.")
    decimals = models.PositiveSmallIntegerField(default=1)
    allows_negative = models.BooleanField(
        default=False, help_text="Whether a value below zero can be right, as for a net change."
    )
    polarity = models.CharField(max_length=4, choices=Polarity.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    source = models.CharField(max_length=250)
    source_url = models.URLField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    owner = models.ForeignKey(
        "partnership.Organisation", on_delete=models.PROTECT, related_name="owned_indicators",
        help_text="The partner that supplies the figures.",
    )
    lead_body = models.ForeignKey(
        "partnership.Body", null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_indicators",
    )
    area_levels = models.JSONField(
        default=list, blank=True, help_text="The area levels the indicator is measured at."
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    gap_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="gap_indicators",
        help_text="For an indicator that tracks a gap: the indicator whose gap between areas "
        "it measures. Its figures are computed at each assessment, never entered.",
    )
    gap_level = models.CharField(max_length=10, blank=True, choices=GAP_LEVELS)
    gap_measure = models.CharField(max_length=15, blank=True, choices=GAP_MEASURES)
    contributes_to = models.ForeignKey(
        Outcome, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="contributions",
        help_text="In a two-tier area: the county outcome this district indicator rolls up to.",
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("strategy:indicator", args=[self.slug])

    @property
    def theme(self) -> Theme:
        return self.outcome.theme

    def area_level_names(self) -> list[str]:
        from joinedup.places.models import Level

        return [Level(level).label.lower() for level in self.area_levels if level in Level.values]

    @property
    def tracks_gap(self) -> bool:
        return self.gap_of_id is not None

    def clean(self):
        super().clean()
        if not self.gap_of_id:
            return
        problems = {}
        if not self.gap_level:
            problems["gap_level"] = "Say between which areas the gap is measured."
        if not self.gap_measure:
            problems["gap_measure"] = "Say which measure of the gap is tracked."
        if self.gap_of.gap_of_id:
            problems["gap_of"] = "A gap is tracked on an indicator's own figures, not on a gap."
        if self.polarity != Polarity.DOWN:
            problems["polarity"] = "A gap's size is better smaller: its polarity is lower is better."
        if problems:
            raise ValidationError(problems)



class Target(ChangeRecorded, PeriodFields):
    """What the partnership has agreed to reach for one indicator in one place by a period."""

    class Kind(models.TextChoices):
        LAA_NEGOTIATED = "laa", "LAA negotiated"
        REWARD = "reward", "LAA reward"
        LOCAL = "local", "Local"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    area = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="targets")
    value = models.FloatField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LOCAL)
    baseline_period = models.CharField(max_length=40, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    tolerance = models.FloatField(
        null=True, blank=True,
        help_text="How far short still counts as amber, in the indicator's unit. "
        "Leave empty for the default of 5% of the target.",
    )
    reward_grant = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="Reward grant at stake, in pounds.",
    )
    illustrative = models.BooleanField(
        default=False, help_text="Invented for a demonstration, not agreed by anyone."
    )

    objects = IndicatorChildQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "area", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period_start", "period_end"],
                name="one_target_per_indicator_area_period",
            )
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.area}: {self.value} by {self.period}"


class Milestone(ChangeRecorded, PeriodFields):
    """A point on the trajectory towards a target."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="milestones")
    value = models.FloatField()

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["target", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period_start", "period_end"], name="one_milestone_per_period"
            )
        ]

    def __str__(self):
        return f"{self.target.indicator.code} milestone {self.value} at {self.period}"


class PathwayAction(ChangeRecorded):
    """A dated action on the pathway towards an outcome: a milestone of a delivery plan,
    a step of a remedial plan, or what delivers a risk's control. Overdue while not
    complete (or dropped) after its due date."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        COMPLETE = "complete", "Complete"
        DROPPED = "dropped", "Dropped"

    FINISHED = ("complete", "dropped")

    outcome = models.ForeignKey(Outcome, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="actions")
    title = models.CharField(max_length=250)
    lead = models.ForeignKey(
        "partnership.Organisation", on_delete=models.PROTECT, related_name="pathway_actions",
        help_text="The partner that delivers it.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="actions_owned")
    due = models.DateField()
    illustrative = models.BooleanField(
        default=False, help_text="Invented to show how the system works, not published.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent complete.")
    note = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["outcome", "due", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="progress_at_most_100"
            )
        ]

    def __str__(self):
        return self.title

    def overdue_on(self, day) -> bool:
        return self.due < day and self.status not in self.FINISHED


class ProgressNote(ChangeRecorded):
    """What happened on an action, in its owner's words."""

    action = models.ForeignKey(PathwayAction, on_delete=models.CASCADE, related_name="notes")
    note = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    written_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["action", "-written_at", "-pk"]

    def __str__(self):
        return f"{self.action}: {self.note[:60]}"


# Delivery plans are kept in their own module; importing them here registers them.
from joinedup.strategy.delivery import (  # noqa: E402, F401
    ChallengeComment,
    DeliveryPlan,
    Option,
    PlanAnswer,
    PlanQuestion,
)
