"""The self-assessment as the API gives it: rounds, the questions a round asks, a member's
scores, and the results by element and by question.

Scores run from 1 to 5; a figure that cannot be computed (a standard deviation from one
member, a change with no previous round) is empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from joinedup.common.api import Body, LongText, Page, finite, text

Code = text(60, 1)
Link = text(500, 1)


class SelfAssessmentRoundOut(Schema):
    id: int
    title: str
    opens: dt.date
    closes: dt.date
    status: Literal["open", "closed"]
    questions: int = Field(description="How many questions the round asks.")
    my_status: Literal["not started", "draft", "submitted"] | None = Field(
        description="The caller's own response, for members of the Board and the "
                    "management group; empty for anyone else.")


class SelfAssessmentRoundPage(Page):
    items: list[SelfAssessmentRoundOut]


class SelfAssessmentQuestionOut(Schema):
    code: str
    element: str = Field(description="The element's key, such as 'staff-and-skills'.")
    element_name: str
    text: str
    sources: str = Field(description="The case studies it is quoted from; empty for the "
                                     "partnership's own questions, whose codes start 'own-'.")


class SelfAssessmentQuestionsOut(Schema):
    round: int
    score_labels: list[str] = Field(description="The words for the scores 1 to 5.")
    questions: list[SelfAssessmentQuestionOut]


class SelfAssessmentAnswerIn(Body):
    question: Code = Field(description="The question's code, such as 'goals-1'.")
    score: Annotated[int, Field(ge=1, le=5)] | None = Field(
        None, description="1 to 5; leave it out to keep the question unscored in a draft.")
    comment: LongText = ""
    evidence: list[Link] = Field(
        default_factory=list, max_length=10,
        description="Web addresses, or pages of JoinedUp by their path, such as "
                    "'/bodies/gsp-board/packs/'.")


class ScoresIn(Body):
    answers: list[SelfAssessmentAnswerIn] = Field(max_length=200)
    submit: bool = Field(False, description="true to submit: every question of the round "
                                            "must then have a score, sent now or before.")


class AnswerOut(Schema):
    question: str
    score: int | None
    comment: str
    evidence: list[str]


class ScoresOut(Schema):
    round: int
    status: Literal["draft", "submitted"]
    submitted_at: dt.datetime | None
    answers: list[AnswerOut]


class SectorMeanOut(Schema):
    sector: str
    members: int
    mean: float


class ElementOut(Schema):
    element: str
    name: str
    members: int = Field(description="Members who scored the element.")
    answers: int
    mean: float | None = Field(description="The mean of the members' element scores.")
    lowest: float | None
    highest: float | None
    sd: float | None = Field(description="The sample standard deviation between members.")
    sectors: list[SectorMeanOut]
    sector_lowest: str | None
    sector_highest: str | None
    sector_gap: float | None = Field(description="The highest sector's mean less the lowest's.")
    previous_mean: float | None = Field(description="The element's mean in the previous round.")
    change: float | None = Field(description="mean − previous_mean.")


class QuestionResultOut(Schema):
    code: str
    element: str
    text: str
    answers: int
    mean: float | None
    lowest: float | None
    highest: float | None
    sd: float | None
    counts: list[int] = Field(description="How many members gave each score, 1 to 5.")


class ResultsOut(Schema):
    round: int
    title: str
    previous_round: int | None
    submitted: int = Field(description="Members who have submitted their scores.")
    eligible: int = Field(description="Members of the Board and the management group.")
    elements: list[ElementOut]
    questions: list[QuestionResultOut]


def results_item(found) -> dict:
    """``results.RoundResults`` as the API gives it."""
    elements = []
    for row in found.elements:
        elements.append({
            **{name: (finite(row[name]) if isinstance(row[name], float) else row[name])
               for name in ("element", "name", "members", "answers", "mean", "lowest",
                            "highest", "sd", "sector_lowest", "sector_highest",
                            "sector_gap", "previous_mean", "change")},
            "members": row["members"] or 0, "answers": row["answers"] or 0,
            "sectors": [{"sector": cell["sector"], "members": cell["members"],
                         "mean": cell["mean"]} for cell in row["by_sector"] if cell]})
    questions = [{
        "code": q["code"], "element": q["element"], "text": q["text"], "answers": q["answers"],
        "mean": finite(q["mean"]), "lowest": q["lowest"], "highest": q["highest"],
        "sd": finite(q["sd"]),
        "counts": [q[f"score_{s}"] or 0 for s in (1, 2, 3, 4, 5)]} for q in found.questions]
    return {"round": found.round.pk, "title": found.round.title,
            "previous_round": found.previous.pk if found.previous else None,
            "submitted": found.submitted, "eligible": found.eligible,
            "elements": elements, "questions": questions}
