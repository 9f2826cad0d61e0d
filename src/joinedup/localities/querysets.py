"""Who sees an operation: every partner signed in, except that a restricted one (whose
plans must not leak before it starts) is seen only by its lead body's members and the
partnership officer. No one signed out sees any. Who changes one: the same people who
lead it, and the officer."""

from __future__ import annotations

from django.db.models import Q

from joinedup.common.querysets import RestrictedQuerySet, manages_framework, sees_everything


class OperationQuerySet(RestrictedQuerySet):
    path = ""

    def _lead(self, name: str) -> str:
        return f"{self.path}{name}"

    def visible_to(self, user):
        if sees_everything(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(Q(**{self._lead("restricted"): False})
                           | Q(**{self._lead("lead__memberships__person"): user})).distinct()

    def editable_by(self, user):
        if manages_framework(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(**{self._lead("lead__memberships__person"): user}).distinct()


class OperationPartQuerySet(OperationQuerySet):
    """A part of an operation (a commitment) is seen and kept with its operation."""

    path = "operation__"
