"""What money is spread and shared by: each area's population, need and caseload.

One place answers "how needy is this ward?", for apportioning a district's spend to its
wards, for allocating a pot by need, and for setting spend beside need on the resources
page, so the three cannot disagree.

Need. English LSOAs carry their IMD 2019 rank (1 is the most deprived of 32,844). An
LSOA's need is its deprivation percentile, 1 − (rank − 1) / 32,844: 1 for the most
deprived, near 0 for the least. A larger area's need is the population-weighted mean of
its LSOAs' need. (The IoD publishes scores only for local authority districts; ranks are
what every LSOA has. English Indices of Deprivation 2019, MHCLG, technical report §3.)
"""

from __future__ import annotations

import polars as pl

from joinedup.places.models import Area

LSOAS_IN_ENGLAND = 32_844
BASES = ("population", "need")
CASELOAD = "caseload"


def areas_frame() -> pl.DataFrame:
    """Every area: ``area_id``, ``code``, ``name``, ``level``, ``parent_id``,
    ``population``, ``need`` (see the module docstring; null where no LSOA has a rank)."""
    rows = list(Area.objects.values_list("pk", "code", "name", "level", "parent_id",
                                         "population", "imd_rank"))
    frame = pl.DataFrame(rows, orient="row", schema={
        "area_id": pl.Int64, "code": pl.String, "name": pl.String, "level": pl.String,
        "parent_id": pl.Int64, "population": pl.Int64, "imd_rank": pl.Int64})
    lsoa = frame.filter(pl.col("imd_rank").is_not_null()).select(
        "area_id", "population",
        need=1 - (pl.col("imd_rank") - 1) / LSOAS_IN_ENGLAND)
    pairs = ancestors(frame)
    weighted = (lsoa.join(pairs, left_on="area_id", right_on="descendant_id")
                .group_by("ancestor_id")
                .agg(need=(pl.col("need") * pl.col("population")).sum()
                     / pl.col("population").sum()))
    return (frame.drop("imd_rank")
            .join(weighted, left_on="area_id", right_on="ancestor_id", how="left"))


def ancestors(frame: pl.DataFrame) -> pl.DataFrame:
    """Every (descendant, ancestor) pair, each area counting as its own ancestor."""
    parent = dict(zip(frame["area_id"].to_list(), frame["parent_id"].to_list(), strict=True))
    pairs = []
    for area in parent:
        node = area
        while node is not None:
            pairs.append((area, node))
            node = parent.get(node)
    return pl.DataFrame(pairs, orient="row",
                        schema={"descendant_id": pl.Int64, "ancestor_id": pl.Int64})


def wards_within(areas: pl.DataFrame) -> pl.DataFrame:
    """(``within_id``, ``area_id``) for every ward inside every area above ward level."""
    pairs = ancestors(areas)
    wards = areas.filter(pl.col("level") == "ward").select("area_id")
    return (pairs.join(wards, left_on="descendant_id", right_on="area_id")
            .filter(pl.col("descendant_id") != pl.col("ancestor_id"))
            .select(within_id="ancestor_id", area_id="descendant_id"))


def read_basis(text: str) -> tuple[str, str | None]:
    """A line's ``apportioned_by`` → (basis, indicator code or None), or ValueError."""
    words = text.strip()
    lowered = words.lower()
    if lowered in BASES:
        return lowered, None
    if lowered.startswith(CASELOAD + ":"):
        code = words.split(":", 1)[1].strip()
        if code:
            return CASELOAD, code
    raise ValueError(f"'{text}' is not a base to apportion by: write population, need, or "
                     "caseload: followed by an indicator code (caseload: HW 02)")
