"""Money as people read it on a page: £1,234,567, and −£5,000 for a negative."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pounds(value, places: int = 0) -> str:
    """Whole pounds by default (``|pounds``), or with pence (``|pounds:2``)."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value))
    sign = "−" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.{int(places)}f}"


@register.filter
def percent(value, places: int = 0) -> str:
    """A share (0.25) as a percentage (25%)."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def get(mapping, key):
    """``mapping[key]`` in a template, or None."""
    return mapping.get(key) if mapping else None
