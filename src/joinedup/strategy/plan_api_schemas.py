"""Delivery plans as the API gives them: the list, one plan with its five stages, its option
appraisal and its challenge, and what a program sends to start, write and move a plan.

Every amount of money is a string of pounds and pence with two decimals, such as
``"120000.00"``: the figure as stored, which a JSON number could not always carry to the
penny. An amount sent is a JSON number of pounds, to the penny at most.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AfterValidator

from joinedup.common.api import MAX_ID, Body, Code, Page, PageQuery, text
from joinedup.strategy.delivery import STAGES

PlanState = Literal["draft", "challenge", "agreed", "under_review"]
OptionKind = Literal["bau", "do_minimum", "other"]
CommentKind = Literal["linkage", "gap", "channel"]
Move = Literal["open", "agree", "review", "redraft"]
Slug = text(80, 1)
Title = text(200, 1)
Writing = text(4000)
LongAnswer = text(8000)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
MONEY = "Pounds and pence as a string with two decimals, such as \"120000.00\"."


def _to_the_penny(pounds: float) -> float:
    if Decimal(str(pounds)).as_tuple().exponent < -2:
        raise ValueError("an amount is in pounds and pence, to the penny at most")
    return pounds


#: Pounds sent as a JSON number: 0 or more, to the penny, below a million million.
Pounds = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0,
                                le=999_999_999_999.99), AfterValidator(_to_the_penny)]


def pence(pounds: float) -> Decimal:
    return Decimal(f"{pounds:.2f}")


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')) + 0:.2f}"


# ---- the list -------------------------------------------------------------------------

class PlanQuery(PageQuery):
    state: PlanState | None = Field(None, description="Only the plans in this state.")
    lead: Slug | None = Field(None, description="Only the plans this theme partnership "
                              "leads, by slug, such as 'active-healthy-gateshead'.")


class PlanOut(Schema):
    id: int
    title: str
    outcome: str | None = Field(description="The title of the outcome it is for, if any.")
    indicator: str | None = Field(description="The code of the indicator it is for, if any.")
    state: PlanState = Field(description="draft, challenge (open to challenge by the other "
                             "theme partnerships), agreed or under_review.")
    lead: str = Field(description="The slug of the theme partnership that leads it.")
    lead_name: str
    owner: str = Field(description="The username of its owner.")
    illustrative: bool = Field(description="Invented to show how planning works, not "
                               "agreed.")
    url: str = Field(description="The plan's page on the site.")


class PlanPage(Page):
    items: list[PlanOut]


def plan_item(plan) -> dict:
    return {"id": plan.pk, "title": plan.title,
            "outcome": plan.outcome.title if plan.outcome_id else None,
            "indicator": plan.indicator.code if plan.indicator_id else None,
            "state": plan.state, "lead": plan.lead.slug, "lead_name": plan.lead.name,
            "owner": plan.owner.get_username(), "illustrative": plan.illustrative,
            "url": reverse("strategy:plan", args=[plan.pk])}


# ---- one plan -------------------------------------------------------------------------

class QuestionOut(Schema):
    key: str = Field(description="Such as 'priority'; the address of its answer.")
    text: str
    generated: bool = Field(description="Answered from the engine and the resources table, "
                            "not written.")
    answer: str | None = Field(description="Empty until it is answered.")
    generated_at: dt.datetime | None = Field(description="When a generated answer was "
                                             "written.")


class StageOut(Schema):
    number: int = Field(description="1 to 5.")
    name: str = Field(description="Such as 'Priorities understood'.")
    questions: list[QuestionOut]


class OptionOut(Schema):
    id: int
    kind: OptionKind = Field(description="bau (business as usual), do_minimum or other.")
    title: str
    capital_cost: str = Field(description=MONEY)
    revenue_cost: str = Field(description=MONEY)
    expected_effect: str
    risks: str
    chosen: bool


class CommentOut(Schema):
    id: int
    body: str = Field(description="The slug of the theme partnership that commented.")
    kind: CommentKind = Field(description="On a linkage, a gap or an alternative delivery "
                              "channel.")
    text: str
    written_by: str
    written_at: dt.datetime
    answer: str | None = Field(description="The lead partnership's answer; empty until "
                               "answered.")
    answered_by: str | None
    answered_at: dt.datetime | None


class ActionRef(Schema):
    id: int
    title: str


class PlanDetail(PlanOut):
    may_lead: bool = Field(description="Whether the caller may write and move it: a member "
                           "of its lead partnership, its owner or the partnership officer.")
    stages: list[StageOut]
    options: list[OptionOut] = Field(description="The short list of the option appraisal.")
    choice_reason: str = Field(description="Why the chosen option was chosen.")
    comments: list[CommentOut] = Field(description="The challenge by the other theme "
                                       "partnerships, oldest first.")
    actions: list[ActionRef] = Field(description="The pathway actions that deliver it.")
    agreed_by: str | None
    agreed_at: dt.datetime | None


def question_item(question, answer) -> dict:
    return {"key": question.key, "text": question.text, "generated": question.generated,
            "answer": answer.text if answer is not None and answer.text else None,
            "generated_at": answer.generated_at if answer is not None else None}


def stages(questions, answers: dict) -> list[dict]:
    return [{"number": number, "name": name,
             "questions": [question_item(q, answers.get(q.pk)) for q in questions
                           if q.stage == number]}
            for number, name in STAGES.items()]


def option_item(option) -> dict:
    return {"id": option.pk, "kind": option.kind, "title": option.title,
            "capital_cost": money(option.capital_cost),
            "revenue_cost": money(option.revenue_cost),
            "expected_effect": option.expected_effect, "risks": option.risks,
            "chosen": option.chosen}


def comment_item(comment) -> dict:
    return {"id": comment.pk, "body": comment.body.slug, "kind": comment.kind,
            "text": comment.text, "written_by": comment.written_by.get_username(),
            "written_at": comment.written_at, "answer": comment.answer or None,
            "answered_by": (comment.answered_by.get_username() if comment.answered_by_id
                            else None),
            "answered_at": comment.answered_at}


# ---- writes ---------------------------------------------------------------------------

class PlanIn(Body):
    title: Title
    lead: Slug = Field(description="The slug of the theme partnership that will lead it.")
    outcome: text(250, 1) | None = Field(None, description="The title of the outcome it is "
                                         "for; or send an indicator.")
    indicator: Code | None = Field(None, description="The code of the indicator it is for, "
                                   "such as 'HW 02'; or send an outcome.")


class AnswerIn(Body):
    text: LongAnswer = Field(description="The answer to the question.")


class OptionIn(Body):
    kind: OptionKind = Field("other", description="bau (business as usual), do_minimum or "
                             "other. The short list needs one of each of the first two.")
    title: Title
    capital_cost: Pounds = Field(0, description="Pounds, such as 25000.")
    revenue_cost: Pounds = Field(0, description="Pounds a year, such as 120000.")
    expected_effect: text(4000, 1)
    risks: Writing = ""


class ChoiceIn(Body):
    option: Id = Field(description="The id of the chosen option, on this plan's short list.")
    reason: text(4000, 1) = Field(description="Why it was chosen.")


class MoveIn(Body):
    move: Move = Field(description="open (to challenge), agree, review (put under review) "
                       "or redraft (back to draft).")


class CommentIn(Body):
    body: Slug = Field(description="The slug of the theme partnership commenting, of which "
                       "the caller is a member; not the lead.")
    kind: CommentKind
    text: Writing


class ReplyIn(Body):
    answer: Writing = Field(description="The lead partnership's answer to the comment.")
