"""Administration of returns: rounds are set up here; figures, files and reminders are
only looked at.

Figures change only through the returns workflow (the entry form, an upload, the API,
``joinedup import-values``), which checks each change, versions it, asks why where it
must, sends an approved figure back for approval, and records it. Uploads and reminder
records are evidence of what partners sent and what the partnership asked for. So the
administration shows all three but never lets anyone, superusers included, add, change
or delete them. Rounds and their expected returns say why they change
(see ``history.admin``).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from joinedup.history.admin import ChangeWithReasonMixin, ReadOnlyAdmin
from joinedup.returns.models import (
    CollectionRound,
    DataValue,
    ExpectedReturn,
    ReminderSent,
    Upload,
)


FIGURES_CHANGE_IN_RETURNS = (
    "Figures are only looked at here. They change through Returns: the figure's own page, "
    "the entry form of a round, an upload, the API or joinedup import-values, which check "
    "each change, keep its version and record who made it and why.")


@admin.register(DataValue)
class DataValueAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "area", "period", "value", "state", "updated_at"]
    list_filter = ["state", "indicator__outcome__theme"]
    search_fields = ["indicator__code", "indicator__title", "area__name", "area__code"]
    readonly_fields = ["changing_it", "period_start", "period_end", "submitted_by",
                       "submitted_at", "approved_by", "approved_at", "version", "updated_at"]

    def get_fields(self, request, obj=None):
        return ["changing_it", *(f for f in super().get_fields(request, obj)
                                 if f != "changing_it")]

    @admin.display(description="Changing this figure")
    def changing_it(self, obj):
        return format_html('{} <a href="{}">Open this figure in Returns</a>.',
                           FIGURES_CHANGE_IN_RETURNS, reverse("returns:value", args=[obj.pk]))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {"subtitle": FIGURES_CHANGE_IN_RETURNS, **(extra_context or {})})


class ExpectedReturnInline(admin.TabularInline):
    model = ExpectedReturn
    fields = ["indicator", "area", "period", "owner"]
    autocomplete_fields = ["indicator", "area", "owner"]
    extra = 1


@admin.register(CollectionRound)
class CollectionRoundAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "period", "opens", "deadline", "closed"]
    list_filter = ["closed"]
    search_fields = ["name", "slug", "period"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "period", "opens", "deadline", "remind_days_before", "closed",
              "instructions"]
    inlines = [ExpectedReturnInline]


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "actor", "collection_round", "received_at", "outcome", "rows"]
    list_filter = ["outcome", "collection_round"]
    search_fields = ["file_name", "actor", "sha256"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["person", "collection_round", "kind", "sent_at", "outstanding"]
    list_filter = ["kind", "collection_round"]
    search_fields = ["person__username", "person__email", "collection_round__name"]
