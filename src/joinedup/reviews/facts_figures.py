"""The arithmetic of the facts of partnership working: frames in, frames out.

No Django and no clock: ``facts`` reads the rows each person may see and hands them here.
Every figure is a count, a share of two counts, or an order statistic:

- a **share** is the numerator over the denominator, and missing (not 0) when the
  denominator is 0, so that "none due" is never shown as "none done";
- the **median** and the **90th percentile** are sample quantiles by linear interpolation
  between the order statistics, Hyndman and Fan's definition 7 (Hyndman, R. J. and Fan, Y.,
  "Sample quantiles in statistical packages", The American Statistician 50(4), 1996), the
  default of R's ``quantile`` and of NumPy's ``percentile``;
- the meetings **planned** for a period are the fewest a body's reporting cycle sets for a
  year, pro rata to the period's length in days over 365, rounded to the nearest whole
  meeting (halves up): 4 a year is 4 over any 12 months, and 2 over six.
"""

from __future__ import annotations

import polars as pl

#: The order in which attendance is counted and shown.
ATTENDANCE_STATUSES = ("attended", "apologies", "absent")
#: The label of the row that adds up every group.
ALL = "All"


def share(numerator: str, denominator: str) -> pl.Expr:
    """``numerator`` over ``denominator`` as a fraction; null where the denominator is 0."""
    return (pl.when(pl.col(denominator) > 0)
            .then(pl.col(numerator) / pl.col(denominator))
            .otherwise(None))


def meetings_against_plan(bodies: pl.DataFrame, days: int) -> pl.DataFrame:
    """``bodies`` (``body``, ``fewest_a_year``, ``held``) with ``planned`` for a period of
    ``days`` days and ``held_share``, the meetings held over those planned."""
    planned = (pl.col("fewest_a_year") * days / 365 + 0.5).floor().cast(pl.Int64)
    return bodies.with_columns(planned=planned).with_columns(held_share=share("held", "planned"))


def attendance_rates(marks: pl.DataFrame, by: str) -> pl.DataFrame:
    """Attendance counted by ``by`` from ``marks`` (one row per member and meeting, with
    ``by`` and ``status``): how many places were recorded, how many attended, sent
    apologies or were absent, and ``rate``, the share attended. Groups come in order of
    ``by``, then a last row for them all."""
    counts = [(pl.col("status") == status).sum().cast(pl.Int64).alias(status)
              for status in ATTENDANCE_STATUSES]
    recorded = pl.len().cast(pl.Int64).alias("recorded")
    groups = marks.group_by(by).agg(recorded, *counts).sort(by)
    total = marks.select(pl.lit(ALL).alias(by), recorded, *counts)
    return pl.concat([groups, total]).with_columns(rate=share("attended", "recorded"))


def waits(decided: pl.DataFrame, by: str) -> pl.DataFrame:
    """From ``decided`` (one row per exception, with ``by`` and ``days`` from its first
    flag to its first decision): per group and for all, how many were decided, and the
    median and 90th percentile of the days (definition 7, see the module)."""
    figures = [pl.len().cast(pl.Int64).alias("decided"),
               pl.col("days").median().alias("median_days"),
               pl.col("days").quantile(0.9, interpolation="linear").alias("p90_days")]
    groups = decided.group_by(by).agg(*figures).sort(by)
    total = decided.select(pl.lit(ALL).alias(by), *figures)
    return pl.concat([groups, total.with_columns(pl.col(by).cast(groups[by].dtype))])


def on_time(returns: pl.DataFrame, by: str) -> pl.DataFrame:
    """Returns due, on time and late per ``by`` and for all, with ``on_time_share``.
    ``returns`` has ``by``, ``due``, ``on_time`` and ``late`` counts (a partner may have a
    row per round)."""
    counts = [pl.col(name).sum().cast(pl.Int64) for name in ("due", "on_time", "late")]
    groups = returns.group_by(by).agg(*counts).sort(by)
    total = returns.select(pl.lit(ALL).alias(by), *counts)
    return pl.concat([groups, total]).with_columns(on_time_share=share("on_time", "due"))


def joined_spend(lines: pl.DataFrame, by: str) -> pl.DataFrame:
    """The budget per ``by`` and for all: in all, aligned, pooled, and ``joined_share``,
    the aligned and pooled budget over all of it. ``lines`` has ``by``, ``arrangement``
    (single, aligned or pooled) and ``budget``."""
    sums = [pl.col("budget").sum().alias("budget"),
            *(pl.col("budget").filter(pl.col("arrangement") == kind).sum().alias(kind)
              for kind in ("aligned", "pooled"))]
    groups = lines.group_by(by).agg(*sums).sort(by)
    total = lines.select(pl.lit(ALL).alias(by), *sums)
    pounds = ("budget", "aligned", "pooled")
    return (pl.concat([groups, total])
            .with_columns(pl.col(*pounds).round(2))
            .with_columns(joined=pl.col("aligned") + pl.col("pooled"))
            .with_columns(joined_share=share("joined", "budget")))
