"""Figures and collection rounds in the API.

Reads show what the caller may see: approved figures of visible indicators, and their own
organisation's unapproved ones. Writes take the same road as an upload
(``importing.import_table``) and the sign-off pages (``workflow``), so the rules, the
checks and the history are the same however a figure arrives.
"""

from __future__ import annotations

from typing import Annotated

from django.db.models import Count, Q
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.returns.api_figures import (
    FIGURES,
    ChangeIn,
    Chosen,
    Moved,
    RoundDetail,
    RoundPage,
    RoundQuery,
    Saved,
    ValueOut,
    ValuePage,
    ValueQuery,
    ValuesIn,
    not_saved,
    round_item,
    saved,
    sent_table,
    value_item,
)
from joinedup.common.api import (
    DETAIL_ERRORS,
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    Code,
    invalid,
    page,
)
from joinedup.core.periods import PeriodError, parse_period
from joinedup.returns import workflow
from joinedup.returns.importing import import_table
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn

values = Router(auth=READ)
rounds = Router(auth=READ)


# ---- reading figures ------------------------------------------------------------------

def _visible(user):
    return DataValue.objects.visible_to(user).select_related("indicator", "area")


@values.get("", response={200: ValuePage, **READ_ERRORS}, summary="List figures",
            openapi_extra=OPTIONAL_TOKEN)
def list_values(request, query: Query[ValueQuery]):
    """Figures the caller may see; filter by indicator, area, period or state."""
    rows = _visible(request.auth).order_by("indicator__code", "area__code", "period_start",
                                           "period_end", "pk")
    if query.indicator:
        chosen = query.indicator.strip()
        rows = rows.filter(Q(indicator__code__iexact=chosen) | Q(indicator__slug=chosen.lower()))
    if query.area:
        rows = rows.filter(area__code__iexact=query.area.strip())
    if query.period:
        try:
            period = parse_period(query.period)
        except (PeriodError, ValueError, OverflowError) as error:
            return Status(422, invalid("The period is not one this service can read.", [
                {"row": None, "column": "period", "message": str(error), "severity": "error"}]))
        rows = rows.filter(period_start=period.start, period_end=period.end)
    if query.state:
        rows = rows.filter(state=query.state)
    return page(rows, query, value_item)


# ---- writing figures ------------------------------------------------------------------

@values.post("", auth=WRITE, response={200: Saved, 201: Saved, **WRITE_ERRORS},
             summary="Send figures")
def send_values(request, body: ValuesIn):
    """Check the figures as an upload is checked, then save all of them or none.

    Answers 201 when figures were created, 200 when figures were only changed (or nothing
    had changed), and 422 with every problem (row 1 is the first figure sent) otherwise.
    """
    user = request.auth
    collection_round = None
    if body.round:
        collection_round = CollectionRound.objects.visible_to(user).filter(
            slug=body.round.strip()).first()
        if collection_round is None:
            return Status(422, invalid("There is no such collection round.", [
                {"row": None, "column": "round", "severity": "error",
                 "message": f"there is no collection round {body.round!r}"}]))
    result = import_table(sent_table(body.values), source="request", user=user,
                          collection_round=collection_round, submit=body.submit,
                          reason=body.reason, note=body.note)
    if not result.saved:
        return Status(422, not_saved(result))
    return Status(201 if result.created else 200, saved(result))


def _chosen(user, ids: list[int], allowed, verb: str):
    """The figures ``ids``, all of them ones ``user`` may ``verb``; else 404 or 403."""
    wanted = sorted(set(ids))
    seen = set(DataValue.objects.visible_to(user).filter(pk__in=wanted)
               .values_list("pk", flat=True))
    unseen = [pk for pk in wanted if pk not in seen]
    if unseen:
        raise HttpError(404, f"There are no figures {_ids(unseen)} that you may see; "
                             "nothing was changed.")
    chosen = allowed.filter(pk__in=wanted)
    refused = sorted(set(wanted) - set(chosen.values_list("pk", flat=True)))
    if refused:
        raise HttpError(403, f"You may not {verb} figures {_ids(refused)}; nothing was "
                             "changed.")
    return chosen, wanted


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(pk) for pk in ids[:10])
    return shown + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def _step(request, body: Chosen, allowed, verb: str, past: str, take):
    chosen, wanted = _chosen(request.auth, body.ids, allowed, verb)
    try:
        count = take(chosen)
    except workflow.WorkflowError as error:
        return Status(409, {"detail": str(error)})
    return Status(200, {"detail": f"{count} figure{'s' if count != 1 else ''} {past}.",
                        "count": count, "ids": wanted})


@values.post("/submit", auth=WRITE, response={200: Moved, **WRITE_ERRORS},
             summary="Submit figures for approval")
def submit_values(request, body: Chosen):
    """The owner signs off draft or returned figures; all of them, or none."""
    user = request.auth
    return _step(request, body, DataValue.objects.editable_by(user), "submit", "submitted",
                 lambda chosen: workflow.submit(chosen, user))


