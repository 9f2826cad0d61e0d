"""The risk register in the API: the register, one risk with its controls, its scores, the
forecasts' proposals, the actions that deliver the controls, and the heat map; scoring a
risk and deciding a proposal.

Who sees and keeps a risk is the querysets' rule, as on the pages and the command line:
anyone signed in sees the risks that are not restricted, and a restricted risk is seen only
by its body's members, its owner and the partnership officer. For anyone else it is a 404,
exactly as if it did not exist. The register is the partnership's own business, so an
anonymous caller's lists are empty and any one risk is a 404.

Scores, decisions and new controls go through ``risks.scoring``: the risk's owner, its
body's members and the partnership officer may take them (403 for anyone else, with the
rule's sentence), and one that cannot be taken as asked (a score below the inherent one
with no control in place, an override with no reason, a control linked to an action that
cannot deliver it) is a 422 with the reason. Nothing is changed by a refused request.

A filter that names a body that does not exist is a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, PageQuery, invalid, page,
)
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.partnership.models import Body
from joinedup.risks import register, scoring
from joinedup.risks.api_schemas import (
    ActionPage,
    ActionQuery,
    ControlIn,
    ControlOut,
    DecisionIn,
    HeatMapOut,
    HeatMapQuery,
    ProposalOut,
    ProposalPage,
    ProposalQuery,
    RegisterPage,
    RegisterQuery,
    RiskDetail,
    ScoreIn,
    ScoreOut,
    ScorePage,
    action_item,
    proposal_item,
    register_item,
    score_item,
    target_label,
)
from joinedup.risks.models import Control, Proposal, Risk, Score
from joinedup.strategy.models import PathwayAction

router = Router(auth=READ)

RiskId = Annotated[int, Path(ge=1, le=MAX_ID)]
ProposalId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _problem(detail: str, column: str = "") -> Status:
    """A 422 with one problem, in the shape every invalid request is answered in."""
    return Status(422, invalid(detail, [{"row": None, "column": column, "message": detail,
                                         "severity": "error"}]))


def _chosen_body(user, slug: str | None) -> tuple[Body | None, Status | None]:
    if not slug:
        return None, None
    found = Body.objects.visible_to(user).filter(slug=slug.strip().lower()).first()
    if found is None:
        return None, Status(422, invalid("The request is not valid: see body.", [
            {"row": None, "column": "body", "severity": "error",
             "message": f"there is no body {slug!r}"}]))
    return found, None


def _risk(user, risk_id: int) -> Risk:
    risk = (Risk.objects.visible_to(user).select_related("category", "body", "owner")
            .filter(pk=risk_id).first())
    if risk is None:
        raise HttpError(404, f"There is no risk {risk_id} that you may see.")
    return risk


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def _problems(error: ValidationError) -> Status:
    """A 422 listing each of the rule's messages, under its field where it names one."""
    by_field = (error.message_dict.items() if hasattr(error, "error_dict")
                else [("", error.messages)])
    return Status(422, invalid(_refusal(error), [
        {"row": None, "column": "" if column == "__all__" else column, "message": message,
         "severity": "error"} for column, messages in by_field for message in messages]))


# ---- the register ---------------------------------------------------------------------

@router.get("", response={200: RegisterPage, **READ_ERRORS}, summary="List the risk register",
            openapi_extra=OPTIONAL_TOKEN)
def list_risks(request, query: Query[RegisterQuery]):
    """The risks the caller may see, highest score first, each with its band, appetite,
    movement since the last quarter and any likelihood its target's forecast proposes;
    filter by body. Partners only: an anonymous caller gets an empty list."""
    user = request.auth
    body, refused = _chosen_body(user, query.body)
    if refused:
        return refused
    table = register.register(user, body=body)
    rows = table.slice(query.offset, query.limit).to_dicts()
    return {"count": table.height, "limit": query.limit, "offset": query.offset,
            "items": [register_item(row) for row in rows]}


@router.get("/heat-map", response={200: HeatMapOut, **READ_ERRORS},
            summary="The register's heat map: risks by likelihood and impact",
            openapi_extra=OPTIONAL_TOKEN)
def risk_heat_map(request, query: Query[HeatMapQuery]):
    """All 25 cells of the 5×5 matrix, each with its band and how many of the risks the
    caller may see sit there now, and how many of them moved up, down or are new since the
    last quarter; filter by body."""
    user = request.auth
    body, refused = _chosen_body(user, query.body)
    if refused:
        return refused
    table = register.register(user, body=body)
    cells = register.heat_map(table).to_dicts()
    return {"body": body.slug if body else None, "held": table.height, "cells": cells}


