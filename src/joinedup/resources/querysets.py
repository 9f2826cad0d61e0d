"""Who sees which money: the rules live here, once, for pages, exports and the API.

A partner's spend is its own business until it chooses to share it. Its budget lines and
resources in kind are seen by the partnership officer, the finance officers' group, the
Board, the partner's own people, and the partners the information-sharing charter shares
its spend with today (``constitution.querysets.shared_by_charter``). A line marked
``shared_with_partners`` is not one partner's business but the partnership's, such as
the lines of an allocation the partnership agreed, and every partner sees it. Funding
streams, pooled budgets and allocation scenarios are partnership arrangements: every
signed-in partner sees them, and no one else.
"""

from __future__ import annotations

from django.db.models import Q

from joinedup.common.querysets import (
    PartnersOnly,
    RestrictedQuerySet,
    manages_framework,
    partner_organisation_id,
    sees_everything,
)
from joinedup.constitution.querysets import shared_by_charter
from joinedup.partnership import roles


class SpendQuerySet(RestrictedQuerySet):
    """Budget lines and resources in kind, each belonging to one partner (``partner``)."""

    def visible_to(self, user):
        if sees_everything(user) or roles.sees_all_spend(user):
            return self
        organisation = partner_organisation_id(user)
        if organisation is None:
            return self.none()
        shared = shared_by_charter("spend", organisation, provider="partner_id",
                                   theme="theme_id")
        return self.filter(Q(partner_id=organisation) | Q(shared_with_partners=True)
                           | Q(shared))

    def editable_by(self, user):
        """A partner's people keep its own lines; the partnership officer keeps any."""
        if manages_framework(user):
            return self
        organisation = partner_organisation_id(user)
        return self.filter(partner_id=organisation) if organisation else self.none()


class PartnershipMoneyQuerySet(PartnersOnly, RestrictedQuerySet):
    """Streams, pools and their contributions: shared among partners, not published."""

    def editable_by(self, user):
        return self if roles.may_manage_money(user) else self.none()