@values.post("/approve", auth=WRITE, response={200: Moved, **WRITE_ERRORS},
             summary="Approve submitted figures")
def approve_values(request, body: Chosen):
    """The theme lead approves submitted figures, which are then locked and assessed."""
    user = request.auth
    return _step(request, body, DataValue.objects.approvable_by(user), "approve", "approved",
                 lambda chosen: workflow.approve(chosen, user))


@values.post("/return", auth=WRITE, response={200: Moved, **WRITE_ERRORS},
             summary="Return submitted figures to their owner")
def return_values(request, body: Chosen):
    """The theme lead sends submitted figures back, saying why (``reason`` is required)."""
    user = request.auth
    return _step(request, body, DataValue.objects.approvable_by(user), "return", "returned",
                 lambda chosen: workflow.return_to_owner(chosen, user, body.reason))


@values.get("/{value_id}", response={200: ValueOut, **DETAIL_ERRORS}, summary="One figure",
            openapi_extra=OPTIONAL_TOKEN)
def get_value(request, value_id: Annotated[int, Path(ge=1, le=MAX_ID)]):
    """One figure; 404 if it does not exist or the caller may not see it."""
    value = _visible(request.auth).filter(pk=value_id).first()
    if value is None:
        raise HttpError(404, f"There is no figure {value_id} that you may see.")
    return value_item(value)


@values.patch("/{value_id}", auth=WRITE, response={200: ValueOut, **WRITE_ERRORS},
              summary="Change one figure")
def change_value(request, value_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: ChangeIn):
    """Change the figures given (the others stay), as the figure's owner.

    The change is checked as an upload is. A stale ``version`` is refused with 409 and the
    figure is left as it is; an approved figure needs a ``reason`` and a new approval.
    """
    user = request.auth
    value = _visible(user).filter(pk=value_id).first()
    if value is None:
        raise HttpError(404, f"There is no figure {value_id} that you may see.")
    if not DataValue.objects.editable_by(user).filter(pk=value_id).exists():
        raise HttpError(403, "Only the organisation that owns this indicator (or a "
                             "partnership officer) may change its figures.")
    given = body.model_dump(include=set(FIGURES), exclude_unset=True)
    try:
        result = workflow.change_value(value, user, version=body.version,
                                       reason=body.reason, note=body.note or None,
                                       submit=body.submit, **given)
    except workflow.WorkflowError as error:
        return Status(409, {"detail": str(error)})
    if not result.saved:
        return Status(422, not_saved(result))
    return Status(200, value_item(_visible(user).get(pk=value_id)))


# ---- collection rounds ----------------------------------------------------------------

@rounds.get("", response={200: RoundPage, **READ_ERRORS}, summary="List collection rounds",
            openapi_extra=OPTIONAL_TOKEN)
def list_rounds(request, query: Query[RoundQuery]):
    """Rounds, latest deadline first. Rounds are partnership business: sign in to see them."""
    user = request.auth
    found = CollectionRound.objects.visible_to(user).order_by("-deadline", "name", "pk")
    if query.closed is not None:
        found = found.filter(closed=query.closed)
    listed = page(found, query, lambda r: r)
    counts = dict(ExpectedReturn.objects.visible_to(user)
                  .filter(collection_round__in=[r.pk for r in listed["items"]])
                  .values_list("collection_round").annotate(n=Count("pk")))
    listed["items"] = [round_item(r, counts.get(r.pk, 0)) for r in listed["items"]]
    return listed


@rounds.get("/{slug}", response={200: RoundDetail, **DETAIL_ERRORS},
            summary="One collection round, with the returns it expects",
            openapi_extra=OPTIONAL_TOKEN)
def get_round(request, slug: Code):
    """A round and the expected returns the caller may see, each with the figure received."""
    user = request.auth
    found = CollectionRound.objects.visible_to(user).filter(slug=slug.strip()).first()
    if found is None:
        raise HttpError(404, f"There is no collection round {slug!r} that you may see.")
    expected = list(ExpectedReturn.objects.visible_to(user).filter(collection_round=found)
                    .select_related("indicator", "area", "owner")
                    .order_by("owner__name", "indicator__code", "area__code", "period_start"))
    received = {}
    if expected:
        figures = DataValue.objects.visible_to(user).filter(
            indicator__in={e.indicator_id for e in expected},
            area__in={e.area_id for e in expected},
            period_start__gte=min(e.period_start for e in expected),
            period_start__lte=max(e.period_start for e in expected))
        for pk, *key, state in figures.values_list("pk", "indicator_id", "area_id",
                                                   "period_start", "period_end", "state"):
            received[tuple(key)] = (pk, state)
    items = []
    for e in expected:
        pk, state = received.get((e.indicator_id, e.area_id, e.period_start, e.period_end),
                                 (None, "outstanding"))
        items.append({"indicator": e.indicator.code, "area": e.area.code, "period": e.period,
                      "owner": e.owner.slug, "value_id": pk, "state": state})
    return {**round_item(found, len(items)), "expected": items}

