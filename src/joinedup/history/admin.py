"""The change log in the administration, and changes made there to recorded models.

Every change to a recorded model (``ChangeRecorded``) is kept with who made it and why.
The workflow pages ask why where it matters; the administration has to ask too, or its
changes would be the only ones the history could not explain. ``ChangeWithReasonMixin``
does that for a model's own admin, and ``DeleteWithReasonMixin`` for an admin whose
deletions reach recorded models by cascade (a person's memberships, say).
"""

from __future__ import annotations

from functools import cache

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template import engines

from joinedup.history.models import Change
from joinedup.history.recording import current_context, recorded_as

#: The form field that carries the reason; no model has a field of this name.
REASON = "change_reason"


class ReasonField(forms.CharField):
    """Why a change is made: asked for with it, kept in its history, no part of the object."""

    def __init__(self, **kwargs):
        super().__init__(
            label="Reason for this change",
            help_text="Kept in the history with the change, for everyone who later asks why "
                      "(for example, the Board decision or the error it puts right).",
            error_messages={"required": "Say why this change is being made: the reason is "
                                        "kept in the history with it."},
            widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
            **kwargs)

    def has_changed(self, initial, data):
        # The reason explains a change and is not one: the admin's own log lists only the
        # object's fields that changed.
        return False


class ReasonForm(forms.Form):
    change_reason = ReasonField()


class RecordedModelForm(forms.ModelForm):
    change_reason = ReasonField()


def _required(reason: str) -> str:
    if not reason:
        # Only reached by a path that skipped the reason field: refuse rather than
        # record a change nobody can explain.
        raise PermissionDenied("Changes to recorded data need a reason.")
    return reason


def _recorded(request, reason: str):
    return recorded_as(request.user, reason=_required(reason))


_DELETE_CONFIRMATION = """{% extends "admin/delete_confirmation.html" %}
{% load i18n %}
{% block delete_confirm %}
<p>Are you sure you want to delete the {{ object_name }} “{{ object }}”? All of the following
related items will be deleted, and each deletion kept in the history with your reason:</p>
{% include "admin/includes/object_delete_summary.html" %}
<h2>{% translate "Objects" %}</h2>
<ul id="deleted-objects">{{ deleted_objects|unordered_list }}</ul>
<form method="post">{% csrf_token %}
<fieldset class="module aligned">
{% with field=reason_form.change_reason %}
<div class="form-row">
{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
<div class="help" id="{{ field.auto_id }}_helptext">{{ field.help_text }}</div>
</div>
{% endwith %}
</fieldset>
<div>
<input type="hidden" name="post" value="yes">
{% if is_popup %}<input type="hidden" name="{{ is_popup_var }}" value="1">{% endif %}
{% if to_field %}<input type="hidden" name="{{ to_field_var }}" value="{{ to_field }}">{% endif %}
<input type="submit" value="Yes, delete it">
<a href="#" class="button cancel-link">No, take me back</a>
</div>
</form>
{% endblock %}
"""


@cache
def _delete_confirmation():
    return engines["django"].from_string(_DELETE_CONFIRMATION)


class DeleteWithReasonMixin:
    """Deleting from the administration says why, like every other change.

    A partnership officer expects to be able to remove what was set up in error (a
    target, a milestone, a membership), and expects the history to say why it went, as it
    does for every change. So the confirmation page asks for a reason, and the deletion,
    with everything it takes with it, is recorded with that reason. Deleting the selected
    rows of a list in one go is not offered: each deletion is made from the object's own
    page, where what else it removes is shown and its reason given.
    """

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def render_delete_form(self, request, context):
        context.setdefault("reason_form", ReasonForm())
        response = super().render_delete_form(request, context)
        response.template_name = _delete_confirmation()
        return response

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            # Django's delete view deletes on any post, so one without a reason never
            # reaches it: the confirmation page is shown again, saying what is missing.
            messages.error(request, form.errors[REASON][0])
            return HttpResponseRedirect(request.get_full_path())
        with _recorded(request, form.cleaned_data[REASON]):
            return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        _required(current_context().reason)
        super().delete_model(request, obj)


class ChangeWithReasonMixin(DeleteWithReasonMixin):
    """Adding, changing or deleting a recorded model in the administration says why.

    The add and change forms end with a required "Reason for this change"; the object, and
    the inline rows saved with it, are saved inside ``recorded_as`` with that reason, so
    every ``Change`` they make carries it and the person who made it. Put it before
    ``admin.ModelAdmin`` in the bases, and give the admin no ``form`` or ``list_editable``
    of its own: rows edited in the list would have nowhere to give their reason.
    """

    form = RecordedModelForm

    def _asks_reason(self, request, obj) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != REASON]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self._asks_reason(request, obj):
            fieldsets.append((None, {"fields": [REASON]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        with _recorded(request, form.cleaned_data.get(REASON, "")):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        with _recorded(request, form.cleaned_data.get(REASON, "")):
            super().save_related(request, form, formsets, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed: these rows are the record of what happened."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["time", "actor", "action", "content_type", "object_repr", "reason"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor", "reason"]
    readonly_fields = [f.name for f in Change._meta.fields]
