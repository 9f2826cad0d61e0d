"""Who does what in the layers: rules about people that several apps ask.

Each rule is written once, here, and asked wherever it matters (the triage page, the
command line, the API, sending figures back), so the answer cannot differ between them.
"""

from __future__ import annotations

from joinedup.common.querysets import manages_framework

EXECUTIVE = "executive"
BOARD = "board"
FINANCE_GROUP = "finance_group"
MINUTE_TAKING_ROLES = ("chair", "vice_chair", "officer")


def sits_on(user, kind: str, roles: tuple[str, ...] | None = None) -> bool:
    """True if ``user`` is a member of a body of ``kind`` (in one of ``roles``, if given)."""
    if not (user and user.is_authenticated):
        return False
    memberships = user.memberships.filter(body__kind=kind)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return memberships.exists()


def may_triage(user) -> bool:
    """Members of the management group (an executive body) and the partnership officer
    decide what each exception is: a data anomaly, a performance issue, or one for the
    Board."""
    return manages_framework(user) or sits_on(user, EXECUTIVE)


def minutes_at(body) -> bool:
    """The Board's decisions are minuted at the Board's own meetings, and no other body's."""
    return body.kind == BOARD


def may_minute(user) -> bool:
    """The partnership officer, and the Board's chair, vice-chair and officer, record the
    Board's decisions."""
    return manages_framework(user) or sits_on(user, BOARD, MINUTE_TAKING_ROLES)


def sees_all_spend(user) -> bool:
    """The finance officers' group and the Board see every partner's spend lines; others
    see their own partner's and those shared with them (``resources.querysets``)."""
    return sits_on(user, FINANCE_GROUP) or sits_on(user, BOARD)


def may_manage_money(user) -> bool:
    """The partnership officer and the finance officers' group keep the funding streams
    and pooled budgets, and agree how a pot is allocated."""
    return manages_framework(user) or sits_on(user, FINANCE_GROUP)


MONEY_REFUSAL = ("Only the finance officers' group and the partnership officer may change "
                 "funding streams, pooled budgets and allocations.")
TRIAGE_REFUSAL = ("Only members of the management group and the partnership officer may "
                  "triage exceptions.")
MINUTE_REFUSAL = ("Only the partnership officer and the Board's chair, vice-chair and officer "
                  "may record the Board's decisions.")


def pack_bodies(user):
    """The bodies whose packs ``user`` builds and issues: every body for the partnership
    officer; otherwise those of which they are the chair, vice-chair or officer."""
    from joinedup.partnership.models import Body

    if manages_framework(user):
        return Body.objects.all()
    if not (user and user.is_authenticated):
        return Body.objects.none()
    return Body.objects.filter(memberships__person=user,
                               memberships__role__in=MINUTE_TAKING_ROLES).distinct()
