"""API tokens in the administration: see who holds which, revoke them, or make one.

A token is shown once, in the message after it is made; the administration never shows
or changes the digest, and a token cannot be edited, only revoked. Making, revoking and
deleting tokens are recorded in the history with a reason, as every recorded change made
in the administration is.
"""

from django.contrib import admin, messages
from django.utils import timezone

from joinedup.history.admin import ChangeWithReasonMixin
from joinedup.history.recording import recorded_as
from joinedup.partnership.tokens import ApiToken

REVOKED = "Revoked in the administration"


@admin.register(ApiToken)
class ApiTokenAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["prefix", "person", "name", "created", "last_used", "expires", "revoked"]
    list_filter = ["revoked", "expires"]
    search_fields = ["prefix", "name", "person__username", "person__last_name"]
    autocomplete_fields = ["person"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["person", "name", "expires"]
        return ["person", "name", "prefix", "created", "last_used", "expires", "revoked"]

    def save_model(self, request, obj, form, change):
        # Only a new token is ever saved here: a made one cannot be changed.
        token = obj.set_token()
        super().save_model(request, obj, form, change)
        messages.warning(request, f"The new token for {obj.person} is {token} — copy it now: "
                                  "it is not shown again.")

    def has_change_permission(self, request, obj=None):
        # A made token is only looked at (and revoked from the list); nothing on it changes.
        return False if obj is not None else super().has_change_permission(request, obj)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        now = timezone.now()
        with recorded_as(request.user, reason=REVOKED):
            count = sum(record.revoke(now) for record in queryset)
        messages.success(request, f"{count} token{'s' if count != 1 else ''} revoked.")
