"""Links from other apps' pages to the exceptions their flags belong to."""

from __future__ import annotations

from django import template
from django.urls import reverse

from joinedup.exceptions.models import IndicatorException

register = template.Library()


@register.simple_tag
def with_exceptions(flags, user) -> list[tuple]:
    """Each flag with the address of the exception it belongs to, if ``user`` may see it
    (else None), in one query: the public sees flags, but not the partnership's decisions
    about them."""
    flags = list(flags)
    links = IndicatorException.flags.through.objects.filter(
        flag_id__in=[f.pk for f in flags],
        indicatorexception__in=IndicatorException.objects.visible_to(user))
    found = {flag_id: exception_id for flag_id, exception_id in
             links.values_list("flag_id", "indicatorexception_id")}
    return [(flag, reverse("exceptions:exception", args=[found[flag.pk]])
             if flag.pk in found else None) for flag in flags]
