"""Template tags that draw the assessment's marks: status tags and SPC icons."""

from __future__ import annotations

from django import template

from joinedup.assessment import words

register = template.Library()


def _mark(table: dict, key: str | None) -> words.Mark:
    return table.get(key or "none") or table.get("grey") or next(iter(table.values()))


@register.inclusion_tag("assessment/includes/tag.html")
def status_tag(status: str | None):
    return {"mark": _mark(words.STATUS, status or "grey")}


@register.inclusion_tag("assessment/includes/tag.html")
def direction_tag(direction: str | None):
    return {"mark": _mark(words.DIRECTION, direction)}


@register.inclusion_tag("assessment/includes/icon.html")
def variation_icon(variation: str | None, with_label: bool = False):
    return {"mark": _mark(words.VARIATION, variation or "common_cause"), "with_label": with_label,
            "kind": "variation"}


@register.inclusion_tag("assessment/includes/icon.html")
def assurance_icon(assurance: str | None, with_label: bool = False):
    return {"mark": _mark(words.ASSURANCE, assurance), "with_label": with_label,
            "kind": "assurance"}


@register.filter
def percent(probability) -> str:
    if probability is None:
        return ""
    return f"{round(100 * probability):d}%"


@register.filter
def signal_words(signal: str | None) -> str:
    return words.SIGNAL.get(signal or "none", "")
