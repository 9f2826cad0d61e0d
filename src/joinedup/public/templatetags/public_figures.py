"""Figures on the public pages, to the places their indicator states."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def figure(value, decimals=1) -> str:
    """``value`` with thousands separated and ``decimals`` places; a dash when missing."""
    if value is None:
        return "–"
    return f"{value:,.{int(decimals)}f}"
