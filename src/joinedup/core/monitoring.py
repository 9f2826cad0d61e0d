"""Financial monitoring: each budget line's spending against its profiled budget.

Method: budget monitoring against profiled budgets, as CIPFA describes it for local
authority revenue monitoring (CIPFA, "Financial Management Code", 2019, standard L on
monitoring the budget; and its guidance on budget profiling): each line's annual budget
is spread over the financial year by a spend profile, actual spending to date is set
against the profiled budget to date, and the outturn is forecast by extrapolating along
the profile.

For a line with budget B, cumulative profile share pₖ (the share of B expected to be spent
by the end of quarter k; straight-line by default: 25%, 50%, 75%, 100%) and actual
spending aₖ in quarter k, at the end of quarter q:

- ``actual_to_date`` A = a₁ + … + a_q;
- ``profiled_to_date`` P = p_q × B;
- ``variance_to_date`` = A − P (positive: spending ahead of profile);
- ``forecast_outturn`` F = A / p_q: the year's spending if it continues along the profile
  (the straight-line forecast, A × 4/q, when the profile is straight-line). Where the
  profile expects nothing by quarter q (p_q = 0) there is nothing to extrapolate from:
  F is null and ``reason`` says why;
- ``forecast_variance`` = F − B, and ``variance_pct`` = 100 × (F − B) / |B| (null for a
  zero budget);
- ``status``: "overspend" if F − B > t, "underspend" if F − B < −t, else "on budget",
  where the tolerance t = max(``tolerance`` × |B|, ``absolute_tolerance``): a share of
  the budget (default 5%), but never less than a sum in pounds, so small lines are not
  flagged for a few pounds. Null where there is no forecast.

Quarters are those of the financial year (1 = April to June). Several actual rows for the
same line and quarter (ledger entries) are added together; a quarter with no row counts
as no spending; rows for quarters after the "as at" quarter are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

STATUSES = ("overspend", "underspend", "on budget")
STRAIGHT_LINE = (0.25, 0.5, 0.75, 1.0)
FIGURES = ["budget", "actual_to_date", "profiled_to_date", "variance_to_date",
           "forecast_outturn", "forecast_variance"]
RESULTS = [*FIGURES, "variance_pct", "status", "reason"]


def monitor(budgets: pl.DataFrame, actuals: pl.DataFrame, *, as_at: int,
            keys: Sequence[str] = ("line",), profiles: pl.DataFrame | None = None,
            tolerance: float = 0.05, absolute_tolerance: float = 0.0) -> pl.DataFrame:
    """Each budget line's position at the end of quarter ``as_at`` (1 to 4).

    ``budgets``: one row per line, the ``keys`` columns, ``budget`` and any other columns
    (stream, pool, theme …), which are carried through. ``actuals``: the ``keys``,
    ``quarter`` (1 to 4) and ``actual``. ``profiles`` (optional): the ``keys``,
    ``quarter`` and ``profile``, the cumulative share of the budget expected by the end of
    each quarter, all four quarters, nondecreasing, from 0 to 1 and reaching 1 at
    quarter 4; lines without one are straight-line. The method is in the module
    docstring.

    Returns the budgets' columns, then ``actual_to_date``, ``profiled_to_date``,
    ``variance_to_date``, ``forecast_outturn``, ``forecast_variance``, ``variance_pct``,
    ``status`` and ``reason``, in the budgets' order.
    """
    keys = list(keys)
    _check_options(as_at, tolerance, absolute_tolerance)
    _require(budgets, [*keys, "budget"], "budgets")
    _require(actuals, [*keys, "quarter", "actual"], "actuals")
    _check_budgets(budgets, keys)
    spent = _actuals_to_date(budgets, actuals, keys, as_at)
    share = _profile_share(budgets, profiles, keys, as_at)
    lines = (budgets.with_row_index("_line")
             .join(spent, on=keys, how="left", nulls_equal=True)
             .join(share, on=keys, how="left", nulls_equal=True)
             .sort("_line")
             .with_columns(pl.col("budget").cast(pl.Float64),
                           actual_to_date=pl.col("actual_to_date").fill_null(0.0),
                           _share=pl.col("_share").fill_null(STRAIGHT_LINE[as_at - 1])))
    budget, actual, share_to_date = pl.col("budget"), pl.col("actual_to_date"), pl.col("_share")
    forecast = pl.when(share_to_date > 0).then(actual / share_to_date)
    return lines.with_columns(
        profiled_to_date=share_to_date * budget,
        variance_to_date=actual - share_to_date * budget,
        forecast_outturn=forecast,
        forecast_variance=forecast - budget,
        reason=pl.when(share_to_date == 0).then(pl.format(
            "the profile expects no spending by the end of quarter {}, so the outturn "
            "cannot be forecast from it", pl.lit(as_at))),
    ).with_columns(
        _judged(tolerance, absolute_tolerance)
    ).drop("_line", "_share").select(*budgets.columns, *RESULTS[1:])


def monitoring_totals(monitored: pl.DataFrame, by: Sequence[str], *,
                      tolerance: float = 0.05, absolute_tolerance: float = 0.0) -> pl.DataFrame:
    """``monitor``'s figures added up by ``by`` (e.g. stream, pool or theme).

    The budget, actual, profiled budget, variances and forecast outturn are sums over the
    group's lines (a group with any line lacking a forecast has no forecast, and
    ``lines_without_forecast`` counts them); ``variance_pct`` and ``status`` are worked
    out again on the group's totals with the same tolerance rule as ``monitor``. Sorted
    by ``by``.
    """
    by = list(by)
    _check_options(1, tolerance, absolute_tolerance)
    _require(monitored, [*by, *FIGURES], "monitored")
    missing = pl.col("forecast_outturn").is_null().sum()
    return (monitored.group_by(by).agg(
        lines=pl.len().cast(pl.Int64),
        **{name: pl.col(name).sum() for name in FIGURES[:4]},
        forecast_outturn=pl.when(missing == 0).then(pl.col("forecast_outturn").sum()),
        lines_without_forecast=missing.cast(pl.Int64),
    ).with_columns(
        forecast_variance=pl.col("forecast_outturn") - pl.col("budget"),
    ).with_columns(
        _judged(tolerance, absolute_tolerance)
    ).sort(by).select(*by, "lines", *FIGURES, "variance_pct", "status",
                      "lines_without_forecast"))


def _judged(tolerance: float, absolute_tolerance: float) -> list[pl.Expr]:
    budget, variance = pl.col("budget"), pl.col("forecast_variance")
    allowed = pl.max_horizontal(budget.abs() * tolerance, pl.lit(float(absolute_tolerance)))
    return [
        pl.when(budget != 0).then(100 * variance / budget.abs()).alias("variance_pct"),
        pl.when(variance.is_null()).then(None)
        .when(variance > allowed).then(pl.lit("overspend"))
        .when(variance < -allowed).then(pl.lit("underspend"))
        .otherwise(pl.lit("on budget")).cast(pl.Enum(STATUSES)).alias("status"),
    ]


def _check_options(as_at: int, tolerance: float, absolute_tolerance: float) -> None:
    if as_at not in (1, 2, 3, 4):
        raise ValueError(f"as_at must be a quarter of the financial year, 1 to 4, not {as_at}")
    if not tolerance >= 0 or not absolute_tolerance >= 0:
        raise ValueError("the tolerances must be zero or more, not "
                         f"{tolerance} and {absolute_tolerance}")


def _require(frame: pl.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {name} frame lacks column(s) {', '.join(missing)}")


def _describe(row: dict, keys: list[str]) -> str:
    """A line's name: its key, or its key columns' values joined with " / "."""
    return " / ".join(str(row[k]) for k in keys)


def _check_budgets(budgets: pl.DataFrame, keys: list[str]) -> None:
    repeated = budgets.filter(pl.struct(keys).is_duplicated())
    if repeated.height:
        raise ValueError(f"the budgets have line {_describe(repeated.row(0, named=True), keys)} "
                         "more than once")
    budget = budgets["budget"].cast(pl.Float64)
    bad = budgets.filter(budget.is_null() | budget.is_nan() | budget.is_infinite())
    if bad.height:
        raise ValueError(f"line {_describe(bad.row(0, named=True), keys)} has no budget")


def _actuals_to_date(budgets: pl.DataFrame, actuals: pl.DataFrame, keys: list[str],
                     as_at: int) -> pl.DataFrame:
    _check_quarters(actuals, keys, "actuals")
    actual = actuals["actual"].cast(pl.Float64)
    bad = actuals.filter(actual.is_null() | actual.is_nan() | actual.is_infinite())
    if bad.height:
        row = bad.row(0, named=True)
        raise ValueError(f"line {_describe(row, keys)} has no actual for quarter "
                         f"{row['quarter']}")
    orphans = actuals.join(budgets.select(keys), on=keys, how="anti", nulls_equal=True)
    if orphans.height:
        raise ValueError(f"there is spending on line {_describe(orphans.row(0, named=True), keys)}"
                         ", which has no budget")
    return (actuals.filter(pl.col("quarter") <= as_at).group_by(keys)
            .agg(actual_to_date=pl.col("actual").cast(pl.Float64).sum()))


def _profile_share(budgets: pl.DataFrame, profiles: pl.DataFrame | None, keys: list[str],
                   as_at: int) -> pl.DataFrame:
    """Each profiled line's cumulative share at ``as_at``, after checking its profile."""
    if profiles is None:
        return budgets.select(keys).with_columns(_share=pl.lit(None, pl.Float64)).head(0)
    _require(profiles, [*keys, "quarter", "profile"], "profiles")
    _check_quarters(profiles, keys, "profiles")
    shares = profiles.with_columns(pl.col("profile").cast(pl.Float64)).sort(*keys, "quarter")
    checked = shares.group_by(keys, maintain_order=True).agg(
        quarters=pl.col("quarter").sort().cast(pl.Int64),
        rising=(pl.col("profile").diff().drop_nulls() >= 0).all(),
        within=pl.col("profile").is_between(0, 1).all() & pl.col("profile").is_not_null().all(),
        last=pl.col("profile").last(),
    )
    bad = checked.filter((pl.col("quarters") != [1, 2, 3, 4]) | ~pl.col("rising")
                         | ~pl.col("within") | (pl.col("last") != 1))
    if bad.height:
        raise ValueError(f"the profile of line {_describe(bad.row(0, named=True), keys)} must "
                         "give a share for each of quarters 1 to 4, between 0 and 1, never "
                         "falling, and reaching 1 at quarter 4")
    return shares.filter(pl.col("quarter") == as_at).select(*keys, _share=pl.col("profile"))


def _check_quarters(frame: pl.DataFrame, keys: list[str], name: str) -> None:
    quarter = frame["quarter"]
    bad = frame.filter(quarter.is_null() | ~quarter.is_in([1, 2, 3, 4]))
    if bad.height:
        row = bad.row(0, named=True)
        raise ValueError(f"the {name} of line {_describe(row, keys)} give quarter "
                         f"{row['quarter']}; quarters run from 1 to 4")