# ---- proposals (declared before "/{risk_id}") -----------------------------------------

def _proposals(user):
    return Proposal.objects.visible_to(user).select_related(
        "risk__body", "risk__owner", "target__indicator", "decided_by")


@router.get("/proposals", response={200: ProposalPage, **READ_ERRORS},
            summary="List the likelihoods proposed by the forecasts, awaiting their owners",
            openapi_extra=OPTIONAL_TOKEN)
def list_open_proposals(request, query: Query[ProposalQuery]):
    """Open proposals for the risks the caller may see, newest first: the likelihood read
    from the forecast chance of missing the risk's target, for its owner to accept or
    override. Filter by body. Partners only."""
    user = request.auth
    body, refused = _chosen_body(user, query.body)
    if refused:
        return refused
    proposals = _proposals(user).filter(state=Proposal.State.OPEN).order_by("-raised_at", "-pk")
    if body is not None:
        proposals = proposals.filter(risk__body=body)
    return page(proposals, query, proposal_item)


@router.post("/proposals/{proposal_id}/decision", auth=WRITE,
             response={200: ProposalOut, **WRITE_ERRORS},
             summary="Accept or override a proposed likelihood")
def decide_proposal(request, proposal_id: ProposalId, body: DecisionIn):
    """The risk's owner, its body's members or the partnership officer accept the proposed
    likelihood (`accept: true`), or override it (`accept: false`) with the `likelihood` to
    keep (default: the one on record) and the `reason`. Either way the risk is scored
    again and both the proposal and the decision are kept. 403 for anyone else; 422 if the
    proposal is decided already, an override has no reason or keeps the proposed
    likelihood, or the score would fall below the inherent one with no control in place."""
    user = request.auth
    proposal = _proposals(user).filter(pk=proposal_id).first()
    if proposal is None:
        raise HttpError(404, f"There is no proposal {proposal_id} that you may see.")
    if body.accept and body.likelihood not in (None, proposal.proposed_likelihood):
        return _problem("Accepting takes the proposed likelihood; send a likelihood only to "
                        "override it.", "likelihood")
    try:
        decided = scoring.decide(proposal, accept=body.accept, person=user,
                                 reason=body.reason, likelihood=body.likelihood)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return _problem(_refusal(error))
    return proposal_item(decided)


# ---- actions --------------------------------------------------------------------------

@router.get("/actions", response={200: ActionPage, **READ_ERRORS},
            summary="List the pathway actions, or the overdue ones",
            openapi_extra=OPTIONAL_TOKEN)
def list_pathway_actions(request, query: Query[ActionQuery]):
    """Dated actions towards the outcomes and delivering the risks' controls, by due date,
    each with the risks it serves that the caller may see; `overdue=true` keeps those past
    their due date and neither complete nor dropped. Filter by body: its theme's outcomes
    and its risks' controls. An action that only delivers controls of risks the caller may
    not see is not listed. Partners only, as on the theme pages."""
    user = request.auth
    body, refused = _chosen_body(user, query.body)
    if refused:
        return refused
    return page(_actions(user, query, body), query, _listed(user))


def _actions(user, query: ActionQuery, body: Body | None):
    if not (user and user.is_authenticated):
        return PathwayAction.objects.none()
    today = timezone.localdate()
    if query.overdue:
        actions = register.overdue_actions(today, body=body)
    else:
        actions = (PathwayAction.objects.visible_to(user)
                   .select_related("outcome__theme__body", "lead", "owner"))
        if body is not None:
            actions = actions.filter(Q(outcome__theme__body=body)
                                     | Q(controls__risk__body=body)).distinct()
        actions = actions.order_by("due", "title")
    seen = Risk.objects.visible_to(user).values("pk")
    unseen_only = (PathwayAction.objects.filter(outcome__isnull=True, controls__isnull=False)
                   .exclude(controls__risk__in=seen))
    return (actions.exclude(pk__in=unseen_only.values("pk"))
            .order_by("due", "title", "pk")
            .prefetch_related(Prefetch("controls", queryset=Control.objects.visible_to(user),
                                       to_attr="seen_controls")))


