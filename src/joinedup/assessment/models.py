"""Stored assessments: each run, the figures it produced, and the flags it raised."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.common.periods import PeriodFields
from joinedup.core.status import TARGET_KINDS
from joinedup.strategy.querysets import IndicatorChildQuerySet


class AssessmentRun(models.Model):
    class Scope(models.TextChoices):
        PARTNERSHIP = "partnership", "Whole partnership"
        INDICATOR = "indicator", "One indicator"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    indicator = models.ForeignKey("strategy.Indicator", null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="assessment_runs")
    as_at_period = models.CharField(
        max_length=40, blank=True,
        help_text="Only figures for periods ending by the end of this period were used.")
    parameters = models.JSONField(help_text="Every parameter the statistics used.")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    rows = models.PositiveIntegerField(default=0)
    flags_raised = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        what = self.indicator.code if self.indicator_id else "the partnership"
        return f"Assessment of {what} at {self.started_at:%Y-%m-%d %H:%M}"


class Assessment(PeriodFields):
    """The core's judgement of one figure: indicator × area × period."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results")
    indicator = models.ForeignKey("strategy.Indicator", on_delete=models.CASCADE,
                                  related_name="assessments")
    area = models.ForeignKey("places.Area", on_delete=models.CASCADE, related_name="assessments")
    value = models.FloatField(null=True)
    status = models.CharField(max_length=5)
    status_target = models.FloatField(null=True)
    status_target_period = models.CharField(max_length=40, blank=True)
    status_target_kind = models.CharField(
        max_length=9, blank=True, choices=[(kind, kind.capitalize()) for kind in TARGET_KINDS],
        help_text="Whether the figure was judged against a milestone or the target itself.")
    direction = models.CharField(max_length=10)
    direction_previous = models.CharField(max_length=10)
    direction_year = models.CharField(max_length=10)
    worsening_run = models.PositiveSmallIntegerField(default=0)
    spc_mean = models.FloatField(null=True)
    spc_lower = models.FloatField(null=True)
    spc_upper = models.FloatField(null=True)
    spc_lower_2sigma = models.FloatField(null=True)
    spc_upper_2sigma = models.FloatField(null=True)
    spc_signal = models.CharField(max_length=15)
    spc_side = models.CharField(max_length=5)
    variation = models.CharField(max_length=15)
    assurance = models.CharField(max_length=15)
    spc_trial_limits = models.BooleanField(default=False)
    outlier = models.BooleanField(default=False)
    outlier_score = models.FloatField(null=True)
    outlier_reason = models.CharField(max_length=80, blank=True)
    target = models.FloatField(null=True)
    is_latest = models.BooleanField(default=False, help_text="The series' latest figure.")
    forecast_period = models.CharField(max_length=40, blank=True)
    forecast = models.FloatField(null=True)
    forecast_lower80 = models.FloatField(null=True)
    forecast_upper80 = models.FloatField(null=True)
    forecast_lower95 = models.FloatField(null=True)
    forecast_upper95 = models.FloatField(null=True)
    p_meet_target = models.FloatField(null=True)
    forecast_method = models.CharField(max_length=10, blank=True)
    forecast_reason = models.CharField(max_length=120, blank=True)

    objects = IndicatorChildQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "area", "period_start", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "area", "period_start", "period_end"],
                                    name="one_assessment_per_figure"),
        ]
        indexes = [models.Index(fields=["indicator", "is_latest"])]

    def __str__(self):
        return f"{self.indicator_id} {self.area_id} {self.period}: {self.status}"


class Flag(PeriodFields):
    """An exception the assessment raised, kept open until a later run no longer raises it."""

    class Kind(models.TextChoices):
        RED = "red", "Red against target"
        CONCERN = "concern", "Special-cause concern"
        LIKELY_TO_MISS = "likely_to_miss", "Likely to miss the target"
        CONSISTENTLY_FAILS = "consistently_fails", "Will not meet the target as things are"
        OUTLIER = "outlier", "Unusual figure to confirm"
        MISSING = "missing", "Return missing"

    indicator = models.ForeignKey("strategy.Indicator", on_delete=models.CASCADE,
                                  related_name="flags")
    area = models.ForeignKey("places.Area", on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    first_run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="+")
    last_run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="flags")
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = IndicatorChildQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period_start", "period_end", "kind"],
                name="one_flag_per_kind_per_figure"),
        ]

    def __str__(self):
        return self.reason

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class Gap(PeriodFields):
    """The gap between the areas of one level for an indicator in one period."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="gaps")
    indicator = models.ForeignKey("strategy.Indicator", on_delete=models.CASCADE,
                                  related_name="gaps")
    level = models.CharField(max_length=40)
    areas = models.PositiveIntegerField()
    weighting = models.CharField(max_length=12, blank=True)
    minimum = models.FloatField(null=True)
    maximum = models.FloatField(null=True)
    range = models.FloatField(null=True)
    iqr_gap = models.FloatField(null=True)
    deprived_quintile_mean = models.FloatField(null=True)
    rest_mean = models.FloatField(null=True)
    quintile_gap = models.FloatField(null=True)
    sii = models.FloatField(null=True, verbose_name="slope index of inequality")
    reason = models.CharField(max_length=200, blank=True)

    objects = IndicatorChildQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "level", "period_start"]
        constraints = [models.UniqueConstraint(
            fields=["indicator", "level", "period_start", "period_end"],
            name="one_gap_per_indicator_level_period")]


class GapTrend(models.Model):
    """Whether one gap measure is narrowing, from its first period to its latest."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="gap_trends")
    indicator = models.ForeignKey("strategy.Indicator", on_delete=models.CASCADE,
                                  related_name="gap_trends")
    level = models.CharField(max_length=40)
    measure = models.CharField(max_length=15)
    baseline_period = models.CharField(max_length=40, blank=True)
    baseline_gap = models.FloatField(null=True)
    latest_period = models.CharField(max_length=40, blank=True)
    latest_gap = models.FloatField(null=True)
    narrowing = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    objects = IndicatorChildQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "level", "measure"]
