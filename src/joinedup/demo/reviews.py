"""The demo partnership's 7S self-assessment: last year's round, closed, and this year's,
open, scored by the members of the Board and the Steering Group.

The scores are invented but plausible and always the same: each element starts from a
level for the year (the partnership is stronger on its goals than on its systems, and
better this year on steering and systems), each
sector leans a little (the voluntary and private members find the partnership less
inclusive than the public bodies do), and a pseudo-random step of −1, 0 or +1 from a
generator with a fixed seed gives each member a voice of their own. This year the
partnership officer, the Board's voluntary sector member and one Steering Group member
have not scored yet, so there is someone to score; and the partnership has added a
question of its own, which this year's round asks and last year's did not. Building
twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from joinedup.demo.build import upsert
from joinedup.partnership.models import BROAD_SECTOR, Membership, Organisation, Person
from joinedup.reviews.models import (
    AgreedAction,
    OwnQuestion,
    Response,
    Score,
    SelfAssessmentRound,
)
from joinedup.reviews.querysets import SCORING_BODIES
from joinedup.reviews.scoring import open_round, represented_organisation
from joinedup.strategy.models import PathwayAction

SEED = 2009
#: Who has not yet scored this year's round.
NOT_YET_SCORED = ("officer", "board.member", "steering.member")
#: Who did not score last year's.
DID_NOT_SCORE_LAST_YEAR = ("officer",)

#: Each element's level, last year and this year.
LEVELS = {
    "goals": (3.4, 3.7), "staff-and-skills": (2.9, 3.1), "style": (2.8, 3.0),
    "synergies": (2.6, 2.9), "standards": (2.7, 3.0), "steering": (2.3, 3.1),
    "systems": (2.1, 2.9),
}
#: How each sector leans from the level, by element (nothing where not named).
LEANS = {
    "Voluntary and community sector": {"style": -0.8, "synergies": -0.9, "goals": -0.3},
    "Private sector": {"standards": -0.6, "steering": -0.4, "synergies": -0.5},
}
OWN_QUESTION = ("own-1", "synergies",
                "How well do the voluntary and community sector's members shape what the "
                "Board discusses?")
COMMENTS = {
    ("council.leader", "steering-1"): (
        "The Board's packs now show the red flags and the remedial plans on one page.",
        ["/bodies/gsp-board/packs/"]),
    ("chamber.rep", "systems-1"): (
        "The spend lines are there, but business partners cannot yet see where money is "
        "pooled.", ["/resources/lines/"]),
    ("pct.chief", "standards-1"): (
        "Shared indicator definitions with the council are agreed for health.",
        ["/resources/"]),
    ("college.principal", "synergies-1"): (
        "Joint work on skills is real but depends on a few people.", []),
}
LAST_ACTION = ("Publish the Board's forward plan of topic items, so partners can prepare",
               "style", "gateshead-council")


def _rounds(today: dt.date) -> list[tuple[str, dt.date, dt.date, bool]]:
    this_opens = today - dt.timedelta(days=14)
    last_opens = this_opens.replace(year=this_opens.year - 1, day=min(this_opens.day, 28))
    return [
        (f"{last_opens:%B %Y} self-assessment", last_opens,
         last_opens + dt.timedelta(days=42), False),
        (f"{this_opens:%B %Y} self-assessment", this_opens,
         this_opens + dt.timedelta(days=42), True),
    ]


def build_self_assessment(bodies, today) -> dict[str, int]:
    """Keep the rounds and scores; return counts by name."""
    counts = {"self-assessment rounds": 0, "self-assessment scores": 0}
    members = sorted(Person.objects.filter(
        memberships__body__kind__in=SCORING_BODIES).distinct(), key=lambda p: p.username)
    (last_title, last_opens, last_closes, _), this = _rounds(today)
    last = _round(last_title, last_opens, last_closes)
    if last.is_open:
        last.status = SelfAssessmentRound.Status.CLOSED
        last.save()
    upsert(OwnQuestion, {"code": OWN_QUESTION[0]},
           {"element": OWN_QUESTION[1], "text": OWN_QUESTION[2]})
    current = _round(*this[:3])
    rng = random.Random(SEED)  # nosec B311 - a fixed seed for repeatable demonstration scores, not security
    for year, round_, skip in ((0, last, DID_NOT_SCORE_LAST_YEAR),
                               (1, current, NOT_YET_SCORED)):
        counts["self-assessment rounds"] += 1
        for person in members:
            if person.username in skip:
                continue
            counts["self-assessment scores"] += _scores(round_, person, year, rng)
    _agreed(last, bodies)
    return counts


def _round(title: str, opens: dt.date, closes: dt.date) -> SelfAssessmentRound:
    found = SelfAssessmentRound.objects.filter(title=title).first()
    return found or open_round(title, opens=opens, closes=closes)


def _scores(round_: SelfAssessmentRound, person: Person, year: int, rng: random.Random) -> int:
    organisation = represented_organisation(person)
    sector = BROAD_SECTOR[organisation.sector]
    submitted = timezone.make_aware(dt.datetime.combine(
        round_.opens + dt.timedelta(days=3 + len(person.username) % 9), dt.time(10, 0)))
    response = upsert(Response, {"round": round_, "person": person}, {
        "organisation": organisation, "status": Response.Status.SUBMITTED,
        "submitted_at": submitted})
    written = 0
    for question in round_.questions.all():
        level = LEVELS[question.element][year] + LEANS.get(sector, {}).get(question.element, 0)
        value = min(5, max(1, round(level + rng.choice((-1, 0, 0, 1)))))
        comment, evidence = COMMENTS.get((person.username, question.code), ("", []))
        if year == 0:
            comment, evidence = "", []
        upsert(Score, {"response": response, "question": question},
               {"value": value, "comment": comment, "evidence": evidence})
        written += 1
    return written


def _agreed(round_: SelfAssessmentRound, bodies) -> None:
    title, element, lead = LAST_ACTION
    if AgreedAction.objects.filter(round=round_, element=element).exists():
        return
    officer = Membership.objects.filter(body=bodies["gsp-board"], role="officer").first()
    action = PathwayAction.objects.create(
        title=title, lead=Organisation.objects.get(slug=lead),
        due=round_.closes + dt.timedelta(days=120), status=PathwayAction.Status.COMPLETE,
        progress=100, illustrative=True,
        note=f"Agreed from the self-assessment {round_.title}: Style.")
    AgreedAction.objects.create(
        round=round_, element=element, action=action,
        agreed_by=officer.person if officer else None,
        agreed_at=timezone.make_aware(dt.datetime.combine(round_.closes, dt.time(12, 0))))
