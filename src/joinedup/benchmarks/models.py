"""Statistical neighbours and the published figures each indicator is compared with.

A **neighbour set** is a kind of area compared with each other (every English district,
or every county and unitary authority), with the variables that describe them and the
weight of each. The partnership officer may change a weight, saying why; every change is
kept in the history, and the set's neighbours are computed again at once
(``benchmarks.neighbour_sets``). The variables and weights are open: anyone may read them.

A **comparison figure** is a published figure of an indicator for one area of a set, or
for England. Comparison figures are kept apart from the partnership's own returns: they
are never assessed and never raise a flag. Who may see them follows their indicator.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from joinedup.benchmarks.querysets import ComparisonFigureQuerySet
from joinedup.common.periods import PeriodFields
from joinedup.common.querysets import RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded

ENGLAND = "E92000001"


class NeighbourSet(ChangeRecorded):
    """Areas of one kind, compared with each other by their variables."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, help_text="For example English districts.")
    description = models.TextField(blank=True)
    area_word = models.CharField(
        max_length=60, help_text="What its areas are called in a sentence, in the plural: "
                                 "districts, upper-tier authorities.")
    k = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1)],
        help_text="How many nearest neighbours are listed for each area.")
    computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("benchmarks:neighbours", args=[self.slug])


class Variable(ChangeRecorded):
    """One variable of a set: what it is, where it comes from, and its weight."""

    neighbour_set = models.ForeignKey(NeighbourSet, on_delete=models.CASCADE,
                                      related_name="variables")
    name = models.CharField(max_length=60, help_text="The column name, such as imd_income.")
    order = models.PositiveSmallIntegerField(default=0)
    definition = models.TextField()
    source = models.TextField()
    date = models.CharField(max_length=40, blank=True, help_text="When the data are for.")
    weight = models.FloatField(
        default=1.0, validators=[MinValueValidator(0)],
        help_text="How much the variable counts, after it is standardised: 0 leaves it out.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["neighbour_set", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["neighbour_set", "name"],
                                               name="one_variable_of_a_name_per_set")]

    def __str__(self):
        return f"{self.name} ({self.neighbour_set.slug})"


class Member(models.Model):
    """An area of a set, with its value of every variable (``values``: name → number)."""

    neighbour_set = models.ForeignKey(NeighbourSet, on_delete=models.CASCADE,
                                      related_name="members")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    values = models.JSONField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["neighbour_set", "code"]
        constraints = [models.UniqueConstraint(fields=["neighbour_set", "code"],
                                               name="one_member_of_a_code_per_set")]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Neighbour(models.Model):
    """One of an area's nearest neighbours in a set, as last computed: rank 1 the nearest,
    distance rebased so the farthest pair of areas in the set is 1."""

    neighbour_set = models.ForeignKey(NeighbourSet, on_delete=models.CASCADE,
                                      related_name="neighbours")
    area = models.CharField(max_length=20)
    neighbour = models.CharField(max_length=20)
    rank = models.PositiveSmallIntegerField()
    distance = models.FloatField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["neighbour_set", "area", "rank"]
        constraints = [models.UniqueConstraint(fields=["neighbour_set", "area", "rank"],
                                               name="one_neighbour_per_rank")]

    def __str__(self):
        return f"{self.area} → {self.neighbour} ({self.rank})"


class ComparisonFigure(ChangeRecorded, PeriodFields):
    """A published figure of an indicator for one area of a neighbour set, or England."""

    indicator = models.ForeignKey("strategy.Indicator", on_delete=models.CASCADE,
                                  related_name="comparison_figures")
    neighbour_set = models.ForeignKey(NeighbourSet, on_delete=models.PROTECT,
                                      related_name="figures")
    area = models.CharField(max_length=20, help_text="The area's ONS code.")
    value = models.FloatField()
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=200)

    objects = ComparisonFigureQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "area", "period_start"]
        constraints = [models.UniqueConstraint(
            fields=["indicator", "area", "period_start", "period_end"],
            name="one_comparison_figure_per_area_and_period")]

    def __str__(self):
        return f"{self.indicator_id} {self.area} {self.period}: {self.value}"
