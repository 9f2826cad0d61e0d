"""Who reads and keeps the constitution and the charter, and the charter's rule of sharing.

Terms of reference, membership rules and codes of conduct are the partnership's public
face: anyone may read them, signed in or not. The charter is the partners' agreement
among themselves: anyone signed in reads it, no one else. Only the partnership officer
writes either.

``shared_by_charter`` is the one statement of the charter's rule. The indicator and spend
querysets (``strategy.querysets``, ``resources.querysets``) ask it, so pages, exports and
the API all follow the charter as it stands today.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from joinedup.common.querysets import PartnersOnly, RestrictedQuerySet


class DocumentQuerySet(RestrictedQuerySet):
    """Documents and their versions: read by anyone, written by the partnership officer."""


class CharterQuerySet(PartnersOnly, RestrictedQuerySet):
    def in_force(self, day: dt.date | None = None):
        """Entries that apply on ``day`` (today): started, and not yet ended."""
        day = day or timezone.localdate()
        return self.filter(Q(starts__lte=day) & (Q(ends__isnull=True) | Q(ends__gt=day)))

    def past(self, day: dt.date | None = None):
        """Entries ended on or before ``day`` (today)."""
        return self.filter(ends__lte=day or timezone.localdate())

    def covering(self, data: str, provider_id: int, theme_id: int | None):
        """Entries by which ``provider_id`` shares ``data`` of the theme ``theme_id``: for
        every theme, or for that one. With ``in_force`` and the recipients, what a page
        says an indicator or a line is shared with."""
        return self.filter(Q(data=data, provider_id=provider_id)
                           & (Q(theme__isnull=True) | Q(theme_id=theme_id)))

    def reaching(self, organisation_id: int):
        """Entries that share with ``organisation_id``: by name, or with every partner."""
        return self.filter(Q(recipient__isnull=True) | Q(recipient_id=organisation_id))


def shared_by_charter(data: str, organisation_id: int, *, provider: str, theme: str,
                      day: dt.date | None = None) -> Exists:
    """A condition on the rows of another model: the charter in force on ``day`` (today)
    has an entry by which the row's owner (the field ``provider`` of the row) shares
    ``data`` with ``organisation_id`` (by name or with every partner), for every theme or
    for the row's own (the field ``theme``). One correlated subquery on a small, indexed
    table; nothing is worked out row by row in Python."""
    from joinedup.constitution.models import CharterEntry

    entries = (CharterEntry.objects.filter(data=data, provider_id=OuterRef(provider))
               .in_force(day).reaching(organisation_id)
               .filter(Q(theme__isnull=True) | Q(theme_id=OuterRef(theme))))
    return Exists(entries)


def sharing_of(data: str, provider_id: int, theme_id: int | None = None,
               day: dt.date | None = None) -> tuple[bool, list]:
    """Whom the charter in force on ``day`` (today) shares ``provider_id``'s ``data`` with
    (of the theme ``theme_id``, for indicators): ``(every partner?, the partners named)``.
    What an indicator's page and the API say it is shared with, from the same entries that
    decide who sees it."""
    from joinedup.constitution.models import CharterEntry

    entries = CharterEntry.objects.in_force(day).covering(data, provider_id, theme_id)
    every = entries.filter(recipient__isnull=True).exists()
    named = sorted({e.recipient for e in entries.filter(recipient__isnull=False)
                    .select_related("recipient")}, key=lambda o: o.name)
    return every, named
