"""The partnership in the administration: every change to its organisations, bodies and
memberships says why (see ``history.admin``).

People are not recorded models, but deleting one deletes their memberships, which are;
so deleting a person says why too.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from joinedup.history.admin import ChangeWithReasonMixin, DeleteWithReasonMixin
from joinedup.partnership.models import Body, Membership, Organisation, Person


@admin.register(Organisation)
class OrganisationAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "sector", "parent"]
    list_filter = ["sector"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person", "organisation"]


@admin.register(Body)
class BodyAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "area", "order"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent", "area"]
    inlines = [MembershipInline]


@admin.register(Person)
class PersonAdmin(DeleteWithReasonMixin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["organisation", "is_active", "groups"]
    fieldsets = UserAdmin.fieldsets + (
        ("Partnership", {"fields": ["organisation", "job_title"]}),
    )
    autocomplete_fields = ["organisation"]


@admin.register(Membership)
class MembershipAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["body", "person", "organisation", "role"]
    list_filter = ["role", "body"]
    autocomplete_fields = ["body", "person", "organisation"]
