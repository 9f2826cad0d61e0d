"""The 7S self-assessment: rounds, the questions each round asked, members' scores, the
partnership's own questions, and the actions agreed from the results.

A round keeps its own copy of the questionnaire as it stood when the round opened (the
shipped questions and the partnership's own), so a later change to the questionnaire
never changes what a past round asked or how its results read. Every change is recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from joinedup.common.querysets import RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded
from joinedup.reviews.questionnaire import load_questionnaire
from joinedup.reviews.querysets import (
    AgreedActionQuerySet,
    ResponseQuerySet,
    RoundChildQuerySet,
    RoundQuerySet,
    ScoreQuerySet,
)

#: The seven elements, in the model's order, by their names in the questionnaire.
ELEMENT_CHOICES = [(element.key, element.name) for element in load_questionnaire().elements]


class OwnQuestion(ChangeRecorded):
    """A question the partnership asks itself beyond the shipped questionnaire; the next
    round to open asks it after its element's shipped questions."""

    code = models.SlugField(max_length=60, unique=True,
                            help_text="Starts with 'own-', such as 'own-1'.")
    element = models.CharField(max_length=20, choices=ELEMENT_CHOICES)
    text = models.CharField(max_length=500, help_text="Ends with a question mark.")
    retired = models.BooleanField(default=False,
                                  help_text="No longer asked in new rounds.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["element", "code"]

    def __str__(self):
        return f"{self.code}: {self.text}"


class SelfAssessmentRound(ChangeRecorded):
    """One round of the partnership's 7S self-assessment, scored by the members of the
    Board and the management group."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for scoring"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200, unique=True)
    strategy = models.ForeignKey(
        "strategy.Strategy", null=True, blank=True, on_delete=models.PROTECT,
        related_name="self_assessments",
        help_text="The strategy whose partnership assesses itself.")
    opens = models.DateField()
    closes = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    score_labels = models.JSONField(
        default=list, help_text="The words for the scores 1 to 5 when the round opened.")

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opens", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(closes__gte=models.F("opens")),
                                              name="round_closes_after_it_opens")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reviews:results", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def label_of(self, score: int) -> str:
        return self.score_labels[score - 1] if 1 <= score <= len(self.score_labels) else ""


class RoundQuestion(ChangeRecorded):
    """A question as a round asked it: its code, element and words then."""

    round = models.ForeignKey(SelfAssessmentRound, on_delete=models.CASCADE,
                              related_name="questions")
    code = models.CharField(max_length=60)
    element = models.CharField(max_length=20, choices=ELEMENT_CHOICES)
    element_name = models.CharField(max_length=60)
    text = models.CharField(max_length=500)
    sources = models.CharField(max_length=500, blank=True,
                               help_text="The case studies it is quoted from.")
    order = models.PositiveSmallIntegerField()

    objects = RoundChildQuerySet.as_manager()

    class Meta:
        ordering = ["round", "order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="one_question_code_a_round"),
        ]

    def __str__(self):
        return f"{self.code}: {self.text}"

    @property
    def is_own(self) -> bool:
        return self.code.startswith("own-")


class Response(ChangeRecorded):
    """One member's scores in a round: a draft until they submit it. Only submitted
    responses count in the results."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    round = models.ForeignKey(SelfAssessmentRound, on_delete=models.CASCADE,
                              related_name="responses")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="self_assessments")
    organisation = models.ForeignKey(
        "partnership.Organisation", on_delete=models.PROTECT, related_name="+",
        help_text="The partner the member represents on the Board or management group; "
                  "its sector is theirs in the results.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["round", "person"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="one_response_a_member"),
        ]

    def __str__(self):
        return f"{self.person} in {self.round}"


class Score(ChangeRecorded):
    """A member's score for one question of a round, with their comment and evidence."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scores")
    question = models.ForeignKey(RoundQuestion, on_delete=models.CASCADE,
                                 related_name="scores")
    value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 to 5; empty in a draft not yet scored.")
    comment = models.TextField(blank=True)
    evidence = models.JSONField(
        default=list, blank=True,
        help_text="Links to the evidence: web addresses, or pages of JoinedUp such as "
                  "/bodies/gsp-board/packs/.")

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["response", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"],
                                    name="one_score_a_question_a_member"),
            models.CheckConstraint(condition=models.Q(value__isnull=True)
                                   | models.Q(value__gte=1, value__lte=5),
                                   name="score_from_1_to_5"),
        ]

    def __str__(self):
        return f"{self.question.code}: {self.value or '–'} ({self.response.person})"


class AgreedAction(ChangeRecorded):
    """An action the partnership agreed from a round's results, answering one element,
    kept as a pathway action so it is followed up with every other."""

    round = models.ForeignKey(SelfAssessmentRound, on_delete=models.CASCADE,
                              related_name="agreed_actions")
    element = models.CharField(max_length=20, choices=ELEMENT_CHOICES)
    action = models.OneToOneField("strategy.PathwayAction", on_delete=models.CASCADE,
                                  related_name="self_assessment")
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    agreed_at = models.DateTimeField()

    objects = AgreedActionQuerySet.as_manager()

    class Meta:
        ordering = ["round", "element", "action__due"]

    def __str__(self):
        return f"{self.action} ({self.round}, {self.element})"
