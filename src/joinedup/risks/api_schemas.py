"""The risk register as the API and the command line give it: risks, their controls and
the actions that deliver them, scores, the forecasts' proposals and the heat map.

Likelihood and impact are levels of the 5×5 matrix, 1 to 5, and a score is their product.
A risk's ``links`` are the codes of what it threatens: ``outcome:ID``, an indicator's code,
``CODE target PERIOD`` and ``pool:SLUG``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from joinedup.common.api import MAX_ID, Body, LongText, Page, PageQuery, finite, text

#: The fields of a row of the register, in the order the command line writes them.
REGISTER_FIELDS = ("id", "title", "owner", "likelihood", "impact", "score", "band", "appetite",
                   "proposed_likelihood", "p_miss", "proposal_source", "links")

#: How ``register.register`` joins a risk's links into one cell.
LINK_SEPARATOR = "; "

Level = Annotated[int, Field(ge=1, le=5)]
Slug = text(80, 1)
Movement = Literal["new", "up", "down", "same"]
ActionStatus = Literal["not_started", "on_track", "at_risk", "complete", "dropped"]
ScoreSource = Literal["owner", "accepted", "overridden", "opened"]
ProposalState = Literal["open", "accepted", "overridden", "superseded"]


def links_of(cell: str) -> list[str]:
    return [code for code in cell.split(LINK_SEPARATOR) if code]


def register_summary(row: dict) -> dict:
    """The fields of ``REGISTER_FIELDS`` from a row of ``register.register``."""
    return {name: _value(name, row[name]) for name in REGISTER_FIELDS}


def register_item(row: dict) -> dict:
    """Every column of a row of ``register.register``, as the API gives it."""
    return {name: _value(name, value) for name, value in row.items()}


def _value(name: str, value):
    if name == "links":
        return links_of(value)
    if name == "p_miss":
        return finite(value)
    return value


# ---- the register ---------------------------------------------------------------------

class RegisterQuery(PageQuery):
    body: Slug | None = Field(None, description="Only the register of this body, by slug, "
                              "such as 'active-healthy-gateshead'.")


class RiskRow(Schema):
    id: int
    title: str
    category: str = Field(description="The kind of risk, whose appetite applies.")
    body: str = Field(description="The slug of the body whose register holds it.")
    owner: str = Field(description="The owner's username.")
    likelihood: int = Field(description="Now, with the controls in place: 1 rare to 5 "
                            "almost certain.")
    impact: int = Field(description="1 negligible to 5 catastrophic.")
    score: int = Field(description="Likelihood × impact, 1 to 25.")
    band: str = Field(description="The band the score falls in, such as 'High'.")
    appetite: int = Field(description="The highest current score accepted for its category.")
    above_appetite: bool
    inherent_score: int = Field(description="Before any control.")
    target_score: int = Field(description="Once the planned mitigations are done.")
    previous_score: int | None = Field(description="At the end of the last quarter; empty "
                                       "when none was recorded by then.")
    movement: Movement = Field(description="Since the last quarter.")
    review_date: dt.date
    proposed_likelihood: int | None = Field(description="The likelihood the forecast of its "
                                            "target proposes, awaiting its owner; empty when "
                                            "no proposal is open.")
    p_miss: float | None = Field(description="The forecast chance of missing the target, "
                                 "behind the open proposal.")
    proposal_source: str = Field(description="Such as 'P(miss) 0.72 for HW 02 target "
                                 "2019/20'; empty when no proposal is open.")
    links: list[str] = Field(description="The codes of the outcomes, indicators, targets and "
                             "pooled budgets it threatens.")


class RegisterPage(Page):
    items: list[RiskRow]


class ActionOut(Schema):
    id: int
    title: str
    outcome: str | None = Field(description="The title of the outcome it leads towards, if "
                                "any.")
    theme: str | None = Field(description="The slug of that outcome's theme.")
    lead: str = Field(description="The slug of the partner that delivers it.")
    owner: str | None = Field(description="The username of the person who owns it.")
    due: dt.date
    status: ActionStatus
    progress: int = Field(description="Per cent complete.")
    overdue: bool = Field(description="Past its due date and neither complete nor dropped.")
    illustrative: bool = Field(description="Invented to show how the system works, not "
                               "published.")
    note: str


class ControlOut(Schema):
    id: int
    kind: Literal["control", "mitigation"] = Field(description="A control keeps the risk "
                                                  "down now; a mitigation will bring it down.")
    description: str
    in_place: bool = Field(description="It has actions and every one is complete.")
    actions: list[ActionOut]


class ControlIn(Body):
    kind: Literal["control", "mitigation"] = Field("control", description="A control keeps "
                                                   "the risk down now; a mitigation will "
                                                   "bring it down.")
    description: text(300, 1) = Field(description="What it is.")
    actions: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        max_length=100, description="The ids of the pathway actions that deliver it: "
        "towards the risk's outcomes or its body's themes' outcomes, or hanging off no "
        "outcome.")


class RiskDetail(RiskRow):
    cause: str
    effect: str
    restricted: bool = Field(description="Seen only by its body's members, its owner and "
                             "the partnership officer.")
    illustrative: bool
    inherent_likelihood: int
    inherent_impact: int
    target_likelihood: int
    target_impact: int
    driving_target: str | None = Field(description="The target whose forecast proposes its "
                                       "likelihood, such as 'HW 02 target 2019/20'.")
    may_keep: bool = Field(description="Whether the caller may score it and decide its "
                           "proposals.")
    controls: list[ControlOut]


def action_item(action, today: dt.date) -> dict:
    outcome = action.outcome
    return {"id": action.pk, "title": action.title,
            "outcome": outcome.title if outcome else None,
            "theme": outcome.theme.slug if outcome else None, "lead": action.lead.slug,
            "owner": action.owner.get_username() if action.owner else None, "due": action.due,
            "status": action.status, "progress": action.progress,
            "overdue": action.overdue_on(today), "illustrative": action.illustrative,
            "note": action.note}


def target_label(target) -> str | None:
    return None if target is None else f"{target.indicator.code} target {target.period}"


# ---- actions --------------------------------------------------------------------------

class ActionQuery(PageQuery):
    overdue: bool = Field(False, description="Only actions past their due date and neither "
                          "complete nor dropped.")
    body: Slug | None = Field(None, description="Only the actions of this body's layer: "
                              "towards its theme's outcomes, or delivering controls of its "
                              "risks.")


class ActionListed(ActionOut):
    risks: list[int] = Field(description="The ids of the risks, that the caller may see, "
                             "whose controls it delivers.")


class ActionPage(Page):
    items: list[ActionListed]


# ---- scores ---------------------------------------------------------------------------

class ScoreOut(Schema):
    id: int
    risk: int
    likelihood: int
    impact: int
    score: int
    quarter: str = Field(description="The quarter of the financial year it counts in, such "
                         "as '2026/27 Q3'.")
    source: ScoreSource = Field(description="Scored by its owner, a forecast proposal "
                                "accepted or overridden, or the risk opened.")
    reason: str
    recorded_by: str | None = Field(description="The username of who recorded it.")
    recorded_at: dt.datetime


class ScorePage(Page):
    items: list[ScoreOut]


class ScoreIn(Body):
    likelihood: Level
    impact: Level
    reason: LongText = Field(description="Why the score is what it is, kept with it.")


def score_item(score) -> dict:
    return {"id": score.pk, "risk": score.risk_id, "likelihood": score.likelihood,
            "impact": score.impact, "score": score.score, "quarter": score.quarter,
            "source": score.source, "reason": score.reason,
            "recorded_by": score.recorded_by.get_username() if score.recorded_by else None,
            "recorded_at": score.recorded_at}


# ---- proposals ------------------------------------------------------------------------

class ProposalQuery(PageQuery):
    body: Slug | None = Field(None, description="Only proposals for this body's risks.")


class ProposalOut(Schema):
    id: int
    risk: int
    risk_title: str
    body: str = Field(description="The slug of the body whose register holds the risk.")
    owner: str = Field(description="The username of the risk's owner, who decides.")
    target: str | None = Field(description="Such as 'HW 02 target 2019/20'.")
    recorded_likelihood: int = Field(description="The likelihood on record when proposed.")
    proposed_likelihood: int
    p_miss: float | None = Field(description="The forecast chance of missing the target.")
    signal: bool = Field(description="The target's indicator had a special-cause signal.")
    source: str = Field(description="Such as 'P(miss) 0.72 for HW 02 target 2019/20'.")
    reason: str = Field(description="Why it was proposed now.")
    state: ProposalState
    raised_at: dt.datetime
    decided_likelihood: int | None
    decision_reason: str
    decided_by: str | None
    decided_at: dt.datetime | None


class ProposalPage(Page):
    items: list[ProposalOut]


class DecisionIn(Body):
    accept: bool = Field(description="true takes the proposed likelihood; false overrides it.")
    likelihood: Level | None = Field(None, description="When overriding: the likelihood to "
                                     "keep (default: the one on record).")
    reason: LongText = Field("", description="Why; needed when overriding.")


def proposal_item(proposal) -> dict:
    risk = proposal.risk
    return {"id": proposal.pk, "risk": risk.pk, "risk_title": risk.title,
            "body": risk.body.slug, "owner": risk.owner.get_username(),
            "target": target_label(proposal.target),
            "recorded_likelihood": proposal.recorded_likelihood,
            "proposed_likelihood": proposal.proposed_likelihood,
            "p_miss": finite(proposal.p_miss), "signal": proposal.signal,
            "source": proposal.source, "reason": proposal.reason, "state": proposal.state,
            "raised_at": proposal.raised_at,
            "decided_likelihood": proposal.decided_likelihood,
            "decision_reason": proposal.decision_reason,
            "decided_by": (proposal.decided_by.get_username() if proposal.decided_by
                           else None),
            "decided_at": proposal.decided_at}


# ---- the heat map ---------------------------------------------------------------------

class HeatMapQuery(Schema):
    body: Slug | None = Field(None, description="Only the risks of this body's register.")


class CellOut(Schema):
    likelihood: int
    impact: int
    score: int
    band: str
    colour: str = Field(description="green, yellow, orange or red.")
    count: int = Field(description="How many risks sit in this cell now.")
    up: int = Field(description="Of them, how many scored higher than at the end of the "
                    "last quarter.")
    down: int
    new: int = Field(description="Of them, how many had no score by the end of the last "
                     "quarter.")


class HeatMapOut(Schema):
    body: str | None
    held: int = Field(description="How many risks the caller may see on this register.")
    cells: list[CellOut] = Field(description="All 25 cells, the most likely first.")
