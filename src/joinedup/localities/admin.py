"""Places in the administration.

Operations, their commitments and residents' priorities are kept here, each change with its
reason. A forum's chosen outcomes are only looked at: a forum chooses five or six at once on
its own page, by the rule in ``choosing``, which one row at a time could break.
"""

from __future__ import annotations

from django.contrib import admin

from joinedup.history.admin import ChangeWithReasonMixin, ReadOnlyAdmin
from joinedup.localities.models import AreaPriority, Commitment, Operation, ResidentPriority


@admin.register(AreaPriority)
class AreaPriorityAdmin(ReadOnlyAdmin):
    list_display = ["forum", "order", "outcome", "chosen_by", "chosen_at"]
    list_filter = ["forum"]


@admin.register(ResidentPriority)
class ResidentPriorityAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["area", "issue", "consultation", "count", "sample_size", "source"]
    list_filter = ["source", "consultation"]
    search_fields = ["issue", "area__name", "area__code"]
    raw_id_fields = ["area", "meeting"]
    filter_horizontal = ["outcomes"]


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0
    raw_id_fields = ["budget_line"]


@admin.register(Operation)
class OperationAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["title", "lead", "starts", "ends", "follow_up", "restricted"]
    list_filter = ["lead", "restricted"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["target_areas", "issues", "actions"]
    filter_horizontal = ["outcomes"]
    inlines = [CommitmentInline]
