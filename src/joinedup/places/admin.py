"""Areas in the administration: every change to them says why (see ``history.admin``)."""

from django.contrib import admin

from joinedup.history.admin import ChangeWithReasonMixin
from joinedup.places.models import Area


@admin.register(Area)
class AreaAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "imd_decile"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
