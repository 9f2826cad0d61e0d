"""Places in the API: the area forums and the outcomes they chose, residents' priorities
ranked per area, and operations with their measured impact; a forum choosing its outcomes.

Who sees what is the querysets' rule, as on the pages: forums' choices and residents'
priorities are partnership business (an anonymous caller's lists are empty), and a
restricted operation is seen only by its lead body's members and the partnership officer
(a 404 for anyone else). Choosing goes through ``choosing``: a forum's members and the
officer choose (403 for anyone else, with the rule's sentence), five or six outcomes each
with a reason (422 with each problem otherwise); nothing changes on a refusal.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS, READ_ERRORS, WRITE_ERRORS, Body, Code, Page, PageQuery, finite, invalid,
    page, refused_by_rule, text,
)
from joinedup.localities import choosing, impact
from joinedup.localities.models import AreaPriority, Operation
from joinedup.localities.priorities import ranked_for
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.partnership.models import Body as PartnershipBody
from joinedup.places.models import Area
from joinedup.strategy.models import Outcome

router = Router(auth=READ)


class ChoiceOut(Schema):
    order: int
    outcome: str
    theme: str
    reason: str
    illustrative: bool


class ForumOut(Schema):
    slug: str
    name: str
    area: str | None = Field(description="The code of the forum's area.")
    outcomes: list[ChoiceOut] = Field(description="The outcomes it chose, in its order.")


class ForumPage(Page):
    items: list[ForumOut]


class ForumChoiceIn(Body):
    outcome: text(250, 1) = Field(description="The title of an outcome of the strategy.")
    reason: text(2000, 0) = Field(description="Why it matters in the forum's area.")


class ChoicesIn(Body):
    outcomes: list[ForumChoiceIn] = Field(description="Five or six outcomes, in the forum's "
                                     "order; they replace the forum's last choice.")


class IssueOut(Schema):
    rank: int
    issue: str
    count: int
    share: float | None = Field(description="Of those who answered a survey; else empty.")
    margin_of_error: float | None = Field(description="95%, normal approximation.")
    outcomes: list[str] = Field(description="The outcomes it is linked to, by title.")
    operations: list[str] = Field(description="The slugs of the operations that took it "
                                  "up, which the caller may see.")


class PriorityGroupOut(Schema):
    area: str
    area_name: str
    consultation: str
    source: str
    collected_on: dt.date
    sample_size: int | None
    issues: list[IssueOut]


class PriorityQuery(Schema):
    area: Code | None = Field(None, description="An area's code: only its priorities.")


class ImpactOut(Schema):
    measured: bool
    reason: str = Field(description="Why it is not measured, when it is not.")
    estimate: float | None = Field(description="Relative change, e.g. -0.25 for a quarter "
                                   "fewer.")
    lower95: float | None
    upper95: float | None
    comparison_areas: int
    pre_fit: float | None
    sentence: str
    method: str


class CommitmentOut(Schema):
    partner: str
    officer_days: float
    cash: float
    in_kind: str
    in_kind_value: float


class OperationOut(Schema):
    slug: str
    title: str
    lead: str
    starts: dt.date
    ends: dt.date
    follow_up: dt.date
    restricted: bool
    illustrative: bool


class OperationDetail(OperationOut):
    summary: str
    target_areas: list[str]
    measured_by: str | None = Field(description="The indicator's code.")
    commitments: list[CommitmentOut]
    actions: list[str]
    impact: ImpactOut


class OperationPage(Page):
    items: list[OperationOut]


def _forums(user):
    forums = PartnershipBody.objects.filter(kind="area_forum").select_related("area")
    return forums.order_by("order", "name") if user and user.is_authenticated else forums.none()


def _forum_item(forum) -> dict:
    return {"slug": forum.slug, "name": forum.name,
            "area": forum.area.code if forum.area_id else None,
            "outcomes": [{"order": c.order, "outcome": c.outcome.title,
                          "theme": c.outcome.theme.slug, "reason": c.reason,
                          "illustrative": c.illustrative}
                         for c in AreaPriority.objects.filter(forum=forum)
                         .select_related("outcome__theme")]}


@router.get("/forums", response={200: ForumPage, **READ_ERRORS},
            summary="List the area forums with their chosen outcomes",
            openapi_extra=OPTIONAL_TOKEN)
def list_forums(request, query: Query[PageQuery]):
    """Each area forum with the outcomes it chose and why. Partners only: an anonymous
    caller gets an empty list."""
    return page(_forums(request.auth), query, _forum_item)


@router.put("/forums/{slug}/outcomes", auth=WRITE, response={200: ForumOut, **WRITE_ERRORS},
            summary="Choose a forum's outcomes")
def choose_forum_outcomes(request, slug: Code, body: ChoicesIn):
    """Five or six outcomes of the strategy, each with its reason, replacing the last
    choice. The forum's members and the partnership officer choose."""
    forum = _forums(request.auth).filter(slug=slug).first()
    if forum is None:
        raise HttpError(404, f"There is no area forum {slug!r} that you may see.")
    titles = {o.title.lower(): o for o in Outcome.objects.all()}
    unknown = [c.outcome for c in body.outcomes if c.outcome.strip().lower() not in titles]
    if unknown:
        return Status(422, invalid(f"There is no outcome “{unknown[0]}”.", [
            {"row": n, "column": "outcome", "severity": "error",
             "message": f"there is no outcome “{c.outcome}”"}
            for n, c in enumerate(body.outcomes, start=1) if c.outcome in unknown]))
    try:
        choosing.choose_outcomes(forum, [(titles[c.outcome.strip().lower()], c.reason)
                                         for c in body.outcomes],
                                 person=request.auth, now=timezone.now())
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as refused:
        return Status(422, refused_by_rule(refused.messages, "outcomes"))
    return _forum_item(forum)


