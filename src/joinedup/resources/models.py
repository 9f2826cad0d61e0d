"""Partners' money: funding streams, budget lines with their quarterly actuals, resources
in kind, pooled budgets, the partnership's alignment criteria, and allocation scenarios.

Amounts are pounds and pence (``Decimal``). A budget line is one partner's money from one
stream for one theme (and, optionally, one outcome) in one area and one financial year,
held singly, aligned with partners' money, or pooled. Where a partner knew only a larger
area's total and spread it by a base, the line says how (``apportioned_by``), and every
page that shows the figure says so too.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from joinedup.history.recording import ChangeRecorded
from joinedup.resources.querysets import PartnershipMoneyQuerySet, SpendQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}
FINANCIAL_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def validate_financial_year(label: str) -> None:
    match = FINANCIAL_YEAR.match(label or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValidationError(f"“{label}” is not a financial year: write it as 2009/10.")


class SpendKind(models.TextChoices):
    REVENUE = "revenue", "Revenue"
    CAPITAL = "capital", "Capital"


class Arrangement(models.TextChoices):
    SINGLE = "single", "Single"
    ALIGNED = "aligned", "Aligned"
    POOLED = "pooled", "Pooled"


class FundingStream(ChangeRecorded):
    """Where money comes from: a partner's mainstream budget, a grant, external funding."""

    class Kind(models.TextChoices):
        MAINSTREAM = "mainstream", "Mainstream"
        AREA_BASED_GRANT = "area_based_grant", "Area Based Grant"
        LAA_REWARD_GRANT = "laa_reward_grant", "LAA reward grant"
        SPECIFIC_GRANT = "specific_grant", "Specific grant"
        EXTERNAL = "external", "External funding"
        LOTTERY = "lottery", "Lottery"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    partner = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                                related_name="funding_streams",
                                help_text="The partner whose money it is, or who holds it.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    spend_kind = models.CharField(max_length=8, choices=SpendKind.choices,
                                  default=SpendKind.REVENUE)
    source = models.CharField(max_length=250, blank=True,
                              help_text="The publication or decision the amounts come from.")

    objects = PartnershipMoneyQuerySet.as_manager()

    class Meta:
        ordering = ["partner__name", "name"]

    def __str__(self):
        return self.name


