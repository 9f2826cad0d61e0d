from django.contrib import admin

from joinedup.returns.models import DataValue


@admin.register(DataValue)
class DataValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "area", "period", "value", "state", "updated_at"]
    list_filter = ["state", "indicator__outcome__theme"]
    search_fields = ["indicator__code", "indicator__title", "area__name", "area__code"]
    autocomplete_fields = ["indicator", "area"]
    readonly_fields = ["period_start", "period_end", "submitted_by", "submitted_at",
                       "approved_by", "approved_at", "version", "updated_at"]
