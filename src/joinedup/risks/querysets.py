"""Who sees and keeps risks: the rules live here, once, for pages, exports and the API.

The register is the partnership's own business: anyone signed in sees the risks that are
not restricted, and no one else sees any. A restricted risk is seen only by the members
of its body, its owner, and the partnership officer. A risk is kept (scored, its controls
and links changed) by its owner, its body's members and the partnership officer.
"""

from __future__ import annotations

from django.db.models import Q

from joinedup.common.querysets import RestrictedQuerySet, manages_framework, sees_everything


class RiskQuerySet(RestrictedQuerySet):
    risk_path = ""

    def _path(self, name: str) -> str:
        return f"{self.risk_path}__{name}" if self.risk_path else name

    def visible_to(self, user):
        if sees_everything(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(Q(**{self._path("restricted"): False})
                           | Q(**{self._path("owner"): user})
                           | Q(**{self._path("body__memberships__person"): user})).distinct()

    def editable_by(self, user):
        if manages_framework(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(Q(**{self._path("owner"): user})
                           | Q(**{self._path("body__memberships__person"): user})).distinct()


class RiskChildQuerySet(RiskQuerySet):
    """Scores, controls and proposals: seen and kept with their risk."""

    risk_path = "risk"
