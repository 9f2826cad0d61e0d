"""Who may see which indicators, and everything that hangs off an indicator."""

from __future__ import annotations

from django.db.models import Q

from joinedup.common.querysets import (
    RestrictedQuerySet,
    partner_organisation_id,
    sees_everything,
)
from joinedup.constitution.querysets import shared_by_charter


class StrategyQuerySet(RestrictedQuerySet):
    def home(self):
        """The partnership's own strategy: the newest one that feeds no other.

        In a two-tier area that is the county's; each district strategy names it as its
        ``parent``. Pages that speak of "the partnership" start here, never from ``.get()``.
        """
        return self.filter(parent=None).select_related("area").first()


class IndicatorQuerySet(RestrictedQuerySet):
    def visible_to(self, user):
        """Keep the indicators ``user`` may see.

        - officers and administrators: everything;
        - anonymous visitors: public indicators;
        - people from a partner organisation: public and partners-only indicators, and
          restricted ones their organisation owns or that the information-sharing charter
          shares with it today: an entry in force by which the owner shares its
          indicators with that organisation (or with every partner), for every theme or
          for the indicator's own (``constitution.querysets.shared_by_charter``).
        """
        if sees_everything(user):
            return self
        public = Q(visibility="public")
        organisation = partner_organisation_id(user)
        if organisation is None:
            return self.filter(public)
        shared = shared_by_charter("indicators", organisation, provider="owner_id",
                                   theme="outcome__theme_id")
        return self.filter(
            public | Q(visibility="partners") | Q(owner_id=organisation) | Q(shared)
        )

    def sendable_by(self, user):
        """Indicators whose figures ``user`` may enter, change and submit.

        People from the owner organisation send an indicator's figures; partnership
        officers may act for any partner (they chase and key in late returns).
        """
        if not (user and user.is_authenticated):
            return self.none()
        if sees_everything(user):
            return self
        organisation = partner_organisation_id(user)
        return self.filter(owner_id=organisation) if organisation else self.none()


class IndicatorChildQuerySet(RestrictedQuerySet):
    """Targets, values and the like: visible exactly when their indicator is."""

    indicator_path = "indicator"

    def visible_to(self, user):
        if sees_everything(user):
            return self
        from joinedup.strategy.models import Indicator

        visible = Indicator.objects.visible_to(user).values("pk")
        return self.filter(**{f"{self.indicator_path}__in": visible})


class MilestoneQuerySet(IndicatorChildQuerySet):
    indicator_path = "target__indicator"
