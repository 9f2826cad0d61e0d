"""The demo partnership's constitution and information-sharing charter.

Every body gets terms of reference and membership rules written for its kind; the Board
also keeps the partnership's one code of conduct, which binds every body beneath it, as
Blackburn's constitution does. The Board's terms of reference have two versions, so that
the history has something to show: the second adds the finance and risk slots and the
split between decisions and discussion that the Board took up.

The charter starts from the sharing the catalogue names on its restricted indicators
(``shared_with``): each becomes a charter entry by which the owner shares its indicators
of that theme with the partner, and the names on the indicators are then cleared, so the
charter is the only statement of who sees what. An entry is stated by theme, so the
catalogue's sharing must cover every restricted indicator the owner has in that theme;
if it does not, the demo stops and says so rather than share more than the catalogue
says. One more entry, since ended, shows the charter's past.

Everything is written through ``constitution.keeping`` as the partnership officer, and
is written again only where it is missing, so the demo can be built twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from joinedup.common.querysets import manages_framework
from joinedup.constitution import keeping
from joinedup.constitution.models import CharterEntry, Document, DocumentVersion
from joinedup.demo.sources import DemoDataError
from joinedup.partnership.models import Body, Organisation, Person
from joinedup.strategy.models import Indicator, Strategy, Theme

TERMS, MEMBERSHIP, CONDUCT = (Document.Kind.TERMS_OF_REFERENCE, Document.Kind.MEMBERSHIP_RULES,
                              Document.Kind.CODE_OF_CONDUCT)
BOARD = "gsp-board"

ROLE_BY_KIND = {
    "board": "sets the partnership's long-term strategy, agrees the Local Area Agreement and "
             "its targets, and steers partners' mainstream money towards them",
    "executive": "manages the partnership's performance between Board meetings: it triages "
                 "every exception raised by the layers below and decides what goes to the Board",
    "finance_group": "maps partners' spend by ward and theme, keeps the pooled and aligned "
                     "budgets, and proposes how grants are allocated by need",
    "theme_partnership": "delivers its theme of the strategy: it owns the theme's outcomes, "
                         "indicators and delivery plans, and answers for them to the Steering "
                         "Group",
    "area_forum": "brings the partnership to its neighbourhoods: it chooses the outcomes that "
                  "matter most in its wards and hears residents' priorities",
    "task_and_finish": "does one piece of work for the Steering Group and stands down when it "
                       "is done",
}

MEMBERSHIP_BY_KIND = {
    "board": "Each statutory partner names its chief executive or equivalent; the voluntary "
             "and community sector names two members through GVOC; the business sector names "
             "one through the Chamber of Commerce. The Leader of the Council chairs.",
    "executive": "A senior officer from each partner that sits on the Board, and the chairs "
                 "of the theme partnerships. The Council's Head of Policy and Partnerships "
                 "chairs.",
    "finance_group": "A finance officer from each partner that spends money on the strategy. "
                     "The Council's strategic finance manager chairs.",
    "theme_partnership": "Partners that deliver the theme, each naming one member and one "
                         "substitute, and a member from the voluntary and community sector. "
                         "The members choose their chair for two years.",
    "area_forum": "The ward councillors of the area and named representatives of the "
                  "partners working there. A councillor chairs.",
    "task_and_finish": "Officers named by the Steering Group for the task.",
}

CODE_OF_CONDUCT_TEXT = """\
This code binds every member of every body of the partnership, and every substitute.

1. Members act for the good of Gateshead as a whole, not only for the organisation they
   represent, and say so when the two pull apart.
2. Members declare any personal or business interest in an item before it is discussed,
   and take no part in a decision on it.
3. Members keep to the information-sharing charter: data shared by a partner is used only
   for the purpose the charter states, and is not passed on.
4. Members treat each other, officers and the public with respect, and challenge the
   performance of the partnership, not people.
5. Members come prepared, having read the papers, and send a named substitute when they
   cannot come.
