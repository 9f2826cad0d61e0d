"""Who sees and scores the self-assessment: the rules live here, once, for the pages, the
command line and the API.

Members of the Board and of the management group (the bodies whose kind is ``board`` or
``executive``) score each round. They and the partnership officer see the results: every
submitted response, its scores and comments, and the actions agreed from them. Anyone
signed in sees that the rounds exist and what they ask; each person sees their own draft,
and no one else's. No one who is not signed in sees any of it.
"""

from __future__ import annotations

from django.db.models import Q

from joinedup.common.querysets import (
    PartnersOnly,
    RestrictedQuerySet,
    manages_framework,
    sees_everything,
)
from joinedup.partnership.roles import BOARD, EXECUTIVE, sits_on

#: The kinds of body whose members score the self-assessment.
SCORING_BODIES = (BOARD, EXECUTIVE)

SCORING_REFUSAL = ("Only members of the Board and of the management group score the "
                   "self-assessment.")
RESULTS_REFUSAL = ("Only members of the Board and of the management group, and the "
                   "partnership officer, see the self-assessment's results.")
AGREE_REFUSAL = "Only the partnership officer records the actions agreed from the results."


def may_score(user) -> bool:
    return any(sits_on(user, kind) for kind in SCORING_BODIES)


def may_see_results(user) -> bool:
    return sees_everything(user) or may_score(user)


def may_agree_actions(user) -> bool:
    return manages_framework(user)


class RoundQuerySet(PartnersOnly, RestrictedQuerySet):
    """Rounds and the questions they ask: shared among partners, not published."""


class RoundChildQuerySet(PartnersOnly, RestrictedQuerySet):
    """A round's questions, seen with their round."""


class ResponseQuerySet(RestrictedQuerySet):
    response_path = ""

    def _path(self, name: str) -> str:
        return f"{self.response_path}__{name}" if self.response_path else name

    def visible_to(self, user):
        if sees_everything(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        own = Q(**{self._path("person"): user})
        if may_score(user):
            return self.filter(own | Q(**{self._path("status"): "submitted"}))
        return self.filter(own)

    def editable_by(self, user):
        """A member keeps their own response while its round is open."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(**{self._path("person"): user,
                              self._path("round__status"): "open"})

    def submitted(self):
        return self.filter(**{self._path("status"): "submitted"})


class ScoreQuerySet(ResponseQuerySet):
    """Scores, seen and kept with their response."""

    response_path = "response"


class AgreedActionQuerySet(RestrictedQuerySet):
    def visible_to(self, user):
        return self if may_see_results(user) else self.none()

    def editable_by(self, user):
        return self if may_agree_actions(user) else self.none()