class PooledBudget(ChangeRecorded):
    """Money that partners put into one budget, held by a host partner under a legal
    agreement (such as section 75 of the NHS Act 2006), to serve named outcomes."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    host = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                             related_name="hosted_pools")
    legal_basis = models.CharField(
        max_length=250, help_text="For example: section 75 agreement GSP/2009/02.")
    theme = models.ForeignKey("strategy.Theme", on_delete=models.PROTECT,
                              related_name="pooled_budgets")
    outcomes = models.ManyToManyField("strategy.Outcome", related_name="pooled_budgets")
    illustrative = models.BooleanField(default=False)

    objects = PartnershipMoneyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PoolContribution(ChangeRecorded):
    """What one partner puts into a pool in one financial year."""

    pool = models.ForeignKey(PooledBudget, on_delete=models.CASCADE,
                             related_name="contributions")
    partner = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                                related_name="pool_contributions")
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    amount = models.DecimalField(**MONEY)

    objects = PartnershipMoneyQuerySet.as_manager()

    class Meta:
        ordering = ["pool", "financial_year", "partner__name"]
        constraints = [models.UniqueConstraint(fields=["pool", "partner", "financial_year"],
                                               name="one_contribution_per_partner_year")]

    def __str__(self):
        return f"{self.partner} to {self.pool} {self.financial_year}"


#: What makes a budget line one line, in the order of its unique index: year, theme and
#: area first, the order in which pages look lines up.
LINE_KEY = ["financial_year", "theme", "area", "partner", "stream", "outcome", "arrangement"]


class BudgetLine(ChangeRecorded):
    """One partner's money from one stream for one theme, area and financial year."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"

    # A handful of partners share the table, so each has a large share of its lines and an
    # index on the partner alone would seldom be used; none is kept up on every line a
    # spend return writes.
    partner = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                                related_name="budget_lines", db_index=False)
    # Streams, themes, outcomes and pools are looked up from the line, seldom the other
    # way, so they carry no index to keep up on every line a spend return writes.
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT,
                               related_name="budget_lines", db_index=False)
    theme = models.ForeignKey("strategy.Theme", on_delete=models.PROTECT,
                              related_name="budget_lines", db_index=False)
    outcome = models.ForeignKey("strategy.Outcome", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="budget_lines",
                                db_index=False)
    # The line's key (below) is indexed by year, theme and area, so none of these needs an
    # index of its own.
    area = models.ForeignKey("places.Area", on_delete=models.PROTECT,
                             related_name="budget_lines", db_index=False)
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    arrangement = models.CharField(max_length=8, choices=Arrangement.choices,
                                   default=Arrangement.SINGLE)
    pool = models.ForeignKey(PooledBudget, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="budget_lines", db_index=False,
                             help_text="For pooled money: the pool it is spent from.")
    budget = models.DecimalField(**MONEY)
    actual_q1 = models.DecimalField(null=True, blank=True, **MONEY)
    actual_q2 = models.DecimalField(null=True, blank=True, **MONEY)
    actual_q3 = models.DecimalField(null=True, blank=True, **MONEY)
    actual_q4 = models.DecimalField(null=True, blank=True, **MONEY)
    apportioned_by = models.CharField(
        max_length=120, blank=True,
        help_text="How a larger area's total was spread to this area: population, need, or "
                  "an indicator's numerator. Empty when the partner knew this area's figure.")
    description = models.CharField(max_length=250, blank=True)
    illustrative = models.BooleanField(
        default=False, help_text="Invented to show how the system works, not published.")
    shared_with_partners = models.BooleanField(
        default=False, help_text="Every partner may see this line.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    # Who, not what: no constraint or index to keep up on every line an upload writes
    # (as for figures); the history keeps the person too.
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     db_index=False, db_constraint=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    db_index=False, db_constraint=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpendQuerySet.as_manager()

    QUARTERS = ("actual_q1", "actual_q2", "actual_q3", "actual_q4")

    class Meta:
        ordering = ["financial_year", "theme__order", "partner__name", "area__code"]
        # One index, unique, serves the key and the look-ups by year, theme and area alike.
        # A line with no outcome counts as outcome 0, so that two such lines with the same
        # key clash on every database (SQLite has no NULLS NOT DISTINCT).
        constraints = [models.UniqueConstraint(
            *(Coalesce(name, Value(0)) if name == "outcome" else F(name) for name in LINE_KEY),
            name="one_budget_line_per_key",
            violation_error_message="There is already a budget line for this year, theme, "
                                    "area, partner, stream, outcome and arrangement.")]

    def __str__(self):
        return f"{self.partner} {self.stream} {self.theme} {self.area} {self.financial_year}"

    def clean(self):
        super().clean()
        if (self.arrangement == Arrangement.POOLED) != (self.pool_id is not None):
            raise ValidationError({"pool": "A pooled line names its pool, and only a pooled "
                                           "line has one."})

    @property
    def actuals(self) -> list[Decimal | None]:
        return [getattr(self, q) for q in self.QUARTERS]

    @property
    def actual_to_date(self) -> Decimal:
        return sum((a for a in self.actuals if a is not None), Decimal("0"))


class InKindResource(ChangeRecorded):
    """Resources given in kind, such as officer days, priced at a stated rate and shown
    apart from cash."""

    partner = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                                related_name="resources_in_kind")
    theme = models.ForeignKey("strategy.Theme", on_delete=models.PROTECT,
                              related_name="resources_in_kind")
    outcome = models.ForeignKey("strategy.Outcome", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    description = models.CharField(max_length=250)
    unit = models.CharField(max_length=40, help_text="For example: officer day.")
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    rate = models.DecimalField(help_text="Pounds per unit.", **MONEY)
    illustrative = models.BooleanField(default=False)
    shared_with_partners = models.BooleanField(default=False)

    objects = SpendQuerySet.as_manager()

    class Meta:
        ordering = ["financial_year", "partner__name", "area__code"]
        verbose_name = "resource in kind"
        verbose_name_plural = "resources in kind"

    def __str__(self):
        return f"{self.quantity} {self.unit}s from {self.partner} ({self.financial_year})"

    @property
    def value(self) -> Decimal:
        return (self.quantity * self.rate).quantize(Decimal("0.01"))


class AlignmentCriterion(ChangeRecorded):
    """One test that aligned and pooled money must pass, kept as the partnership's data.

    The words are the partnership's own; ``evidence`` names what JoinedUp looks at
    to judge it, so that a line's result is computed rather than asserted.
    """

    class Evidence(models.TextChoices):
        CONTRIBUTES = "contributes", "It contributes to a named outcome or target"
        MONITORED = "monitored", "It is financially monitored: quarterly actuals arrive"
        REPORTS = "reports", "What it pays for reports performance: linked indicators " \
                             "have returns"

    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    explanation = models.TextField(blank=True)
    evidence = models.CharField(max_length=12, choices=Evidence.choices, unique=True)
    active = models.BooleanField(default=True)

    objects = PartnershipMoneyQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "alignment criteria"

    def __str__(self):
        return self.title


class AllocationScenario(ChangeRecorded):
    """A way of splitting a pot across areas, with its inputs and the amounts it gives.

    The amounts are worked out by ``core.allocation``; agreeing a scenario turns its
    amounts into budget lines.
    """

    class Basis(models.TextChoices):
        EQUAL = "equal", "Equal shares"
        POPULATION = "population", "By population"
        NEED = "need", "By need (population × need)"
        PREVIOUS = "previous", "As last year"
        AGREED = "agreed", "As agreed by the partnership"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"

    name = models.CharField(max_length=200)
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT,
                               related_name="allocation_scenarios")
    theme = models.ForeignKey("strategy.Theme", on_delete=models.PROTECT, related_name="+",
                              help_text="The theme the allocated money serves.")
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    pot = models.DecimalField(max_digits=14, decimal_places=0)
    basis = models.CharField(max_length=10, choices=Basis.choices)
    need_measure = models.CharField(max_length=200, blank=True,
                                    help_text="What need is: for example IMD 2019 score.")
    floor = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    ceiling = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    damping = models.FloatField(null=True, blank=True,
                                help_text="At most this fraction above or below last year.")
    state = models.CharField(max_length=6, choices=State.choices, default=State.DRAFT)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    agreed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    illustrative = models.BooleanField(default=False)

    objects = PartnershipMoneyQuerySet.as_manager()

    class Meta:
        ordering = ["financial_year", "name"]

    def __str__(self):
        return self.name

    @property
    def short_name(self) -> str:
        """The name without its pot's: "By need" of "Neighbourhood fund 2023/24: By need"."""
        return self.name.rsplit(": ", 1)[-1]


class ScenarioAmount(ChangeRecorded):
    scenario = models.ForeignKey(AllocationScenario, on_delete=models.CASCADE,
                                 related_name="amounts")
    area = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")
    population = models.PositiveIntegerField()
    need = models.FloatField()
    previous = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    weight = models.FloatField()
    allocation = models.DecimalField(max_digits=14, decimal_places=0)
    lower = models.DecimalField(max_digits=14, decimal_places=0)
    upper = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    bound = models.CharField(max_length=8)

    objects = PartnershipMoneyQuerySet.as_manager()

    class Meta:
        ordering = ["scenario", "area__code"]
        constraints = [models.UniqueConstraint(fields=["scenario", "area"],
                                               name="one_amount_per_scenario_area")]

    def __str__(self):
        return f"{self.area}: £{self.allocation:,}"
