"""How the self-assessment's figures read on its pages: two decimal places, a sign on a
change, and a dash where there is no figure."""

from __future__ import annotations

from django import template

register = template.Library()

NONE = "–"


@register.filter
def score(value) -> str:
    return NONE if value is None else f"{value:.2f}"


@register.filter
def change(value) -> str:
    if value is None:
        return NONE
    if round(value, 2) == 0:
        return "0.00"
    return f"{value:+.2f}".replace("-", "−")
