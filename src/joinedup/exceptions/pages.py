"""What the exception pages show: each exception with its flags, commentary and decisions.

The triage page lists every open exception at once, so everything here is read in a fixed
number of queries whatever the number of exceptions; charts are fetched by the browser
from their own address (see ``views.chart``), where each is rendered once and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Prefetch, Q

from joinedup.assessment.models import Assessment, AssessmentRun, Flag
from joinedup.common.querysets import MANAGE_FRAMEWORK
from joinedup.exceptions.decisions import commenting, headline_flag_area
from joinedup.exceptions.history import earlier_decisions
from joinedup.exceptions.models import (
    BoardDecision,
    IndicatorException,
    RemedialPlan,
    TriageDecision,
)
from joinedup.partnership.models import Person

State = IndicatorException.State


@dataclass
class ExceptionItem:
    """One exception as a page shows it."""

    exception: IndicatorException
    flags: list[Flag]
    decisions: list[TriageDecision]
    decision: TriageDecision | None
    earlier: list[TriageDecision]
    plan: RemedialPlan | None
    board_decisions: list[BoardDecision]
    commentary: object | None
    may_comment: bool = False
    has_spc_chart: bool = False
    has_forecast_chart: bool = False

    @property
    def indicator(self):
        return self.exception.indicator

    @property
    def replaced(self) -> list[TriageDecision]:
        """Earlier decisions on this exception, latest first."""
        return [d for d in self.decisions if d is not self.decision]

    @property
    def name(self) -> str:
        return exception_name(self.exception)

    @cached_property
    def areas(self) -> list:
        """The flagged areas, widest first (the order ``decisions.headline_flag_area``
        chooses by)."""
        return sorted({f.area for f in self.flags}, key=lambda a: (a.level_rank, a.name))

    @cached_property
    def url(self) -> str:
        return self.exception.get_absolute_url()

    @cached_property
    def headline_area(self):
        """The area its story and charts are told for (``decisions.headline_flag_area``),
        read from the flags already loaded."""
        return headline_flag_area(self.exception, flags=self.flags)


@dataclass
class ThemeGroup:
    theme: object
    items: list[ExceptionItem] = field(default_factory=list)

    @property
    def undecided(self) -> int:
        return sum(1 for item in self.items if not item.exception.decision)


def exception_name(exception: IndicatorException) -> str:
    """How people name an exception: its indicator's code and its period."""
    return f"{exception.indicator.code} {exception.period}"


def exception_items(exceptions, user, *, ask_may_comment: bool = True) -> list[ExceptionItem]:
    """The exceptions of a queryset as page items, in a fixed number of queries.
    ``ask_may_comment`` False leaves each item's ``may_comment`` False, for a page that
    offers no commentary form, and saves the query that asks."""
    exceptions = list(exceptions.select_related(
        "indicator__outcome__theme", "indicator__owner", "layer", "previous",
        "commentary__written_by",
    ).prefetch_related(
        Prefetch("flags", to_attr="flag_list", queryset=Flag.objects.select_related("area")
                 .defer("area__boundary").order_by("kind", "area__name")),
        Prefetch("decisions", to_attr="decision_list", queryset=TriageDecision.objects
                 .select_related("decided_by", "replaces").order_by("-decided_at", "-pk")),
        Prefetch("plans", to_attr="plan_list", queryset=RemedialPlan.objects
                 .select_related("owner__organisation", "area").defer("area__boundary")
                 .prefetch_related("actions__lead")),
        Prefetch("board_decisions", to_attr="board_decision_list",
                 queryset=BoardDecision.objects.select_related("partner", "meeting",
                                                               "recorded_by")),
    ))
    earlier = earlier_decisions(exceptions)
    may_write = commenting(user) if ask_may_comment else (lambda exception: False)
    items = []
    for exception in exceptions:
        decisions = exception.decision_list
        # The latest decision is the current one, unless the exception came back for a
        # fresh decision (see ``sync``).
        current = decisions[0] if decisions and decisions[0].decision == exception.decision \
            else None
        plan = next((p for p in exception.plan_list
                     if current is not None and p.decision_id == current.pk), None)
        flags = exception.flag_list
        items.append(ExceptionItem(
            exception=exception, flags=[f for f in flags if f.is_open] or flags,
            decisions=decisions, decision=current,
            earlier=earlier.get(exception.pk, []), plan=plan,
            board_decisions=exception.board_decision_list,
            commentary=getattr(exception, "commentary", None),
            may_comment=may_write(exception)))
    return items


