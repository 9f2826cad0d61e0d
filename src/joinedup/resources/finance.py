"""Budget lines as frames, financial monitoring, and the alignment criteria judged.

The one place that turns budget lines into frames for the money kernels in ``core``
(``monitoring``, ``matching``), as ``assessment`` does for figures. Every reader starts
from ``BudgetLine.objects.visible_to(user)``, so a partner's restricted line reaches no
total, page, export or API answer that its reader may not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db.models import Exists, OuterRef

from joinedup.core.monitoring import monitor, monitoring_totals
from joinedup.resources.models import AlignmentCriterion, Arrangement, BudgetLine
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

#: Overspends and underspends beyond this share of the budget are exceptions.
TOLERANCE = 0.05
#: … and beyond this many pounds, so that small lines are not flagged for a few pounds.
ABSOLUTE_TOLERANCE = 5_000.0

LINE_SCHEMA = {
    "line": pl.Int64, "partner": pl.String, "partner_id": pl.Int64, "stream_id": pl.Int64,
    "stream": pl.String,
    "stream_kind": pl.String, "spend_kind": pl.String, "theme": pl.String,
    "theme_id": pl.Int64, "outcome_id": pl.Int64, "area": pl.String, "area_id": pl.Int64,
    "area_name": pl.String, "level": pl.String, "financial_year": pl.String,
    "arrangement": pl.String, "pool": pl.String, "pool_id": pl.Int64, "budget": pl.Float64,
    "actual_q1": pl.Float64, "actual_q2": pl.Float64, "actual_q3": pl.Float64,
    "actual_q4": pl.Float64, "apportioned_by": pl.String, "illustrative": pl.Boolean,
}
_FIELDS = ["pk", "partner__short_name", "partner_id", "stream_id", "stream__name",
           "stream__kind",
           "stream__spend_kind", "theme__slug", "theme_id", "outcome_id", "area__code",
           "area_id", "area__name", "area__level", "financial_year", "arrangement",
           "pool__name", "pool_id", "budget", *BudgetLine.QUARTERS, "apportioned_by",
           "illustrative"]


def lines_frame(user, *, year: str | None = None, everyone: bool = False,
                **filters) -> pl.DataFrame:
    """The budget lines ``user`` may see (of ``year``, if given), one row each.
    ``everyone`` gives every line instead: for the partnership's own checks (the
    exceptions it raises), never for showing to a person."""
    lines = (BudgetLine.objects.all() if everyone else BudgetLine.objects.visible_to(user)
             ).filter(**filters)
    if year:
        lines = lines.filter(financial_year=year)
    rows = lines.order_by().values_list(*_FIELDS, "partner__name")
    frame = pl.DataFrame(
        [(*r[:1], r[1] or r[-1], *r[2:-1]) for r in rows], orient="row", schema=LINE_SCHEMA)
    return frame


def years(user) -> list[str]:
    """The financial years with budget lines ``user`` may see, latest first."""
    return sorted(BudgetLine.objects.visible_to(user).order_by()
                  .values_list("financial_year", flat=True).distinct(), reverse=True)


def as_at_quarter(lines: pl.DataFrame) -> int:
    """The latest quarter of the year for which any line has actuals (0: none yet)."""
    for quarter in (4, 3, 2, 1):
        if lines.height and lines[f"actual_q{quarter}"].is_not_null().any():
            return quarter
    return 0


@dataclass
class Monitoring:
    as_at: int
    lines: pl.DataFrame
    by_stream: pl.DataFrame
    by_pool: pl.DataFrame
    by_theme: pl.DataFrame
    unmonitored: int = 0
    unmonitored_budget: float = 0.0

    @property
    def exceptions(self) -> pl.DataFrame:
        return self.lines.filter(pl.col("status").is_in(["overspend", "underspend"]))


def monitoring(lines: pl.DataFrame) -> Monitoring | None:
    """Budget against actual for one year's lines, as at the latest quarter reported.

    Only lines with actuals are monitored: a line for which no actual has ever arrived
    (an allocation, say) is not forecast to spend nothing; ``unmonitored`` counts them.
    """
    as_at = as_at_quarter(lines)
    if not as_at:
        return None
    monitored = pl.any_horizontal(pl.col(q).is_not_null() for q in BudgetLine.QUARTERS)
    unmonitored = lines.filter(~monitored)
    lines = lines.filter(monitored)
    actuals = lines.unpivot(index="line", on=BudgetLine.QUARTERS, variable_name="quarter",
                            value_name="actual").filter(pl.col("actual").is_not_null())
    actuals = actuals.with_columns(pl.col("quarter").str.slice(-1).cast(pl.Int64))
    budgets = lines.select("line", "partner", "stream", "pool", "theme", "area",
                           "arrangement", "budget")
    checked = monitor(budgets, actuals, as_at=as_at, keys=("line",), tolerance=TOLERANCE,
                      absolute_tolerance=ABSOLUTE_TOLERANCE)

    def totals(by: str, frame: pl.DataFrame = checked) -> pl.DataFrame:
        return _totals(frame, [by])

    return Monitoring(as_at=as_at, lines=checked, by_stream=totals("stream"),
                      by_pool=totals("pool", checked.filter(pl.col("pool").is_not_null())),
                      by_theme=totals("theme"), unmonitored=unmonitored.height,
                      unmonitored_budget=float(unmonitored["budget"].sum() or 0))


def _totals(monitored: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return monitoring_totals(monitored, by, tolerance=TOLERANCE,
                             absolute_tolerance=ABSOLUTE_TOLERANCE)


def totals_by(checked: Monitoring, lines: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """``checked``'s figures added up by any of ``lines``' columns (ids as well as names),
    judged against the same tolerance as each line."""
    return _totals(checked.lines.join(lines.select("line", *by), on="line"), by)


def _year_bounds(year: str) -> tuple[dt.date, dt.date]:
    first = int(year[:4])
    return dt.date(first, 4, 1), dt.date(first + 1, 4, 1)


def year_as_at(year: str) -> int:
    """The quarter a year is monitored at: the latest any of its lines has reported."""
    held = BudgetLine.objects.filter(financial_year=year)
    for quarter in (4, 3, 2, 1):
        if held.filter(**{f"actual_q{quarter}__isnull": False}).exists():
            return quarter
    return 0


def alignment(lines: pl.DataFrame, *, as_at: int | None = None) -> pl.DataFrame:
    """Each aligned or pooled line with the active criteria it meets and fails.

    ``as_at`` is the quarter the year is monitored at (by default the latest any of
    ``lines`` has reported; pass ``year_as_at`` when ``lines`` are a few of the year's).

    Returns ``line`` and one Boolean column per active criterion (named by its
    ``evidence``), then ``failed``: the titles of the criteria it fails, in order.
    """
    criteria = list(AlignmentCriterion.objects.filter(active=True))
    joined = lines.filter(pl.col("arrangement") != Arrangement.SINGLE.value)
    if joined.is_empty() or not criteria:
        return pl.DataFrame(schema={"line": pl.Int64, "failed": pl.List(pl.String)})
    ids = joined["line"].to_list()
    outcome_of = dict(BudgetLine.objects.filter(pk__in=ids).values_list("pk", "outcome_id"))
    pool_outcomes: dict[int, set[int]] = {}
    for line, outcome in BudgetLine.objects.filter(pk__in=ids, pool__isnull=False) \
            .values_list("pk", "pool__outcomes"):
        if outcome is not None:
            pool_outcomes.setdefault(line, set()).add(outcome)
    served = {line: ({outcome_of[line]} if outcome_of.get(line) else set())
              | pool_outcomes.get(line, set()) for line in ids}
    as_at = as_at_quarter(lines) if as_at is None else as_at
    reported = _outcomes_reporting(joined, served)
    results = {"line": ids}
    for criterion in criteria:
        if criterion.evidence == AlignmentCriterion.Evidence.CONTRIBUTES:
            results[criterion.evidence] = [bool(served[line]) for line in ids]
        elif criterion.evidence == AlignmentCriterion.Evidence.MONITORED:
            quarters = [f"actual_q{q}" for q in range(1, max(as_at, 1) + 1)]
            results[criterion.evidence] = joined.select(
                pl.all_horizontal(pl.col(q).is_not_null() for q in quarters)).to_series() \
                .to_list()
        else:
            results[criterion.evidence] = [line in reported for line in ids]
    frame = pl.DataFrame(results)
    titles = [(c.evidence, c.title) for c in criteria]
    return frame.with_columns(failed=pl.concat_list(
        pl.when(~pl.col(evidence)).then(pl.lit(title)).otherwise(None)
        for evidence, title in titles).list.drop_nulls())


def _outcomes_reporting(joined: pl.DataFrame, served: dict[int, set[int]]) -> set[int]:
    """Lines whose outcomes have an indicator with a figure in the line's year."""
    reporting: set[int] = set()
    for (year,), group in joined.group_by(["financial_year"]):
        start, end = _year_bounds(year)
        figures = DataValue.objects.filter(indicator=OuterRef("pk"), period_start__lt=end,
                                           period_end__gt=start)
        outcomes = set(Indicator.objects.filter(Exists(figures))
                       .values_list("outcome_id", flat=True))
        reporting |= {line for line in group["line"] if served[line] & outcomes}
    return reporting
