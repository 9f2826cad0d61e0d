"""Resources against performance: does the money follow need, and is it working?

Gateshead's partnership asked how it "demonstrates that it matches resources to
performance". For every area × theme this sets spend per head beside need and beside the
theme's outcomes there, and marks the two cells a Board should question:

- **high need, low spend**: need above the median of the areas compared, and spend per
  head below the median, both within the theme;
- **high spend, not improving**: spend per head above the median within the theme, and
  none of the theme's indicators measured in the area improving (each is worsening or
  shows no significant change; at least one must have a direction of travel: a series
  with a single figure, direction "none", says nothing either way).

Medians are of the areas of one level (wards with wards) that have spend or need
recorded; spend per head is compared to the penny, and ties with the median count as
neither above nor below. The method is the
"quadrant analysis" of value-for-money reviews (Audit Commission, *Value for money in
public sector corporate services*, 2007, which plots cost against performance and reads
the quadrants), applied with need in place of cost's peer average.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

QUADRANTS = ("high need, low spend", "high spend, not improving")
SPEND_COLUMNS = ("area", "theme", "spend")
AREA_COLUMNS = ("area", "population", "need")
OUTCOME_COLUMNS = ("area", "theme", "indicator", "direction", "p_meet_target")
#: Directions of travel that say something: "none" (a single figure) does not.
TRAVEL = ("improving", "no_change", "worsening")


def resources_against_performance(spend: pl.DataFrame, areas: pl.DataFrame,
                                  outcomes: pl.DataFrame,
                                  themes: Sequence[str] | None = None) -> pl.DataFrame:
    """One row per area × theme with spend, spend per head, need, outcomes and quadrant.

    ``spend``: ``area``, ``theme``, ``spend`` (pounds; several rows per cell are added).
    ``areas``: ``area``, ``population``, ``need`` (null where unknown), and every area ×
    theme cell to show is each area of ``areas`` with each of ``themes`` (by default, each
    theme found in ``spend`` or ``outcomes``). ``outcomes``: ``area``, ``theme``, ``indicator``, ``direction``
    ("improving", "no_change", "worsening" or "none") and ``p_meet_target`` (null without a
    forecast), one row per indicator measured there.

    Returns ``area``, ``theme``, ``population``, ``need``, ``spend``, ``spend_per_head``,
    ``indicators`` (how many measured), ``improving``, ``worsening``,
    ``mean_p_meet_target``, ``need_above_median``, ``spend_above_median``,
    ``spend_below_median`` and ``quadrant`` (one of ``QUADRANTS`` or null).
    """
    for frame, columns, name in ((spend, SPEND_COLUMNS, "spend"), (areas, AREA_COLUMNS, "areas"),
                                 (outcomes, OUTCOME_COLUMNS, "outcomes")):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"the {name} frame lacks column(s) {', '.join(missing)}")
    themes = (pl.DataFrame({"theme": list(themes)}, schema={"theme": pl.String})
              if themes is not None else
              pl.concat([spend.select("theme"), outcomes.select("theme")]).unique())
    totals = spend.group_by("area", "theme").agg(pl.col("spend").cast(pl.Float64).sum())
    measured = outcomes.group_by("area", "theme").agg(
        indicators=pl.len().cast(pl.Int64),
        travelling=pl.col("direction").is_in(TRAVEL).sum().cast(pl.Int64),
        improving=(pl.col("direction") == "improving").sum().cast(pl.Int64),
        worsening=(pl.col("direction") == "worsening").sum().cast(pl.Int64),
        mean_p_meet_target=pl.col("p_meet_target").mean())
    grid = (areas.select(*AREA_COLUMNS).join(themes, how="cross")
            .join(totals, on=["area", "theme"], how="left")
            .join(measured, on=["area", "theme"], how="left")
            .with_columns(pl.col("spend").fill_null(0.0),
                          pl.col("indicators", "travelling", "improving", "worsening")
                          .fill_null(0)))
    # to the penny a head, so that spend spread by population, equal everywhere but for
    # float noise, is equal to the median rather than a hair above or below it
    grid = grid.with_columns(spend_per_head=pl.when(pl.col("population") > 0)
                             .then((pl.col("spend") / pl.col("population")).round(2)))
    spend_median = pl.col("spend_per_head").median().over("theme")
    need_median = pl.col("need").median().over("theme")
    grid = grid.with_columns(
        need_above_median=(pl.col("need") > need_median).fill_null(False),
        spend_above_median=(pl.col("spend_per_head") > spend_median).fill_null(False),
        spend_below_median=(pl.col("spend_per_head") < spend_median).fill_null(False))
    not_improving = (pl.col("travelling") > 0) & (pl.col("improving") == 0)
    return grid.with_columns(
        quadrant=pl.when(pl.col("need_above_median") & pl.col("spend_below_median"))
        .then(pl.lit(QUADRANTS[0]))
        .when(pl.col("spend_above_median") & not_improving).then(pl.lit(QUADRANTS[1]))
        .otherwise(pl.lit(None, pl.String))
    ).drop("travelling").sort("theme", "area")
