"""Resources in the administration.

Funding streams, pooled budgets and the alignment criteria are set up here, each change
with its reason (see ``history.admin``). Budget lines and allocation scenarios are only
looked at: lines change through the spend return (template, upload, approval) and
scenarios through the allocation page, which check every figure and keep its history.
"""

from django.contrib import admin

from joinedup.history.admin import ChangeWithReasonMixin, ReadOnlyAdmin
from joinedup.resources.models import (
    AlignmentCriterion,
    AllocationScenario,
    BudgetLine,
    FundingStream,
    InKindResource,
    PoolContribution,
    PooledBudget,
)


@admin.register(FundingStream)
class FundingStreamAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "partner", "kind", "spend_kind"]
    list_filter = ["kind", "spend_kind"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class ContributionInline(admin.TabularInline):
    model = PoolContribution
    extra = 1


@admin.register(PooledBudget)
class PooledBudgetAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "host", "legal_basis", "theme"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["outcomes"]
    inlines = [ContributionInline]


@admin.register(AlignmentCriterion)
class AlignmentCriterionAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["title", "evidence", "active", "order"]


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ["partner", "stream", "theme", "area", "financial_year", "arrangement",
                    "budget", "state"]
    list_filter = ["financial_year", "arrangement", "state", "theme"]
    search_fields = ["partner__name", "stream__name", "area__name", "area__code"]


@admin.register(InKindResource)
class InKindResourceAdmin(ReadOnlyAdmin):
    list_display = ["partner", "description", "area", "financial_year", "quantity", "rate"]


@admin.register(AllocationScenario)
class AllocationScenarioAdmin(ReadOnlyAdmin):
    list_display = ["name", "stream", "financial_year", "pot", "basis", "state"]
