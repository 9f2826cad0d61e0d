"""Administration of returns: rounds are set up here; files and reminders are only looked at.

Uploads and reminder records are evidence of what partners sent and what the partnership
asked for, so the administration shows them but never lets anyone change or delete them.
"""

from django.contrib import admin

from joinedup.returns.models import (
    CollectionRound,
    DataValue,
    ExpectedReturn,
    ReminderSent,
    Upload,
)


@admin.register(DataValue)
class DataValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "area", "period", "value", "state", "updated_at"]
    list_filter = ["state", "indicator__outcome__theme"]
    search_fields = ["indicator__code", "indicator__title", "area__name", "area__code"]
    autocomplete_fields = ["indicator", "area"]
    readonly_fields = ["period_start", "period_end", "submitted_by", "submitted_at",
                       "approved_by", "approved_at", "version", "updated_at"]


class ExpectedReturnInline(admin.TabularInline):
    model = ExpectedReturn
    fields = ["indicator", "area", "period", "owner"]
    autocomplete_fields = ["indicator", "area", "owner"]
    extra = 1


@admin.register(CollectionRound)
class CollectionRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "period", "opens", "deadline", "closed"]
    list_filter = ["closed"]
    search_fields = ["name", "slug", "period"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "period", "opens", "deadline", "remind_days_before", "closed",
              "instructions"]
    inlines = [ExpectedReturnInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed: these rows are the record of what happened."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
