"""The strategy in the administration: every change to it says why (see ``history.admin``)."""

from django.contrib import admin

from joinedup.history.admin import ChangeWithReasonMixin
from joinedup.strategy.delivery import PlanQuestion
from joinedup.strategy.models import (
    Indicator,
    Milestone,
    Outcome,
    PathwayAction,
    Strategy,
    Target,
    Theme,
)


@admin.register(Strategy)
class StrategyAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "starts", "ends", "area"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["area", "comparators"]


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0


@admin.register(Theme)
class ThemeAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "strategy", "cross_cutting", "body", "order"]
    list_filter = ["strategy", "cross_cutting"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OutcomeInline]


@admin.register(Outcome)
class OutcomeAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["title", "theme", "order"]
    list_filter = ["theme"]
    search_fields = ["title"]


@admin.register(Indicator)
class IndicatorAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["code", "title", "polarity", "frequency", "owner", "visibility"]
    list_filter = ["visibility", "polarity", "kind", "frequency", "owner", "outcome__theme"]
    search_fields = ["code", "title", "definition"]
    prepopulated_fields = {"slug": ["code"]}
    autocomplete_fields = ["outcome", "owner", "lead_body"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["period", "value"]


@admin.register(Target)
class TargetAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["indicator", "area", "period", "value", "kind", "illustrative"]
    list_filter = ["kind", "illustrative"]
    search_fields = ["indicator__code", "indicator__title"]
    autocomplete_fields = ["indicator", "area"]
    inlines = [MilestoneInline]


@admin.register(PathwayAction)
class PathwayActionAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["title", "outcome", "lead", "due", "status", "progress"]
    list_filter = ["status", "lead"]
    search_fields = ["title"]


@admin.register(PlanQuestion)
class PlanQuestionAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    """The five stages' questions: the partnership may reword them or add its own."""

    list_display = ["stage", "order", "text", "generated"]
    list_filter = ["stage", "generated"]
