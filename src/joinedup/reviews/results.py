"""A round's results, as the pages, the API and the command line give them.

The submitted scores are read into a frame, one row per answer, and
``core.self_assessment`` computes the figures (its docstring states the method): by
element, the mean of the members' element scores, their spread, the spread between
sectors and the change since the previous round; by question, the mean, spread and how
many gave each score. The sector of a member is the broad sector (public, private, or
voluntary and community) of the partner they represent on the Board or the management
group. Only those who may see results (``querysets.may_see_results``) get any.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.core.exceptions import PermissionDenied

from joinedup.core import self_assessment as stats
from joinedup.partnership.models import BROAD_SECTOR, Membership
from joinedup.reviews.models import Response, Score, SelfAssessmentRound
from joinedup.reviews.querysets import RESULTS_REFUSAL, SCORING_BODIES, may_see_results
from joinedup.reviews.scoring import previous_round

#: The fields of a row of results by element, in the order exports write them.
ELEMENT_FIELDS = ("element", "name", "members", "answers", "mean", "lowest", "highest", "sd",
                  "sector_lowest", "sector_highest", "sector_gap", "previous_mean", "change")
QUESTION_FIELDS = ("code", "element", "text", "answers", "mean", "lowest", "highest", "sd",
                   "score_1", "score_2", "score_3", "score_4", "score_5")


@dataclass
class RoundResults:
    round: SelfAssessmentRound
    previous: SelfAssessmentRound | None
    submitted: int
    eligible: int
    elements: list[dict]
    sectors: list[str]
    questions: list[dict]


def score_frame(round_: SelfAssessmentRound) -> pl.DataFrame:
    """Every scored answer of the round's submitted responses, one row each."""
    rows = (Score.objects.filter(response__round=round_,
                                 response__status=Response.Status.SUBMITTED,
                                 value__isnull=False)
            .values_list("question__element", "question__code", "response__person_id",
                         "response__organisation__sector", "value"))
    return pl.DataFrame([(e, q, m, BROAD_SECTOR[s], v) for e, q, m, s, v in rows],
                        schema=stats.SCORE_SCHEMA, orient="row")


def eligible_members() -> int:
    """How many people sit on the Board or the management group: who may score."""
    return (Membership.objects.filter(body__kind__in=SCORING_BODIES)
            .values("person").distinct().count())


def round_results(round_: SelfAssessmentRound, user) -> RoundResults:
    """The round's results for ``user``; ``PermissionDenied`` if they may not see them."""
    if not may_see_results(user):
        raise PermissionDenied(RESULTS_REFUSAL)
    previous = previous_round(round_)
    scores = score_frame(round_)
    earlier = score_frame(previous) if previous is not None else stats.empty_scores()
    names = dict(round_.questions.values_list("element", "element_name"))
    order = list(names)
    by_element = {row["element"]: row for row in
                  stats.element_results(scores, earlier).iter_rows(named=True)}
    by_sector = stats.sector_means(scores)
    sectors = sorted(set(by_sector["sector"].to_list()))
    sector_mean = {(r["element"], r["sector"]): r for r in by_sector.iter_rows(named=True)}
    elements = []
    for key in order:
        row = by_element.get(key) or {"element": key, "members": 0, "answers": 0}
        row = {name: row.get(name) for name in stats.ELEMENT_COLUMNS}
        row["name"] = names[key]
        row["by_sector"] = [sector_mean.get((key, sector)) for sector in sectors]
        elements.append(row)
    figures = {r["question"]: r for r in stats.question_results(scores).iter_rows(named=True)}
    comments = _comments(round_)
    questions = []
    for question in round_.questions.all():
        row = figures.get(question.code) or {"answers": 0}
        questions.append({
            **{name: row.get(name) for name in stats.QUESTION_COLUMNS},
            "code": question.code, "element": question.element, "text": question.text,
            "element_name": question.element_name, "answers": row["answers"],
            "comments": comments.get(question.code, [])})
    submitted = round_.responses.filter(status=Response.Status.SUBMITTED).count()
    return RoundResults(round=round_, previous=previous, submitted=submitted,
                        eligible=eligible_members(), elements=elements, sectors=sectors,
                        questions=questions)


def _comments(round_: SelfAssessmentRound) -> dict[str, list[dict]]:
    """Submitted comments and evidence by question, under the partner who gave them."""
    found: dict[str, list[dict]] = {}
    scores = (Score.objects.filter(response__round=round_,
                                   response__status=Response.Status.SUBMITTED)
              .exclude(comment="", evidence=[])
              .select_related("question", "response__organisation")
              .order_by("question__order", "response__organisation__name", "pk"))
    for score in scores:
        found.setdefault(score.question.code, []).append({
            "partner": score.response.organisation.display_name, "value": score.value,
            "comment": score.comment, "evidence": score.evidence})
    return found


def element_rows(results: RoundResults) -> list[dict]:
    """The results by element as flat rows, with the fields ``ELEMENT_FIELDS``."""
    return [{name: row[name] for name in ELEMENT_FIELDS} for row in results.elements]


def question_rows(results: RoundResults) -> list[dict]:
    return [{name: row[name] for name in QUESTION_FIELDS} for row in results.questions]
