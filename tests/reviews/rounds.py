"""A small round built in the tests, whose results are worked by hand in test_results."""

from __future__ import annotations

import datetime as dt

from joinedup.partnership.models import Person
from joinedup.reviews.models import SelfAssessmentRound
from joinedup.reviews.scoring import Answer, close_round, open_round, save_scores

EARLIER = "Test round 2100"
LATER = "Test round 2101"


def everything(round_: SelfAssessmentRound, value: int, **by_element: int) -> dict:
    """An answer to every question: ``value``, or the element's own value if given."""
    return {q.code: Answer(value=by_element.get(q.element.replace("-", "_"), value))
            for q in round_.questions.all()}


def scored_rounds() -> tuple[SelfAssessmentRound, SelfAssessmentRound]:
    """Two rounds after the demo's. In the earlier, the council's leader scores 3
    throughout. In the later: the leader (council, public sector) 4, goals 2; the PCT's
    chief executive (NHS, public sector) 3; the voluntary sector's Board member 2, goals
    5; the Chamber's member (private sector) keeps a draft of 1s, which does not count."""
    people = {p.username: p for p in Person.objects.filter(username__in=[
        "council.leader", "pct.chief", "board.member", "chamber.rep"])}
    earlier = open_round(EARLIER, opens=dt.date(2100, 11, 1), closes=dt.date(2100, 12, 1))
    save_scores(earlier, people["council.leader"], everything(earlier, 3), submit=True)
    close_round(earlier)
    later = open_round(LATER, opens=dt.date(2101, 11, 1), closes=dt.date(2101, 12, 1))
    save_scores(later, people["council.leader"], everything(later, 4, goals=2), submit=True)
    save_scores(later, people["pct.chief"], everything(later, 3), submit=True)
    save_scores(later, people["board.member"], everything(later, 2, goals=5), submit=True)
    save_scores(later, people["chamber.rep"], everything(later, 1), submit=False)
    return earlier, later