def _listed(user):
    today = timezone.localdate()

    def item(action: PathwayAction) -> dict:
        return {**action_item(action, today),
                "risks": sorted({control.risk_id for control in action.seen_controls})}

    return item


# ---- one risk -------------------------------------------------------------------------

@router.get("/{risk_id}", response={200: RiskDetail, **DETAIL_ERRORS},
            summary="One risk, with its controls and the actions that deliver them",
            openapi_extra=OPTIONAL_TOKEN)
def get_risk(request, risk_id: RiskId):
    """A risk as its register row has it, with its cause and effect, its inherent and
    target levels, the target that drives it, whether the caller may keep it, and each
    control or mitigation with its actions and whether it is in place (it has actions and
    every one is complete). 404 if the caller may not see it."""
    user = request.auth
    risk = _risk(user, risk_id)
    table = register.register(user, body=risk.body)
    row = table.filter(pl.col("id") == risk.pk).to_dicts()[0]
    today = timezone.localdate()
    controls = (risk.controls.order_by("kind", "pk")
                .prefetch_related("actions__lead", "actions__owner", "actions__outcome__theme"))
    driving = risk.driving_target
    return {
        **register_item(row),
        "cause": risk.cause, "effect": risk.effect, "restricted": risk.restricted,
        "illustrative": risk.illustrative,
        "inherent_likelihood": risk.inherent_likelihood,
        "inherent_impact": risk.inherent_impact,
        "target_likelihood": risk.target_likelihood, "target_impact": risk.target_impact,
        "driving_target": target_label(driving),
        "may_keep": Risk.objects.editable_by(user).filter(pk=risk.pk).exists(),
        "controls": [_control(control, today) for control in controls],
    }


def _control(control: Control, today) -> dict:
    return {"id": control.pk, "kind": control.kind, "description": control.description,
            "in_place": scoring.in_place(control),
            "actions": [action_item(action, today)
                        for action in sorted(control.actions.all(),
                                             key=lambda a: (a.due, a.title, a.pk))]}


@router.get("/{risk_id}/scores", response={200: ScorePage, **DETAIL_ERRORS},
            summary="A risk's score history", openapi_extra=OPTIONAL_TOKEN)
def list_risk_scores(request, risk_id: RiskId, query: Query[PageQuery]):
    """Every score recorded for the risk, latest first, each with the quarter it counts
    in, why, and who recorded it. 404 if the caller may not see the risk."""
    user = request.auth
    risk = _risk(user, risk_id)
    scores = (Score.objects.visible_to(user).filter(risk=risk).select_related("recorded_by")
              .order_by("-recorded_at", "-pk"))
    return page(scores, query, score_item)


@router.post("/{risk_id}/scores", auth=WRITE, response={201: ScoreOut, **WRITE_ERRORS},
             summary="Score a risk")
def score_risk(request, risk_id: RiskId, body: ScoreIn):
    """Record the risk's current likelihood and impact, with why. A score below the
    inherent one needs a control in place (422 otherwise); a score above it raises the
    inherent score to meet it. The risk's owner, its body's members and the partnership
    officer may (403 for anyone else)."""
    user = request.auth
    risk = _risk(user, risk_id)
    try:
        recorded = scoring.score_risk(risk, likelihood=body.likelihood, impact=body.impact,
                                      reason=body.reason, person=user)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return _problem(_refusal(error))
    return Status(201, score_item(recorded))


@router.post("/{risk_id}/controls", auth=WRITE, response={201: ControlOut, **WRITE_ERRORS},
             summary="Add a control or mitigation to a risk, linked to its actions")
def add_risk_control(request, risk_id: RiskId, body: ControlIn):
    """A control (keeping the risk down now) or a mitigation (to bring it down), linked to
    the pathway actions that deliver it: actions towards the risk's outcomes or its body's
    themes' outcomes, or ones that hang off no outcome. It is in place once every one of
    its actions is complete. The risk's owner, its body's members and the partnership
    officer may (403 for anyone else); 422 naming `actions` for an action that cannot
    deliver it."""
    user = request.auth
    risk = _risk(user, risk_id)
    try:
        control = scoring.add_control(risk, kind=body.kind, description=body.description,
                                      actions=body.actions, person=user)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return _problems(error)
    control = Control.objects.prefetch_related(
        "actions__lead", "actions__owner", "actions__outcome__theme").get(pk=control.pk)
    return Status(201, _control(control, timezone.localdate()))
