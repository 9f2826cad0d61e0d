"""Who may see exceptions and the decisions on them.

Exceptions, commentary and decisions are the partnership's own business: partners see
them for the indicators they may see; the public sees none of them (the public pages show
the figures and their flags, not the debate about them).
"""

from __future__ import annotations

from joinedup.common.querysets import RestrictedQuerySet, partner_organisation_id
from joinedup.core.periods import parse_period
from joinedup.partnership import roles
from joinedup.strategy.querysets import IndicatorChildQuerySet


class _PartnersOnly(IndicatorChildQuerySet):
    def visible_to(self, user):
        if not (user and user.is_authenticated):
            return self.none()
        return super().visible_to(user)


class ExceptionQuerySet(_PartnersOnly):
    indicator_path = "indicator"

    def current(self):
        """Exceptions still being dealt with: flagged, or awaiting corrected figures."""
        return self.exclude(state="closed")

    def as_at(self, period: str | None):
        """Exceptions for periods ending by the end of ``period`` (all when None)."""
        if not period:
            return self
        return self.filter(period_end__lte=parse_period(period).end)

    def for_layer(self, body):
        return self.filter(layer=body)


class DecisionQuerySet(_PartnersOnly):
    """Commentary, decisions, plans and minutes: visible with their exception."""

    indicator_path = "exception__indicator"


class ActionQuerySet(_PartnersOnly):
    indicator_path = "plan__exception__indicator"


class BudgetExceptionQuerySet(RestrictedQuerySet):
    """Finance exceptions name a partner's budget: they are seen by those who see every
    partner's spend (the officer, the finance officers' group, the Board), by the
    management group who decide them, and by the partner's own people."""

    def visible_to(self, user):
        if roles.sees_all_spend(user) or roles.may_triage(user):
            return self
        organisation = partner_organisation_id(user)
        return self.filter(partner_id=organisation) if organisation else self.none()
