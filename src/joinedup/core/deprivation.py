"""Deprivation of a larger area, summarised from its LSOAs, as the English Indices of
Deprivation summarise local authorities.

Input: one row per area × LSOA (an LSOA may belong to several areas: its ward, locality and
district), with the LSOA's ``population`` and its rank among English LSOAs on the index
and on each domain (1 = most deprived). Output: one row per area × measure.

Decile of a rank
    The English Indices rank every LSOA and cut the ranks into ten groups of equal count;
    decile d holds the ranks up to ⌊N·d/10⌋, N = 32,844 LSOAs in England in 2019, so the
    decile of rank r is ⌈10·r / N⌉ (ranks 1–3,284 are decile 1, 3,285–6,568 decile 2 …, as
    File 2 of the English Indices of Deprivation 2019 gives them).

Summary measures (Ministry of Housing, Communities and Local Government, "The English
Indices of Deprivation 2019: Technical report", section 3.5, "Summary measures for higher
level geographies")
    ``average_rank``: the population-weighted mean of the LSOAs' ranks (the report's
    "average rank" measure), so a large LSOA counts for more people; ``most_deprived_10``:
    the share of the area's population living in LSOAs in the most deprived 10% in England
    (the report's "proportion of LSOAs in the most deprived 10% nationally", here weighted
    by population rather than counting LSOAs, so that it reads as a share of residents);
    ``most_deprived_20`` likewise for the most deprived fifth; ``lsoas`` and ``population``
    say what the summary covers. LSOAs lacking a rank or a population are left out of that
    measure, and ``lsoas`` counts those used.
"""

from __future__ import annotations

import polars as pl

LSOAS_IN_ENGLAND_2019 = 32_844
COLUMNS = ["area", "lsoa", "population"]


def decile(rank: pl.Expr, lsoas: int = LSOAS_IN_ENGLAND_2019) -> pl.Expr:
    """The national decile of an LSOA's rank: ⌈10·rank / N⌉."""
    return (rank * 10 / lsoas).ceil().cast(pl.Int64)


def area_deprivation(lsoas: pl.DataFrame, measures: list[str], *,
                     in_england: int = LSOAS_IN_ENGLAND_2019) -> pl.DataFrame:
    """Per area and measure (each a rank column of ``lsoas``): ``lsoas``, ``population``,
    ``average_rank``, ``most_deprived_10`` and ``most_deprived_20``."""
    missing = [c for c in [*COLUMNS, *measures] if c not in lsoas.columns]
    if missing:
        raise ValueError(f"LSOAs need the columns {', '.join(missing)}")
    long = (lsoas.unpivot(on=measures, index=COLUMNS, variable_name="measure",
                          value_name="rank")
            .filter(pl.col("rank").is_not_null() & (pl.col("population") > 0))
            .with_columns(pl.col("population").cast(pl.Float64),
                          pl.col("rank").cast(pl.Float64)))
    people = pl.col("population")
    share = lambda limit: ((pl.col("rank") <= limit).cast(pl.Float64) * people).sum() / people.sum()  # noqa: E731
    return (long.group_by("area", "measure")
            .agg(lsoas=pl.len(), population=people.sum().cast(pl.Int64),
                 average_rank=(pl.col("rank") * people).sum() / people.sum(),
                 most_deprived_10=share(in_england // 10),
                 most_deprived_20=share(in_england * 2 // 10))
            .sort("area", "measure"))
