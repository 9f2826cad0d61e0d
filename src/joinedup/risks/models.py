"""The risk register: risks to the partnership's outcomes, their scores on the 5×5 matrix,
the controls that justify them, and the likelihoods the forecasts propose.

The scales (the words for each likelihood and impact), the bands of scores, the bounds of
P(miss) that read a likelihood from a forecast, and the appetite for each category of risk
are the partnership's data, with the defaults of ``core.risk`` (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from joinedup.common.querysets import RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded
from joinedup.risks.querysets import RiskChildQuerySet, RiskQuerySet

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


def level(help_text: str = "", **options) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(validators=ONE_TO_FIVE, help_text=help_text,
                                            **options)


class Likelihood(ChangeRecorded):
    """One step of the likelihood scale, and the least P(miss) that reads as it."""

    level = level(unique=True)
    word = models.CharField(max_length=40)
    description = models.CharField(max_length=250, blank=True)
    p_miss_from = models.FloatField(
        unique=True, validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="A forecast chance of missing the target at least this high proposes "
                  "this likelihood (the lowest level starts at 0).")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["level"]
        verbose_name_plural = "likelihood scale"

    def __str__(self):
        return f"{self.level} {self.word}"


class Impact(ChangeRecorded):
    """One step of the impact scale."""

    level = level(unique=True)
    word = models.CharField(max_length=40)
    description = models.CharField(max_length=250, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["level"]
        verbose_name_plural = "impact scale"

    def __str__(self):
        return f"{self.level} {self.word}"


class Band(ChangeRecorded):
    """A band of scores (L × I): low, moderate, high, extreme."""

    name = models.CharField(max_length=40, unique=True)
    lowest = models.PositiveSmallIntegerField(validators=[MinValueValidator(1),
                                                          MaxValueValidator(25)])
    highest = models.PositiveSmallIntegerField(validators=[MinValueValidator(1),
                                                           MaxValueValidator(25)])
    colour = models.CharField(max_length=12, help_text="green, yellow, orange or red")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["lowest"]

    def __str__(self):
        return f"{self.name} ({self.lowest}–{self.highest})"


class Category(ChangeRecorded):
    """A kind of risk, with the partnership's appetite for it: the highest current score
    it will accept without more action."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    appetite = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(25)],
        help_text="The highest current score accepted for risks of this kind.")
    description = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Risk(ChangeRecorded):
    """A risk to the partnership's outcomes: what could happen, why, and to what effect."""

    title = models.CharField(max_length=200)
    cause = models.TextField(help_text="Because of …")
    effect = models.TextField(help_text="… leading to …")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="risks")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="risks_owned")
    body = models.ForeignKey("partnership.Body", on_delete=models.PROTECT, related_name="risks",
                             help_text="The body whose register holds it: its owner's layer.")
    restricted = models.BooleanField(
        default=False, help_text="Seen only by the body's members, the owner and the "
                                 "partnership officer.")
    outcomes = models.ManyToManyField("strategy.Outcome", blank=True, related_name="risks")
    indicators = models.ManyToManyField("strategy.Indicator", blank=True, related_name="risks")
    targets = models.ManyToManyField("strategy.Target", blank=True, related_name="risks")
    pools = models.ManyToManyField("resources.PooledBudget", blank=True, related_name="risks")
    driving_target = models.ForeignKey(
        "strategy.Target", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="driven_risks",
        help_text="The target whose forecast proposes this risk's likelihood.")
    inherent_likelihood = level("Before any control.")
    inherent_impact = level("Before any control.")
    likelihood = level("Now, with the controls in place.")
    impact = level("Now, with the controls in place.")
    target_likelihood = level("Once the planned mitigations are done.")
    target_impact = level("Once the planned mitigations are done.")
    review_date = models.DateField()
    illustrative = models.BooleanField(
        default=False, help_text="Invented to show how the system works, not published.")

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-likelihood", "-impact", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("risks:risk", args=[self.pk])

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def target_score(self) -> int:
        return self.target_likelihood * self.target_impact

    def clean(self):
        super().clean()
        if None in (self.inherent_likelihood, self.inherent_impact, self.likelihood,
                    self.impact, self.target_likelihood, self.target_impact):
            return
        if self.score > self.inherent_score:
            raise ValidationError("The current score cannot be above the inherent score: "
                                  "controls do not make a risk worse.")
        if self.target_score > self.score:
            raise ValidationError("The target score cannot be above the current score.")


class Control(ChangeRecorded):
    """What keeps a risk down (a control in place) or will bring it down (a mitigation),
    delivered by actions. A control is in place when it has actions and all are complete."""

    class Kind(models.TextChoices):
        CONTROL = "control", "Control"
        MITIGATION = "mitigation", "Mitigation"

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="controls")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CONTROL)
    description = models.CharField(max_length=300)
    actions = models.ManyToManyField("strategy.PathwayAction", blank=True,
                                     related_name="controls")

    objects = RiskChildQuerySet.as_manager()

    class Meta:
        ordering = ["risk", "kind", "pk"]

    def __str__(self):
        return self.description


class Score(ChangeRecorded):
    """A risk's current score as recorded, with why: the history a Board Assurance
    Framework shows quarter by quarter."""

    class Source(models.TextChoices):
        OWNER = "owner", "Scored by its owner"
        PROPOSAL_ACCEPTED = "accepted", "Forecast proposal accepted"
        PROPOSAL_OVERRIDDEN = "overridden", "Forecast proposal overridden"
        OPENED = "opened", "Risk opened"

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="scores")
    likelihood = level()
    impact = level()
    quarter = models.CharField(max_length=12, help_text="The quarter it counts in: 2023/24 Q3.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OWNER)
    reason = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    objects = RiskChildQuerySet.as_manager()

    class Meta:
        ordering = ["risk", "-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.risk}: {self.likelihood} × {self.impact} ({self.quarter})"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class Proposal(ChangeRecorded):
    """A likelihood proposed from the forecast of the risk's target, for its owner to
    accept or override: an exception for the owner's layer until decided."""

    class State(models.TextChoices):
        OPEN = "open", "Awaiting the owner"
        ACCEPTED = "accepted", "Accepted"
        OVERRIDDEN = "overridden", "Overridden"
        SUPERSEDED = "superseded", "Superseded by a later proposal"

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="proposals")
    target = models.ForeignKey("strategy.Target", null=True, on_delete=models.SET_NULL,
                               related_name="+")
    recorded_likelihood = level("The likelihood on record when it was proposed.")
    proposed_likelihood = level()
    p_miss = models.FloatField()
    signal = models.BooleanField(default=False,
                                 help_text="The indicator had a special-cause signal.")
    source = models.CharField(max_length=250, help_text="P(miss) 0.72 for HW 02 target 2019/20")
    reason = models.CharField(max_length=120, help_text="Why it was proposed now.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    raised_at = models.DateTimeField()
    decided_likelihood = models.PositiveSmallIntegerField(null=True, blank=True,
                                                          validators=ONE_TO_FIVE)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RiskChildQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.risk}: likelihood {self.proposed_likelihood} proposed ({self.source})"
