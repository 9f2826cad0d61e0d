"""Resources against performance, for every area × theme: the table pages, exports and
``joinedup resources`` share.

Spend comes from the budget lines the reader may see; need from ``bases``; outcomes from
the stored assessment (views never compute statistics): each of the theme's indicators
measured in the area, with its latest value, direction, gap to England and probability
of meeting its target. The quadrants are ``core.matching``'s.
"""

from __future__ import annotations

import polars as pl
from django.db.models import Q

from joinedup.assessment.models import Assessment
from joinedup.core.matching import resources_against_performance
from joinedup.resources import bases
from joinedup.resources.finance import lines_frame
from joinedup.strategy.models import Indicator, Strategy, Theme

ENGLAND = "E92000001"
LEVELS = ("ward", "locality", "district")
#: The columns of the table, as exports and ``joinedup resources`` give them.
COLUMNS = ["area", "area_name", "theme", "theme_name", "population", "need", "spend",
           "spend_per_head", "single", "aligned", "pooled", "by_partner", "apportioned",
           "indicators", "improving", "worsening", "mean_p_meet_target", "outcomes",
           "quadrant"]


def outcomes_frame(user, area_ids: list[int]) -> pl.DataFrame:
    """The theme's indicators measured in each area: latest value, direction, gap to
    England (signed so that positive is better) and P(meet target)."""
    visible = Indicator.objects.visible_to(user)
    fields = ("indicator_id", "indicator__code", "indicator__polarity",
              "indicator__outcome__theme__slug", "area_id", "value", "direction",
              "p_meet_target", "period")
    latest = Assessment.objects.filter(is_latest=True, indicator__in=visible)
    found = list(latest.filter(Q(area_id__in=area_ids) | Q(area__code=ENGLAND))
                 .values_list(*fields, "area__code"))
    england = {row[0]: row[5] for row in found if row[-1] == ENGLAND}
    rows = [row[:-1] for row in found if row[-1] != ENGLAND]
    frame = pl.DataFrame(rows, orient="row", schema={
        "indicator_id": pl.Int64, "indicator": pl.String, "polarity": pl.String,
        "theme": pl.String, "area_id": pl.Int64, "value": pl.Float64,
        "direction": pl.String, "p_meet_target": pl.Float64, "period": pl.String})
    return frame.with_columns(
        england=pl.col("indicator_id").replace_strict(england, default=None,
                                                      return_dtype=pl.Float64)
    ).with_columns(gap_to_england=pl.when(pl.col("polarity") == "down")
                   .then(pl.col("england") - pl.col("value"))
                   .when(pl.col("polarity") == "up")
                   .then(pl.col("value") - pl.col("england")))


def table(user, *, year: str, level: str = "ward", theme: str | None = None) -> pl.DataFrame:
    """One row per area of ``level`` × theme (``COLUMNS``), for financial ``year``."""
    everywhere = bases.areas_frame()
    areas = everywhere.filter(pl.col("level") == level,
                              pl.col("area_id").is_in(_partnership_area_ids(everywhere)))
    lines = lines_frame(user, year=year, area__level=level)
    themes = dict(Theme.objects.values_list("slug", "name"))
    if theme:
        lines = lines.filter(pl.col("theme") == theme)
        themes = {theme: themes[theme]} if theme in themes else {}
    spend = lines.select("area", "theme", "partner", "arrangement", "apportioned_by",
                         spend=pl.col("budget"))
    outcomes = outcomes_frame(user, areas["area_id"].to_list()).join(
        areas.select("area_id", area="code"), on="area_id")
    outcomes = outcomes.filter(pl.col("theme").is_in(list(themes)))
    core_areas = areas.select(area="code", population="population", need="need")
    matched = resources_against_performance(
        spend.select("area", "theme", "spend"), core_areas,
        outcomes.select("area", "theme", "indicator", "direction", "p_meet_target"),
        themes=list(themes))
    return _described(matched, spend, outcomes, areas, themes)


def _partnership_area_ids(areas: pl.DataFrame) -> list[int]:
    """The partnership's own places: its strategy's area and every area within it (a
    comparator or another county's districts are not its wards)."""
    homes = list(Strategy.objects.values_list("area_id", flat=True))
    pairs = bases.ancestors(areas)
    return pairs.filter(pl.col("ancestor_id").is_in(homes))["descendant_id"].to_list()


def _described(matched: pl.DataFrame, spend: pl.DataFrame, outcomes: pl.DataFrame,
               areas: pl.DataFrame, themes: dict[str, str]) -> pl.DataFrame:
    arrangements = (spend.pivot(on="arrangement", index=["area", "theme"], values="spend",
                                aggregate_function="sum")
                    if spend.height else pl.DataFrame(schema={"area": pl.String,
                                                              "theme": pl.String}))
    for name in ("single", "aligned", "pooled"):
        if name not in arrangements.columns:
            arrangements = arrangements.with_columns(pl.lit(None, pl.Float64).alias(name))
    partners = (spend.group_by("area", "theme", "partner").agg(pl.col("spend").sum())
                .sort("partner")
                .group_by("area", "theme").agg(by_partner=pl.format(
                    "{}: £{}", pl.col("partner"), pl.col("spend").round(0).cast(pl.Int64))
                    .str.join("; ")))
    apportioned = (spend.filter(pl.col("apportioned_by") != "")
                   .group_by("area", "theme")
                   .agg(apportioned=pl.col("apportioned_by").unique().sort().str.join("; ")))
    described = (outcomes.sort("indicator").group_by("area", "theme").agg(
        outcomes=pl.format("{} {} ({}; gap to England {}; P(meet) {})", pl.col("indicator"),
                           pl.col("value").round(1), pl.col("direction"),
                           pl.col("gap_to_england").round(1).cast(pl.String).fill_null("n/a"),
                           ((pl.col("p_meet_target") * 100).round(0).cast(pl.Int64)
                            .cast(pl.String) + "%").fill_null("n/a")).str.join("; ")))
    names = areas.select(area="code", area_name="name")
    result = (matched.filter(pl.col("theme").is_in(list(themes)))
              .join(names, on="area", how="left")
              .join(arrangements.select("area", "theme", "single", "aligned", "pooled"),
                    on=["area", "theme"], how="left")
              .join(partners, on=["area", "theme"], how="left")
              .join(apportioned, on=["area", "theme"], how="left")
              .join(described, on=["area", "theme"], how="left")
              .with_columns(theme_name=pl.col("theme").replace_strict(themes, default=None),
                            by_partner=pl.col("by_partner").fill_null(""),
                            apportioned=pl.col("apportioned").fill_null(""),
                            outcomes=pl.col("outcomes").fill_null("")))
    return result.select(COLUMNS).sort("theme", "area")
