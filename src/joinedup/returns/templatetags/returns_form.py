"""Small helpers for the returns forms."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def has_errors(problems) -> bool:
    return any(p.get("severity") == "error" for p in problems or [])


@register.simple_tag
def posted_or(posted, name: str, row: int, default):
    """What the person typed in this cell, or else the stored figure."""
    key = f"{name}-{row}"
    if posted and key in posted:
        return posted[key]
    return "" if default is None else default
