"""Finance exceptions: raised from monitoring and the alignment criteria, and decided.

After spend changes (``resources.events.spend_changed``) the lines of the year in
progress (the latest with any line) are checked again, all of them, whoever may see them:

- each partner's budget from one stream for one theme whose forecast outturn is beyond
  the tolerance (``resources.finance``) is an overspend or underspend exception;
- each partner's aligned or pooled lines from one stream for one theme that fail an
  alignment criterion make one exception per criterion.

An exception's identity (kind, partner, stream, theme, criterion, year) never changes; it
closes when no longer flagged and opens again if flagged later. The management group
decides each one as for figures: a data anomaly (the partner's figures are wrong), a
performance issue for the finance officers' group, or one for the Board.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.utils import timezone

from joinedup.exceptions.models import BudgetException, IndicatorException
from joinedup.history.recording import recorded_as
from joinedup.resources import finance
from joinedup.resources.models import AlignmentCriterion, BudgetLine

Kind = BudgetException.Kind
KEY = ["partner_id", "stream_id", "theme_id"]


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def flagged(year: str) -> list[dict]:
    """What should be open for ``year``: one dict per exception, keyed as the model is."""
    lines = finance.lines_frame(None, year=year, everyone=True)
    if lines.is_empty():
        return []
    found = []
    checked = finance.monitoring(lines)
    if checked is not None:
        totals = finance.totals_by(checked, lines, KEY)
        for row in totals.filter(pl.col("status").is_in(["overspend", "underspend"])) \
                .iter_rows(named=True):
            found.append({**{k: row[k] for k in KEY}, "kind": str(row["status"]),
                          "criterion_id": None, "as_at_quarter": checked.as_at,
                          "lines": row["lines"], "budget": _money(row["budget"]),
                          "forecast_outturn": _money(row["forecast_outturn"])})
    alignment = finance.alignment(lines)
    if alignment.height:
        criteria = dict(AlignmentCriterion.objects.values_list("title", "pk"))
        failing = (alignment.select("line", "failed").explode("failed")
                   .drop_nulls("failed")
                   .join(lines.select("line", "budget", *KEY), on="line")
                   .group_by(*KEY, "failed").agg(lines=pl.len(), budget=pl.col("budget").sum()))
        for row in failing.iter_rows(named=True):
            found.append({**{k: row[k] for k in KEY}, "kind": Kind.CRITERION.value,
                          "criterion_id": criteria[row["failed"]],
                          "as_at_quarter": checked.as_at if checked else 0,
                          "lines": row["lines"], "budget": _money(row["budget"]),
                          "forecast_outturn": None})
    return found


def year_in_progress() -> str | None:
    """The latest financial year with any budget line: the one monitored in year."""
    return BudgetLine.objects.order_by("-financial_year").values_list(
        "financial_year", flat=True).first()


@transaction.atomic
def sync_budget_exceptions(years, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Raise, update and close the finance exceptions of ``years`` that are the year in
    progress (a closed year's outturn is history, not an exception); counts of each."""
    now = now or timezone.now()
    counts = {"raised": 0, "updated": 0, "closed": 0}
    current = year_in_progress()
    years = [year for year in years if year == current]
    with recorded_as(actor="finance monitoring",
                     reason="Budget monitoring and the alignment criteria checked again"):
        for year in years:
            wanted = {_key(item): item for item in flagged(year)}
            held = {_key(vars(e)): e for e in BudgetException.objects.filter(financial_year=year)}
            for key, item in wanted.items():
                values = {k: item[k] for k in ("as_at_quarter", "lines", "budget",
                                               "forecast_outturn")}
                exception = held.get(key)
                if exception is None:
                    BudgetException.objects.create(
                        **{k: item[k] for k in (*KEY, "kind", "criterion_id")},
                        financial_year=year, raised_at=now, **values)
                    counts["raised"] += 1
                    continue
                if exception.state == BudgetException.State.CLOSED:
                    values.update(state=BudgetException.State.OPEN, closed_at=None)
                if any(getattr(exception, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(exception, k, v)
                    exception.save()
                    counts["updated"] += 1
            for key, exception in held.items():
                if key not in wanted and exception.state == BudgetException.State.OPEN:
                    exception.state, exception.closed_at = BudgetException.State.CLOSED, now
                    exception.save()
                    counts["closed"] += 1
    return counts


def _key(item: dict) -> tuple:
    return (item["kind"], item["partner_id"], item["stream_id"], item["theme_id"],
            item["criterion_id"])


def decide(exception: BudgetException, *, decision: str, note: str, person) -> None:
    """The management group's decision on a finance exception, recorded with why."""
    if decision not in IndicatorException.Decision.values:
        raise ValueError("Choose a decision: a data anomaly, a performance issue, or one for "
                         "the Board.")
    if not note.strip():
        raise ValueError("Say why: the note is kept with the decision.")
    with recorded_as(person, reason=note.strip()):
        exception.decision, exception.note = decision, note.strip()
        exception.decided_by, exception.decided_at = person, timezone.now()
        exception.save()
