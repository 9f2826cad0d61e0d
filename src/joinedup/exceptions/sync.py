"""Keep exceptions in step with the assessment's flags.

After every stored assessment run (``assessment.events.assessment_stored``), the open flags
of the indicators it covered are grouped into exceptions: one per indicator, layer and
period. The layer is the area forum whose area contains the flagged area, or else the body
that leads the indicator (its lead body, or its theme's partnership). Flags for the
partnership's comparators (England, its statistical neighbours) are not its exceptions.

An exception's identity never changes; its state follows its flags:

- **open** while any of its flags is raised;
- **awaiting correction** when it was judged a data anomaly and a flagged figure has gone
  back to its owner (so it is no longer assessed) and is not yet approved again;
- **closed** once no flag is raised. A later run that raises a flag again reopens it; an
  anomaly whose corrected figures are still flagged comes back for a fresh decision.

While a figure is away for correction, the series' earlier figure is its latest approved
one and may be flagged; no new exception is raised for that earlier period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from joinedup.assessment.models import Flag
from joinedup.exceptions.models import IndicatorException
from joinedup.partnership.models import Body
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator, Strategy

State = IndicatorException.State


def comparator_ids() -> set[int]:
    return set(Strategy.comparators.through.objects.values_list("area_id", flat=True))


def forum_by_area(area_ids=None) -> dict[int, Body]:
    """Each area inside an area forum's area (at any depth), mapped to that forum; only the
    areas of ``area_ids`` when given."""
    forums = {body.area_id: body for body in Body.objects.filter(
        kind=Body.Kind.AREA_FORUM, area__isnull=False).order_by("order", "pk")}
    if not forums:
        return {}
    parents = dict(Area.objects.values_list("pk", "parent_id"))
    found: dict[int, Body] = {}
    for area_id in parents if area_ids is None else area_ids:
        node = area_id
        while node is not None:
            if node in forums:
                found[area_id] = forums[node]
                break
            node = parents.get(node)
    return found


def lead_layer(indicator: Indicator) -> Body | None:
    """The body that leads an indicator: its own lead body, else its theme's partnership."""
    return indicator.lead_body or indicator.outcome.theme.body


def sync_exceptions(indicator_ids, *, now: dt.datetime) -> None:
    """Bring the exceptions of ``indicator_ids`` into step with their flags."""
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=indicator_ids)
                  .select_related("lead_body", "outcome__theme__body")}
    open_flags = list(
        Flag.objects.filter(indicator_id__in=indicators, cleared_at__isnull=True)
        .exclude(area_id__in=Strategy.comparators.through.objects.values("area_id")))
    grouped: dict[tuple, list[Flag]] = defaultdict(list)
    if open_flags:
        leads = {pk: lead_layer(i) for pk, i in indicators.items()}
        forums = forum_by_area({flag.area_id for flag in open_flags})
        for flag in open_flags:
            layer = forums.get(flag.area_id) or leads[flag.indicator_id]
            if layer is not None:
                key = (flag.indicator_id, layer.pk, flag.period_start, flag.period_end)
                grouped[key].append(flag)
    existing = {(e.indicator_id, e.layer_id, e.period_start, e.period_end): e
                for e in IndicatorException.objects.filter(indicator_id__in=indicators)}
    flagged = {existing[key].pk for key in grouped if key in existing}
    _restate(list(existing.values()), flagged, now)
    waiting = _awaiting_correction(existing.values())
    for key, flags in sorted(grouped.items(), key=lambda item: item[0][2]):
        indicator_id, layer_id, start, end = key
        if key in existing or start < waiting.get((indicator_id, layer_id), start):
            # An earlier figure is flagged only because a later one went back to its owner;
            # it is not news, and the later figure will return once corrected.
            continue
        exception = IndicatorException(
            indicator_id=indicator_id, layer_id=layer_id, period=flags[0].period,
            period_start=start, period_end=end, raised_at=now,
            previous=_earlier(existing, indicator_id, layer_id, start))
        exception.save()
        existing[key] = exception
    if not grouped:
        return
    links = IndicatorException.flags.through
    linked = set(links.objects.filter(indicatorexception__indicator_id__in=indicators)
                 .values_list("indicatorexception_id", "flag_id"))
    links.objects.bulk_create([
        links(indicatorexception_id=existing[key].pk, flag_id=flag.pk)
        for key, flags in grouped.items() if key in existing for flag in flags
        if (existing[key].pk, flag.pk) not in linked])


def _awaiting_correction(exceptions) -> dict[tuple[int, int], object]:
    """(indicator, layer) → the earliest start of its exceptions awaiting corrections."""
    waiting: dict[tuple[int, int], object] = {}
    for e in exceptions:
        if e.state == State.AWAITING_CORRECTION:
            key = (e.indicator_id, e.layer_id)
            waiting[key] = min(waiting.get(key, e.period_start), e.period_start)
    return waiting


def _earlier(existing: dict, indicator_id: int, layer_id: int, start) -> IndicatorException | None:
    earlier = [e for (i, layer, _, end), e in existing.items()
               if i == indicator_id and layer == layer_id and end <= start]
    return max(earlier, key=lambda e: (e.period_end, e.period_start), default=None)


def _restate(exceptions: list[IndicatorException], flagged: set[int], now):
    unapproved = _with_unapproved_figures([e for e in exceptions if e.pk not in flagged
                                           and e.decision == IndicatorException.Decision.ANOMALY])
    changed = []
    for exception in exceptions:
        before = (exception.state, exception.decision, exception.closed_at, exception.reopened)
        if exception.pk in flagged:
            if exception.state != State.OPEN:
                if exception.state == State.CLOSED:
                    exception.reopened += 1
                if exception.decision == IndicatorException.Decision.ANOMALY:
                    # Corrected figures still flagged: the management group decides afresh.
                    exception.decision = ""
            exception.state, exception.closed_at = State.OPEN, None
        elif exception.pk in unapproved:
            exception.state, exception.closed_at = State.AWAITING_CORRECTION, None
        else:
            if exception.state != State.CLOSED:
                exception.closed_at = now
            exception.state = State.CLOSED
        if (exception.state, exception.decision, exception.closed_at,
                exception.reopened) != before:
            changed.append(exception)
    IndicatorException.objects.bulk_update(
        changed, ["state", "decision", "closed_at", "reopened"], batch_size=500)


def _with_unapproved_figures(exceptions: list[IndicatorException]) -> set[int]:
    """Those of ``exceptions`` with a flagged figure that is no longer approved."""
    if not exceptions:
        return set()
    found = set()
    links = IndicatorException.flags.through.objects.filter(
        indicatorexception_id__in=[e.pk for e in exceptions]).select_related("flag")
    wanted = defaultdict(set)
    for link in links:
        flag = link.flag
        wanted[(flag.indicator_id, flag.area_id, flag.period_start, flag.period_end)].add(
            link.indicatorexception_id)
    condition = Q()
    for indicator_id, area_id, start, end in wanted:
        condition |= Q(indicator_id=indicator_id, area_id=area_id, period_start=start,
                       period_end=end)
    for key in (DataValue.objects.filter(condition).exclude(state=DataValue.State.APPROVED)
                .values_list("indicator_id", "area_id", "period_start", "period_end")):
        found |= wanted[key]
    return found
