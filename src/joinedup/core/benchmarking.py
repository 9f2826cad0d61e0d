"""Benchmarking every indicator against each area's statistical neighbours and England.

Inputs, all frames:
    values      ``indicator, area, period_start, value`` and, for funnel plots,
                ``numerator, denominator``;
    neighbours  ``area, neighbour, rank, distance``, as ``joinedup.core.neighbours`` gives
                them. The areas in it, as areas or as neighbours, are the areas of the
                kind; values of other areas take no part;
    polarity    ``indicator, polarity``: "up" (higher is better), "down" (lower is
                better); anything else, or an indicator not listed, is "none".

Rank and quartile (``rank_and_quartile``)
    Each area's latest value (the last period in which it has a finite value) is ranked
    among the values of the same period in two comparison groups: "neighbours" (its
    neighbours and itself) and "england" (every area of the kind). Members with no value
    in that period are left out, and ``group_size`` counts the members ranked.
    - Order: rank 1 is the best: highest first for polarity "up", lowest first for "down".
      Polarity "none" makes no judgement; its values are ranked highest first. The column
      ``ranked`` says which order each row used.
    - Ties: standard competition ranking ("1224"): tied values share the best of their
      ranks, and the next value's rank counts every value before it. So rank = 1 + the
      number of members strictly better.
    - Quartile = ⌈4 × rank / group_size⌉, 1 the best quarter. Ranks 1–4 of 16 are
      quartile 1, 5–8 quartile 2. Tied values share a rank, so they share a quartile.
      A group of fewer than 4 ranked members has no quartile (null).

Funnel plots (``funnel_plot``)
    Control limits at 95% and 99.8% around a benchmark, for indicators whose
    ``measures`` row says "proportion" (exact binomial) or "rate" (exact Poisson, which
    serves counts too). The method is in ``joinedup.core._funnel``. Two comparators:
    "england", the pooled figure of every area of the kind with a numerator and a
    denominator, Σ numerators / Σ denominators × multiplier, for that indicator and
    period, or the figure given in ``benchmarks``; and "neighbours", the area's
    neighbours pooled the same way, not counting the area itself. A neighbours benchmark
    needs numerators and denominators from at least half the area's listed neighbours.

Neighbours' average trend (``neighbours_trend`` and ``trend_slopes``)
    - For each indicator, area and period: the mean of the neighbours' values, beside the
      area's own value. The mean is given only where at least half the listed neighbours
      have a value (2 × count ≥ listed); otherwise it is null.
    - Slopes: ordinary least squares of value on time over the indicator's last
      ``periods`` periods (the latest distinct ``period_start`` among the areas of the
      kind), separately for the area's own values and for the neighbours' mean. Time is in
      years (days from the first period of the window / 365.25), so a slope is a change
      per year. A series with fewer than ``min_points`` points in the window has no slope.
      ``slope_difference`` = own slope − neighbours' slope: above 0 when the area's values
      rise faster (or fall slower) than its neighbours'.
"""

from __future__ import annotations

import polars as pl

from joinedup.core._funnel import BANDS, LIMITS, METHODS, count_limits, funnel_points

__all__ = ["BANDS", "LIMITS", "METHODS", "count_limits", "funnel_plot", "funnel_points",
           "neighbours_trend", "rank_and_quartile", "trend_slopes"]

KEYS = ["indicator", "area"]
DAYS_PER_YEAR = 365.25


def areas_of_kind(neighbours: pl.DataFrame) -> pl.Series:
    """Every area the neighbours frame names, as an area or as a neighbour."""
    return pl.concat([neighbours["area"], neighbours["neighbour"]]).cast(pl.String).unique()


def _values(values: pl.DataFrame, neighbours: pl.DataFrame, *extra: str,
            need_value: bool = True) -> pl.DataFrame:
    """The rows of the areas of the kind (with a finite value, when ``need_value``)."""
    kept = pl.col("area").is_in(areas_of_kind(neighbours).implode())
    if need_value:
        kept = kept & pl.col("value").is_finite()
    return (values.select(*KEYS, "period_start", "value", *extra)
            .with_columns(pl.col("value").cast(pl.Float64), pl.col("area").cast(pl.String))
            .filter(kept))


def _membership(neighbours: pl.DataFrame) -> pl.DataFrame:
    """``area, member``: each area's neighbours."""
    return neighbours.select(pl.col("area").cast(pl.String),
                             member=pl.col("neighbour").cast(pl.String)).unique()


