"""Template helpers for numbers and GOV.UK form fields."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def figure(value, decimals=1):
    """A number with thousands separators and a fixed number of decimal places; a small
    negative number that rounds to nought is shown as 0, not -0."""
    if value is None or value == "":
        return ""
    try:
        shown = f"{float(value):,.{int(decimals)}f}"
    except (TypeError, ValueError):
        return str(value)
    return shown[1:] if shown.startswith("-") and not shown.strip("-0.,") else shown


@register.filter
def field_id(bound_field) -> str:
    return bound_field.id_for_label or bound_field.auto_id


@register.inclusion_tag("web/includes/error_summary.html")
def error_summary(form):
    return {"form": form}


@register.inclusion_tag("web/includes/text_field.html")
def text_field(bound_field, width_class="", hint=""):
    return {"field": bound_field, "width_class": width_class, "hint": hint}