@router.get("/priorities", response={200: list[PriorityGroupOut], **READ_ERRORS},
            summary="Residents' priorities, ranked per area", openapi_extra=OPTIONAL_TOKEN)
def list_priorities(request, query: Query[PriorityQuery]):
    """Each area's and consultation's issues ranked by how many raised them, with the
    survey's share and margin of error. Partners only."""
    if not (request.auth and request.auth.is_authenticated):
        return []
    area = None
    if query.area:
        area = Area.objects.filter(code__iexact=query.area.strip()).first()
        if area is None:
            return Status(422, invalid("The request is not valid: see area.", [
                {"row": None, "column": "area", "severity": "error",
                 "message": f"there is no area {query.area!r}"}]))
    return [{**group, "issues": [{**{k: finite(v) if isinstance(v, float) else v
                                     for k, v in row.items()},
                                  "operations": [slug for _, slug in row["operations"]]}
                                 for row in group["issues"]]}
            for group in ranked_for([area.pk] if area else None, request.auth)]


def _operation_item(found: Operation) -> dict:
    return {"slug": found.slug, "title": found.title, "lead": found.lead.slug,
            "starts": found.starts, "ends": found.ends, "follow_up": found.follow_up,
            "restricted": found.restricted, "illustrative": found.illustrative}


@router.get("/operations", response={200: OperationPage, **READ_ERRORS},
            summary="List the operations", openapi_extra=OPTIONAL_TOKEN)
def list_operations(request, query: Query[PageQuery]):
    """The operations the caller may see, latest first."""
    found = Operation.objects.visible_to(request.auth).select_related("lead")
    return page(found, query, _operation_item)


@router.get("/operations/{slug}", response={200: OperationDetail, **DETAIL_ERRORS},
            summary="One operation, with its measured impact", openapi_extra=OPTIONAL_TOKEN)
def get_operation(request, slug: Code):
    """An operation's target areas, commitments, action plan and measured impact; 404 if
    it does not exist or the caller may not see it."""
    found = (Operation.objects.visible_to(request.auth).select_related("lead", "measured_by")
             .filter(slug=slug).first())
    if found is None:
        raise HttpError(404, f"There is no operation {slug!r} that you may see.")
    measured = impact.measured(found, request.auth)
    return {
        **_operation_item(found), "summary": found.summary,
        "target_areas": sorted(found.target_areas.values_list("code", flat=True)),
        "measured_by": found.measured_by.code if found.measured_by_id else None,
        "commitments": [{"partner": c.partner.slug, "officer_days": float(c.officer_days),
                         "cash": float(c.cash), "in_kind": c.in_kind,
                         "in_kind_value": float(c.in_kind_value)}
                        for c in found.commitments.select_related("partner")],
        "actions": list(found.actions.order_by("due").values_list("title", flat=True)),
        "impact": {"measured": measured.estimate is not None, "reason": measured.reason,
                   "estimate": finite(measured.estimate), "lower95": finite(measured.lower95),
                   "upper95": finite(measured.upper95),
                   "comparison_areas": measured.comparison_areas,
                   "pre_fit": finite(measured.pre_fit), "sentence": measured.sentence,
                   "method": measured.method},
    }