def by_theme(items: list[ExceptionItem]) -> list[ThemeGroup]:
    """Items grouped by their indicator's theme, in the strategy's order; within a theme,
    those still waiting for a decision first."""
    groups: dict[int, ThemeGroup] = {}
    for item in sorted(items, key=_triage_order):
        theme = item.indicator.outcome.theme
        groups.setdefault(theme.pk, ThemeGroup(theme)).items.append(item)
    return sorted(groups.values(), key=lambda g: (g.theme.order, g.theme.name))


def _triage_order(item: ExceptionItem):
    exception = item.exception
    return (exception.decision != "", exception.indicator.code, exception.layer.order,
            exception.period_start)


@dataclass
class TriagePage:
    items: list[ExceptionItem]
    groups: list[ThemeGroup]
    undecided: int
    charts_version: str

    @property
    def count(self) -> int:
        return len(self.items)


def triage_page(user, period: str | None = None) -> TriagePage:
    """The open exceptions the management group decides about, by theme."""
    exceptions = (IndicatorException.objects.visible_to(user).as_at(period)
                  .filter(state=State.OPEN))
    items = exception_items(exceptions, user)
    mark_charts(items, user)
    return TriagePage(items=items, groups=by_theme(items),
                      undecided=sum(1 for i in items if not i.exception.decision),
                      charts_version=charts_version())


def mark_charts(items: list[ExceptionItem], user) -> None:
    """Set ``has_spc_chart`` and ``has_forecast_chart`` on each item, in one query, so the
    page links only to charts ``assessment.pages.series_assessment`` will draw: a control
    chart from two points with limits, a forecast from a latest figure with one."""
    wanted = {(item.indicator.pk, item.headline_area.pk) for item in items
              if item.headline_area is not None}
    rows = (Assessment.objects.visible_to(user)
            .filter(indicator_id__in={i for i, _ in wanted}, area_id__in={a for _, a in wanted})
            .values("indicator_id", "area_id")
            .annotate(points=Count("pk", filter=Q(value__isnull=False, spc_mean__isnull=False)),
                      forecasts=Count("pk", filter=Q(is_latest=True, forecast__isnull=False))))
    found = {(row["indicator_id"], row["area_id"]): row for row in rows}
    for item in items:
        row = found.get((item.indicator.pk, getattr(item.headline_area, "pk", None)), {})
        item.has_spc_chart = row.get("points", 0) >= 2
        item.has_forecast_chart = row.get("forecasts", 0) > 0


def charts_version() -> str:
    """Changes whenever an assessment run starts or finishes: all a series' charts rest on.
    It goes into each chart's address and cache key, so neither the browser nor the cache
    keeps a chart that no longer holds."""
    latest = AssessmentRun.objects.order_by("-pk").values_list("pk", "finished_at").first()
    if latest is None:
        return "0"
    pk, finished_at = latest
    return f"{pk}:{finished_at.isoformat() if finished_at else 'running'}"


def decidable(user):
    """The exceptions ``user`` may give a decision: those they see that are not closed."""
    return IndicatorException.objects.visible_to(user).current()


def plan_owners(items: list[ExceptionItem]):
    """Who may own a remedial plan for any of ``items``: the people who may write their
    commentary (``decisions.may_comment``): members of their layers, staff of their
    indicators' owners, and the partnership officer."""
    officers = Person.objects.with_perm(MANAGE_FRAMEWORK).values("pk")
    return (Person.objects.filter(is_active=True)
            .filter(Q(memberships__body_id__in={i.exception.layer_id for i in items})
                    | Q(organisation_id__in={i.indicator.owner_id for i in items})
                    | Q(pk__in=officers))
            .distinct().select_related("organisation")
            .order_by("organisation__name", "last_name", "first_name", "username"))