def _with_polarity(frame: pl.DataFrame, polarity: pl.DataFrame) -> pl.DataFrame:
    """Add ``polarity`` ("up", "down" or "none") and ``ranked``, and ``key``: the value
    signed so that lower is better."""
    listed = polarity.select("indicator", pl.col("polarity").cast(pl.String)).unique("indicator")
    return (frame.join(listed, on="indicator", how="left")
            .with_columns(polarity=pl.when(pl.col("polarity").is_in(["up", "down"]))
                          .then(pl.col("polarity")).otherwise(pl.lit("none")))
            .with_columns(
                ranked=pl.when(pl.col("polarity") == "down").then(pl.lit("lowest first"))
                .otherwise(pl.lit("highest first")),
                key=pl.when(pl.col("polarity") == "down").then(pl.col("value"))
                .otherwise(-pl.col("value"))))


def rank_and_quartile(values: pl.DataFrame, neighbours: pl.DataFrame,
                      polarity: pl.DataFrame) -> pl.DataFrame:
    """``indicator, area, period_start, value, polarity, ranked, comparison, rank,
    group_size, quartile`` for each area's latest value, one row for each comparison
    group ("neighbours", "england"); see the module's docstring for the rules."""
    present = _with_polarity(_values(values, neighbours), polarity)
    latest = present.filter(pl.col("period_start") == pl.col("period_start").max()
                            .over(KEYS))
    cell = ["indicator", "period_start"]
    england = latest.select(*KEYS, "period_start").join(
        present.with_columns(
            rank=pl.col("key").rank("min").over(cell).cast(pl.Int64),
            group_size=pl.len().over(cell).cast(pl.Int64)),
        on=[*KEYS, "period_start"])
    members = pl.concat([_membership(neighbours),
                         latest.select(pl.col("area"), member=pl.col("area")).unique()])
    beside = present.select("indicator", member=pl.col("area"), period_start="period_start",
                            member_key="key")
    group = (latest.join(members, on="area")
             .join(beside, on=["indicator", "member", "period_start"])
             .group_by(KEYS).agg(
                 rank=1 + (pl.col("member_key") < pl.col("key").first()).sum().cast(pl.Int64),
                 group_size=pl.len().cast(pl.Int64)))
    columns = [*KEYS, "period_start", "value", "polarity", "ranked", "comparison", "rank",
               "group_size"]
    ranked = pl.concat([
        latest.join(group, on=KEYS).with_columns(comparison=pl.lit("neighbours"))
        .select(columns),
        england.with_columns(comparison=pl.lit("england")).select(columns),
    ])
    return ranked.with_columns(
        quartile=pl.when(pl.col("group_size") >= 4)
        .then((4 * pl.col("rank") / pl.col("group_size")).ceil().cast(pl.Int64)),
    ).sort(*KEYS, "comparison")


