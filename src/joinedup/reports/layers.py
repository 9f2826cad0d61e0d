"""Zero-based reports: each layer sees only its exceptions, and a line on what it does not.

Warwickshire reports quarterly "to each governance level on a zero-based exception
basis"; Sunderland's Board receives only the red flags "that may require a change in
strategic direction". So what a report shows depends on the body's place in the layers:

- **the Board** (and a public service board): exceptions the management group escalated,
  still current, with the recommendation and any minute;
- **the management group** (an executive body): every open exception, undecided first, for
  triage;
- **a theme partnership, area forum or other body**: the current exceptions of its own
  layer (see ``exceptions.sync`` for which layer owns which), with commentary and plans.

Everything else in the body's scope is summed up in one sentence ("38 indicators on track
or improving; …"), so a reader knows nothing was left out by accident.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

from joinedup.assessment.models import Assessment, Flag
from joinedup.exceptions.models import IndicatorException, TriageDecision
from joinedup.exceptions.pages import ExceptionItem, ThemeGroup, by_theme, exception_items
from joinedup.exceptions.progress import PlanProgress, plans_progress
from joinedup.exceptions.sync import comparator_ids, forum_by_area, lead_layer
from joinedup.places.models import LEVEL_RANK
from joinedup.strategy.models import Indicator

Decision = IndicatorException.Decision
BOARD_KINDS = ("board", "public_service_board")
EXECUTIVE_KINDS = ("executive",)


@dataclass
class ReportItem(ExceptionItem):
    """One exception as a report shows it: as on its own page (``exceptions.pages``), with
    how its remedial plan is doing."""

    progress: PlanProgress | None = None

    @property
    def past_decisions(self) -> list[TriageDecision]:
        """The decisions before the current one: this exception's own, latest first, then
        those on its earlier occurrences."""
        return self.replaced + self.earlier

    @property
    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.flags}, key=Flag.Kind.values.index)

    @property
    def is_red(self) -> bool:
        return Flag.Kind.RED in self.kinds


@dataclass
class LayerReport:
    body: object
    period: str
    items: list[ReportItem]
    not_shown: Counter

    @property
    def by_theme(self) -> list[ThemeGroup]:
        return by_theme(self.items)

    @property
    def summary(self) -> str:
        """What the report does not show, in one sentence."""
        return summary_sentence(self.not_shown, shown=len({i.indicator.pk for i in self.items}))


NOT_SHOWN_WORDS = [
    ("on_track", "on track or improving"),
    ("within_tolerance", "off track but within tolerance, or with no target to judge by"),
    ("awaiting_triage", "with exceptions waiting for the management group"),
    ("handled_below", "with performance issues handled by their theme partnership or forum"),
    ("anomaly", "with figures sent back to their owners as data anomalies"),
    ("not_assessed", "not yet assessed"),
]


def summary_sentence(counts: Counter, *, shown: int) -> str:
    parts = [f"{counts[key]} indicator{'s' if counts[key] != 1 else ''} {words}"
             for key, words in NOT_SHOWN_WORDS if counts[key]]
    lead = (f"This report shows {shown} indicator{'s' if shown != 1 else ''} by exception. "
            if shown else "There are no exceptions for this report. ")
    if not parts:
        return lead + "Nothing else is in its scope."
    return lead + "Not shown: " + "; ".join(parts) + "."


def _items(exceptions, user) -> list[ReportItem]:
    """The exceptions as report items, loaded as their pages load them."""
    loaded = exception_items(exceptions, user, ask_may_comment=False)
    progress = plans_progress(item.plan for item in loaded if item.plan is not None)
    items = [ReportItem(**{f.name: getattr(item, f.name) for f in fields(ExceptionItem)},
                        progress=progress[item.plan.pk] if item.plan else None)
             for item in loaded]
    return sorted(items, key=_order)


def _order(item: ReportItem):
    exception = item.exception
    return (exception.decision != "", exception.indicator.outcome.theme.order,
            exception.indicator.code, exception.layer.order, exception.period_start)


def shown_exceptions(body, user, period: str | None = None):
    """The exceptions a body's report shows (see the module docstring)."""
    visible = IndicatorException.objects.visible_to(user).as_at(period)
    if body.kind in BOARD_KINDS:
        return visible.current().filter(decision=Decision.ESCALATE)
    if body.kind in EXECUTIVE_KINDS:
        return visible.filter(state=IndicatorException.State.OPEN)
    return visible.current().for_layer(body).exclude(
        state=IndicatorException.State.AWAITING_CORRECTION)


def scope_indicators(body, user) -> list[Indicator]:
    """The indicators a body answers for: all of them at the top; its own below."""
    indicators = list(Indicator.objects.visible_to(user).select_related(
        "lead_body", "outcome__theme__body"))
    if body.kind in BOARD_KINDS + EXECUTIVE_KINDS:
        return indicators
    if body.kind == "area_forum":
        inside = {area for area, forum in forum_by_area().items() if forum.pk == body.pk}
        measured = set(Assessment.objects.filter(area_id__in=inside)
                       .values_list("indicator_id", flat=True).distinct())
        return [i for i in indicators if i.pk in measured]
    return [i for i in indicators if (lead := lead_layer(i)) is not None and lead.pk == body.pk]


def layer_report(body, user, *, period: str | None = None) -> LayerReport:
    items = _items(shown_exceptions(body, user, period), user)
    shown = {item.indicator.pk for item in items}
    rest = [i for i in scope_indicators(body, user) if i.pk not in shown]
    return LayerReport(body=body, period=period or "", items=items,
                       not_shown=_not_shown(rest, user, period))


def _not_shown(indicators, user, period) -> Counter:
    """Sort the indicators a report leaves out by why they are left out."""
    ids = [i.pk for i in indicators]
    current = (IndicatorException.objects.visible_to(user).as_at(period).current()
               .filter(indicator_id__in=ids).values_list("indicator_id", "state", "decision"))
    reason: dict[int, str] = {}
    rank = {"awaiting_triage": 0, "handled_below": 1, "anomaly": 2}
    for indicator_id, state, decision in current:
        why = ("anomaly" if state == IndicatorException.State.AWAITING_CORRECTION
               else "awaiting_triage" if not decision else "handled_below")
        if indicator_id not in reason or rank[why] < rank[reason[indicator_id]]:
            reason[indicator_id] = why
    headline = _headline_assessments(ids)
    counts = Counter()
    for indicator in indicators:
        if indicator.pk in reason:
            counts[reason[indicator.pk]] += 1
        elif indicator.pk not in headline:
            counts["not_assessed"] += 1
        elif headline[indicator.pk][0] == "green" or headline[indicator.pk][1] == "improving":
            counts["on_track"] += 1
        else:
            counts["within_tolerance"] += 1
    return counts


def _headline_assessments(indicator_ids) -> dict[int, tuple[str, str]]:
    """Each indicator's latest status and direction for its widest own area (not a
    comparator), read as plain values."""
    rows = (Assessment.objects.filter(indicator_id__in=indicator_ids, is_latest=True)
            .exclude(area_id__in=comparator_ids())
            .values_list("indicator_id", "area__level", "area__name", "status", "direction"))
    best: dict[int, tuple] = {}
    for indicator_id, level, name, status, direction in rows:
        key = (LEVEL_RANK[level], name)
        if indicator_id not in best or key < best[indicator_id][0]:
            best[indicator_id] = (key, (status, direction))
    return {pk: judged for pk, (_, judged) in best.items()}
