"""Permissions live in querysets.

Every model's manager comes from a ``RestrictedQuerySet``, which answers two questions
about a person: which rows may they see (``visible_to``) and which may they change
(``editable_by``). Views, exports and the API start from these, never from ``.all()``, so a
rule is written once and obeyed everywhere.
"""

from __future__ import annotations

from django.db import models

VIEW_ALL = "partnership.view_all_data"
MANAGE_FRAMEWORK = "partnership.manage_framework"


def sees_everything(user) -> bool:
    """Partnership officers and administrators see every row, whatever its sharing."""
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_perm(VIEW_ALL)))


def manages_framework(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.has_perm(MANAGE_FRAMEWORK))
    )


def partner_organisation_id(user) -> int | None:
    """The partner organisation a signed-in person works for, if any."""
    if not (user and user.is_authenticated):
        return None
    return getattr(user, "organisation_id", None)


class RestrictedQuerySet(models.QuerySet):
    """Default rules: everyone may read; only framework managers may change."""

    def visible_to(self, user):
        return self

    def editable_by(self, user):
        return self if manages_framework(user) else self.none()


class PartnersOnly:
    """Mixed into a ``RestrictedQuerySet``: rows shared among partners, not published, so
    anyone signed in sees them all and no one else sees any."""

    def visible_to(self, user):
        return self if user and user.is_authenticated else self.none()


class PersonalQuerySet(RestrictedQuerySet):
    """Rows that belong to one person (``person``): theirs, and every row for officers."""

    def visible_to(self, user):
        if sees_everything(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(person=user)