def funnel_plot(values: pl.DataFrame, neighbours: pl.DataFrame, measures: pl.DataFrame,
                benchmarks: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every area's point of every period on the funnel of each comparator.

    ``measures``: ``indicator, measure, multiplier``; indicators not in it have no
    funnel. ``benchmarks`` (optional): ``indicator, period_start, benchmark``, England's
    figure where it is published rather than pooled. Returns ``indicator, area,
    period_start, comparator, value, numerator, denominator, benchmark, measure,
    multiplier`` and the columns ``funnel_points`` adds."""
    present = (_values(values, neighbours, "numerator", "denominator", need_value=False)
               .with_columns(pl.col("numerator", "denominator").cast(pl.Float64))
               .join(measures.select("indicator", "measure",
                                     pl.col("multiplier").cast(pl.Float64)),
                     on="indicator"))
    counted = pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null()
    pooled = (pl.col("numerator").filter(counted).sum()
              / pl.col("denominator").filter(counted).sum() * pl.col("multiplier").first())
    cell = ["indicator", "period_start"]
    england = present.group_by(cell).agg(benchmark=pooled.fill_nan(None))
    if benchmarks is not None:
        given = benchmarks.select(*cell, pl.col("benchmark").cast(pl.Float64))
        england = (england.join(given, on=cell, how="full", coalesce=True, suffix="_given")
                   .select(*cell, benchmark=pl.coalesce("benchmark_given", "benchmark")))
    listed = neighbours.group_by(pl.col("area").cast(pl.String)).agg(listed=pl.len())
    around = (_membership(neighbours)
              .join(present.rename({"area": "member"}), on="member")
              .filter(counted)
              .group_by(*KEYS, "period_start").agg(benchmark=pooled.fill_nan(None),
                                                   counted=pl.len())
              .join(listed, on="area")
              .filter(2 * pl.col("counted") >= pl.col("listed"))
              .select(*KEYS, "period_start", "benchmark"))
    columns = [*KEYS, "period_start", "comparator", "value", "numerator", "denominator",
               "benchmark", "measure", "multiplier"]
    points = pl.concat([
        present.join(england, on=cell, how="left")
        .with_columns(comparator=pl.lit("england")).select(columns),
        present.join(around, on=[*KEYS, "period_start"], how="left")
        .with_columns(comparator=pl.lit("neighbours")).select(columns),
    ])
    return funnel_points(points).sort(*KEYS, "period_start", "comparator")


def neighbours_trend(values: pl.DataFrame, neighbours: pl.DataFrame) -> pl.DataFrame:
    """``indicator, area, period_start, value, neighbours_mean, neighbours_with_value,
    neighbours_listed`` for every area of the kind and every period of the indicator in
    which the area or one of its neighbours has a value."""
    present = _values(values, neighbours)
    listed = neighbours.group_by(pl.col("area").cast(pl.String)).agg(
        neighbours_listed=pl.len().cast(pl.Int64))
    around = (_membership(neighbours)
              .join(present.rename({"area": "member"}), on="member")
              .group_by(*KEYS, "period_start")
              .agg(neighbours_mean=pl.col("value").mean(),
                   neighbours_with_value=pl.len().cast(pl.Int64)))
    own = present.select(*KEYS, "period_start", "value")
    return (own.join(around, on=[*KEYS, "period_start"], how="full", coalesce=True)
            .join(listed, on="area", how="left")
            .with_columns(pl.col("neighbours_with_value").fill_null(0))
            .with_columns(neighbours_mean=pl.when(
                2 * pl.col("neighbours_with_value") >= pl.col("neighbours_listed"))
                .then(pl.col("neighbours_mean")))
            .filter(pl.col("value").is_not_null() | pl.col("neighbours_mean").is_not_null())
            .select(*KEYS, "period_start", "value", "neighbours_mean",
                    "neighbours_with_value", "neighbours_listed")
            .sort(*KEYS, "period_start"))


def _slope(column: str) -> pl.Expr:
    """Least squares slope of ``column`` on ``years`` over the rows where it is present."""
    y = pl.col(column)
    x = pl.col("years").filter(y.is_not_null())
    y = y.filter(y.is_not_null())
    return ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()


def trend_slopes(trend: pl.DataFrame, periods: int = 5, min_points: int = 3) -> pl.DataFrame:
    """From ``neighbours_trend``'s frame: ``indicator, area, window_start, window_end,
    own_points, neighbours_points, own_slope, neighbours_slope, slope_difference``, slopes
    per year over each indicator's last ``periods`` periods."""
    if periods < 2 or min_points < 2:
        raise ValueError("a slope needs a window of at least 2 periods and at least 2 points")
    window = (trend.select("indicator", "period_start").unique()
              .with_columns(order=pl.col("period_start").rank("dense", descending=True)
                            .over("indicator"))
              .filter(pl.col("order") <= periods)
              .with_columns(window_start=pl.col("period_start").min().over("indicator"),
                            window_end=pl.col("period_start").max().over("indicator"))
              .drop("order"))
    inside = trend.join(window, on=["indicator", "period_start"]).with_columns(
        years=(pl.col("period_start") - pl.col("window_start")).dt.total_days()
        / DAYS_PER_YEAR)
    slopes = inside.group_by(KEYS).agg(
        pl.col("window_start", "window_end").first(),
        own_points=pl.col("value").count().cast(pl.Int64),
        neighbours_points=pl.col("neighbours_mean").count().cast(pl.Int64),
        own_slope=_slope("value"),
        neighbours_slope=_slope("neighbours_mean"),
    )
    return (slopes.with_columns(
        own_slope=pl.when(pl.col("own_points") >= min_points).then(pl.col("own_slope")),
        neighbours_slope=pl.when(pl.col("neighbours_points") >= min_points)
        .then(pl.col("neighbours_slope")))
        .with_columns(slope_difference=pl.col("own_slope") - pl.col("neighbours_slope"))
        .sort(KEYS))