6. A breach of this code is raised with the chair of the body, who may refer it to the
   chair of the Board."""


def _terms(body: Body, second: bool = False) -> str:
    role = ROLE_BY_KIND.get(body.kind, "does the work the Board gives it")
    reports = (f"It reports to the {body.parent.name}." if body.parent_id
               else "It answers to the partners and to the public.")
    lines = [f"The {body.name} {role}. {reports}"]
    if body.purpose:
        lines.append(body.purpose)
    lines.append("It meets at least four times a year. A meeting is quorate when a third of "
                 "its members are present, from at least two sectors. Decisions are made by "
                 "consensus; where none can be reached, the chair records the views of each "
                 "partner and the decision is taken by a majority of those present.")
    lines.append("Papers go out five working days before each meeting, and its minutes are "
                 "published within ten working days after it.")
    if second:
        lines.append("Each meeting has two halves: the first decides the items that need a "
                     "decision, each with a recommendation; the second discusses one topic in "
                     "depth. Every meeting has a standing item on finance and one on the risks "
                     "above the partnership's appetite.")
    return "\n\n".join(lines)


def _officer() -> Person | None:
    for person in Person.objects.filter(is_active=True).order_by("pk"):
        if manages_framework(person) and not person.is_superuser:
            return person
    return None


def _version(body: Body, kind: str, number: int, text: str, reason: str, when: dt.datetime,
             officer) -> int:
    """Write version ``number`` unless it is there already; 1 if written."""
    if DocumentVersion.objects.filter(document__body=body, document__kind=kind,
                                      number=number).exists():
        return 0
    keeping.write_version(body, kind, text, reason=reason, person=officer, when=when)
    return 1


def _documents(bodies: dict[str, Body], today: dt.date, officer) -> int:
    first = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=730),
                                                    dt.time(10)))
    second = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=120),
                                                     dt.time(10)))
    written = 0
    for body in sorted(bodies.values(), key=lambda b: (b.order, b.name)):
        written += _version(body, TERMS, 1, _terms(body), "The partnership's constitution "
                            "first agreed.", first, officer)
        written += _version(body, MEMBERSHIP, 1, MEMBERSHIP_BY_KIND.get(
            body.kind, "Members are named by the body it reports to."),
            "The partnership's constitution first agreed.", first, officer)
    if BOARD in bodies:
        board = bodies[BOARD]
        written += _version(board, CONDUCT, 1, CODE_OF_CONDUCT_TEXT,
                            "The partnership's constitution first agreed.", first, officer)
        written += _version(board, TERMS, 2, _terms(board, second=True),
                            "The Board split its meetings into a decision half and a topic "
                            "half, and added standing items on finance and risk.", second,
                            officer)
    return written


def _shares_by_theme(catalogue: dict) -> dict[tuple[int, int, int], set[int]]:
    """(owner, partner, theme) → the restricted indicators the catalogue shares
    (``shared_with`` on an indicator: the partners its owner shares it with)."""
    named = {item["code"]: item["shared_with"] for item in catalogue.get("indicator", [])
             if item.get("shared_with")}
    partners = dict(Organisation.objects.values_list("slug", "pk"))
    shares = defaultdict(set)
    for indicator in Indicator.objects.filter(code__in=named).select_related("outcome"):
        for slug in named[indicator.code]:
            shares[indicator.owner_id, partners[slug], indicator.outcome.theme_id].add(
                indicator.pk)
    return shares


def charter_from_catalogue(catalogue: dict, today: dt.date, officer=None) -> int:
    """Turn the sharing the catalogue names on restricted indicators into charter entries,
    one for each owner, partner and theme, from the start of the partnership's strategy.
    Returns how many entries were added. The county demonstration calls it too, after its
    framework is built."""
    officer = officer or _officer()
    if officer is None:
        raise DemoDataError("catalogue.toml: the charter is written by the partnership "
                            "officer, and no one is one")
    home = Strategy.objects.home()
    starts = home.starts if home is not None else today - dt.timedelta(days=365)
    added = 0
    for (owner, partner, theme_id), shared in sorted(_shares_by_theme(catalogue).items()):
        restricted = set(Indicator.objects.filter(
            owner_id=owner, outcome__theme_id=theme_id, visibility="restricted")
            .values_list("pk", flat=True))
        if restricted - shared:
            codes = sorted(Indicator.objects.filter(pk__in=restricted - shared)
                           .values_list("code", flat=True))
            raise DemoDataError(f"catalogue.toml: the charter shares by theme, but {codes} "
                                "would be shared with a partner the catalogue does not name")
        provider, recipient = Organisation.objects.get(pk=owner), Organisation.objects.get(
            pk=partner)
        theme = Theme.objects.get(pk=theme_id)
        added += _entry(provider, recipient, "indicators", theme, starts, officer,
                        agreed_by=_top(theme.body),
                        purpose=f"So that {recipient.display_name} can plan and commission "
                                f"for {theme.name} with the figures {provider.display_name} "
                                "holds, which are not published.")
    return added


def _top(body: Body | None) -> str:
    """The body at the top of the layers above ``body``: the partnership's Board."""
    seen = set()
    while body is not None and body.parent_id and body.pk not in seen:
        seen.add(body.pk)
        body = body.parent
    return f"{body.name} (the Board)" if body is not None else "The Board"


def _entry(provider, recipient, data, theme, starts, officer, *, purpose,
           agreed_by: str) -> int:
    if CharterEntry.objects.filter(provider=provider, recipient=recipient, data=data,
                                   theme=theme, starts=starts).exists():
        return 0
    keeping.add_entry(provider=provider, recipient=recipient, data=data, theme=theme,
                      purpose=purpose, agreed_by=f"{agreed_by}, {starts.day} {starts:%B %Y}",
                      starts=starts, reason="The information-sharing charter first agreed.",
                      person=officer)
    return 1


def _past_entry(starts: dt.date, today: dt.date, officer) -> int:
    """NHS Gateshead shared its healthy-living spend with the Council for a joint review
    of commissioning, and ended it when the review reported."""
    try:
        provider = Organisation.objects.get(slug="nhs-gateshead")
        recipient = Organisation.objects.get(slug="gateshead-council")
        theme = Theme.objects.get(slug="active-and-healthy-gateshead")
    except (Organisation.DoesNotExist, Theme.DoesNotExist):
        return 0
    if not _entry(provider, recipient, "spend", theme, starts, officer,
                  agreed_by=_top(theme.body),
                  purpose="A joint review of what each partner spends on healthy weight and "
                          "physical activity, ward by ward."):
        return 0
    entry = CharterEntry.objects.get(provider=provider, recipient=recipient, data="spend",
                                     theme=theme, starts=starts)
    ends = max(starts, today - dt.timedelta(days=180))
    keeping.end_entry(entry, reason="The joint commissioning review reported to the Board; "
                                    "the pooled budget now holds the money it looked at.",
                      person=officer, on=ends)
    return 1


def build_constitution(bodies, today, catalogue: dict) -> dict[str, int]:
    """Keep each body's terms of reference and the sharing charter; return counts by name."""
    officer = _officer()
    if officer is None:
        raise DemoDataError("catalogue.toml: the charter and the constitution are written by "
                            "the partnership officer, and no one is one")
    written = _documents(bodies, today, officer)
    entries = charter_from_catalogue(catalogue, today, officer)
    home = Strategy.objects.home()
    entries += _past_entry(home.starts if home is not None else today, today, officer)
    return {"constitution documents written": written, "charter entries agreed": entries}
