"""Build the variables for statistical neighbours of English districts and upper-tier
authorities, from the public data in the shared data folder.

    python scripts/build_neighbour_variables.py [--data ../shared/data]

Writes into ``src/joinedup/places/data/``:

- ``neighbour_variables_districts.csv``: one row per district (lower tier, 2024 codes);
- ``neighbour_variables_upper_tier.csv``: one row per county or unitary (2023 codes);
- ``neighbour_weights.csv``: ``variable, weight``, every weight 1;
- ``neighbour_variable_definitions.csv``: each variable's definition and source;
- ``neighbour_areas.csv``: ``area, name, tier`` for reading the results.

Everything is built from LSOAs (2011) up, through the ONS lookup to 2019 districts and
their successors, because the LSOA files are the only ones that add up to any later
boundary. The deprivation average ranks are checked against the published 2019 district
summaries (IoD2019 File 10) before anything is written.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src/joinedup/places/data"
LSOAS = 32_844
EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)

DOMAINS = {
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
}

IOD = ("English Indices of Deprivation 2019 (MHCLG), File 2 (LSOA domain ranks) and File 6 "
       "(mid-2015 populations, excluding prisoners)")
MYE_LSOA = "ONS mid-2020 population estimates for LSOAs (2011), broad ages"
MYE_LA = "ONS mid-2020 population estimates for local authorities, single year of age"
BOUNDARIES = {
    "district": "ONS Local Authority Districts (May 2024) boundaries, super-generalised (BSC)",
    "upper tier": "ONS Counties and Unitary Authorities (December 2023) boundaries, "
                  "super-generalised (BSC)",
}

DEFINITIONS = [
    ("log_population", "log10 of the usual resident population, mid-2020", MYE_LSOA, "2020"),
    ("pct_aged_0_15", "% of the population aged 0 to 15, mid-2020", MYE_LSOA, "2020"),
    ("pct_aged_65_plus", "% of the population aged 65 and over, mid-2020", MYE_LSOA, "2020"),
    ("pct_aged_85_plus", "% of the population aged 85 and over, mid-2020", MYE_LA, "2020"),
    ("log_density", "log10 of residents per km² (mid-2020 population over the area of the "
                    "super-generalised boundary, on a sphere of radius 6,371 km)",
     f"{MYE_LSOA}; the boundaries named in the README", "2020, 2023–24"),
    *[(f"imd_{key}", f"IoD2019 {name} domain: average rank, the mean of the LSOAs' ranks "
                     f"weighted by their mid-2015 "
                     f"{'working-age population' if key == 'employment' else 'population'}, "
                     f"with the most deprived LSOA ranked {LSOAS:,} (higher = more "
                     f"deprived), as in IoD2019 File 10",
       IOD, "2019") for key, name in DOMAINS.items()],
]


def read_lsoas(data: Path) -> pl.DataFrame:
    """One row per LSOA: its 2019 district, domain ranks, mid-2015 and mid-2020 people."""
    ranks = pl.read_csv(data / "deprivation/imd2019_lsoa_domain_ranks_deciles.csv")
    rank_columns = {}
    for key, name in DOMAINS.items():
        [column] = [c for c in ranks.columns if c.startswith(f"{name} Rank")]
        rank_columns[column] = f"rank_{key}"
    ranks = ranks.select(pl.col("LSOA code (2011)").alias("lsoa"),
                         pl.col("Local Authority District code (2019)").alias("lad19"),
                         *[pl.col(c).alias(a) for c, a in rank_columns.items()])
    people_2015 = pl.read_csv(data / "deprivation/iod2019_lsoa_population_denominators_mid2015.csv")
    people_2015 = people_2015.select(
        pl.col("LSOA code (2011)").alias("lsoa"),
        pl.col("Total population: mid 2015 (excluding prisoners)").alias("people_2015"),
        pl.col("Working age population 18-59/64: for use with Employment Deprivation Domain "
               "(excluding prisoners)").alias("working_age_2015"))
    people_2020 = pl.read_csv(data / "population/mye_2020_lsoa11_broad_age.csv").select(
        pl.col("lsoa11_code").alias("lsoa"), "total_population", "aged_0_15", "aged_65_plus")
    lsoas = ranks.join(people_2015, on="lsoa", how="inner").join(people_2020, on="lsoa",
                                                                 how="inner")
    assert lsoas.height == LSOAS, lsoas.height
    return lsoas


def average_ranks(lsoas: pl.DataFrame, by: str) -> pl.DataFrame:
    """IoD2019's average rank of each domain for the areas ``by`` names: weighted by the
    mid-2015 population, or for the employment domain by the working-age population, as
    File 10 is."""
    def weight(key: str) -> pl.Expr:
        return pl.col("working_age_2015" if key == "employment" else "people_2015")

    return lsoas.group_by(by).agg(*[
        ((LSOAS + 1 - pl.col(f"rank_{key}")) * weight(key)).sum()
        .truediv(weight(key).sum()).alias(f"imd_{key}") for key in DOMAINS])


def check_against_file_10(lsoas: pl.DataFrame, data: Path) -> float:
    """The largest difference between our 2019 district average ranks and the published
    ones; stops if any is 2 or more (of ranks from 1 to 32,844). The published figures
    were weighted by populations we do not have to the last person, so they differ by
    about a rank at most."""
    published = pl.read_csv(data / "deprivation/iod2019_lad_summary_long.csv")
    ours = average_ranks(lsoas, "lad19")
    worst = 0.0
    for key, name in DOMAINS.items():
        name = "Health and Disability" if key == "health" else name
        theirs = published.filter(pl.col("index_domain") == name).select(
            pl.col("lad19cd").alias("lad19"), "average_rank")
        assert theirs.height >= 313, (name, theirs.height)
        both = ours.join(theirs, on="lad19", how="inner")
        assert both.height == theirs.height, (name, both.height)
        difference = float((both[f"imd_{key}"] - both["average_rank"]).abs().max())
        assert difference < 2, (name, difference)
        worst = max(worst, difference)
    return worst


def successors(data: Path) -> pl.DataFrame:
    """Every English district code since 2011 → its current district and upper tier."""
    codes = pl.read_csv(data / "reference/la_all_codes_history.csv")
    return codes.filter(pl.col("LADCD").str.starts_with("E")).select(
        pl.col("LADCD").alias("old"), pl.col("LADCD_ACTIVE").alias("district"),
        pl.col("UTLACD").alias("upper_tier"), pl.col("LADNM_ACTIVE").alias("district_name"),
        pl.col("UTLANM").alias("upper_tier_name"))


def aged_85_plus(data: Path, codes: pl.DataFrame) -> pl.DataFrame:
    """Mid-2020 population and people aged 85+ of each 2020 district, with its successors."""
    mye = pl.read_csv(data / "population/mye_2019_2020_la_single_year_of_age.csv")
    mye = mye.filter(pl.col("period") == "mid-2020", pl.col("geography").str.starts_with("LTLA"),
                     pl.col("area_code").str.starts_with("E"))
    over_85 = [f"age_{a}" for a in range(85, 90)] + ["age_90_plus"]
    mye = mye.select(pl.col("area_code").alias("old"), pl.col("total_population").alias("mye"),
                     pl.sum_horizontal(over_85).alias("aged_85_plus"))
    joined = mye.join(codes, on="old", how="inner")
    assert joined.height == mye.height, "a 2020 district has no successor"
    return joined


def sphere_ring_area(ring: list[list[float]]) -> float:
    """Area in m² of a closed lon/lat ring on a sphere (the sum of each edge's trapezium in
    the cylindrical equal-area projection, which is exact for edges along parallels and
    close otherwise: Chamberlain & Duquette, "Some algorithms for polygons on a sphere",
    JPL, 2007)."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(ring, ring[1:], strict=False):
        total += math.radians(lon2 - lon1) * (2 + math.sin(math.radians(lat1))
                                              + math.sin(math.radians(lat2)))
    return abs(total) * EARTH_RADIUS_M ** 2 / 2


def boundary_areas(path: Path, code: str) -> dict[str, float]:
    """km² of each feature of a GeoJSON file: outer rings less their holes."""
    areas = {}
    for feature in json.loads(path.read_text())["features"]:
        geometry = feature["geometry"]
        polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                    else [geometry["coordinates"]])
        m2 = sum(sphere_ring_area(polygon[0]) - sum(sphere_ring_area(h) for h in polygon[1:])
                 for polygon in polygons)
        areas[feature["properties"][code]] = m2 / 1e6
    return areas


def variables_for(lsoas: pl.DataFrame, older: pl.DataFrame, by: str,
                  km2: dict[str, float]) -> pl.DataFrame:
    people = lsoas.group_by(by).agg(pl.col("total_population", "aged_0_15",
                                           "aged_65_plus").sum())
    eldest = older.group_by(by).agg(pl.col("mye", "aged_85_plus").sum())
    frame = people.join(eldest, on=by, how="inner").join(average_ranks(lsoas, by), on=by,
                                                         how="inner")
    assert frame.height == people.height == len(km2), (by, frame.height, len(km2))
    # The LSOA estimates and the district estimates are the same mid-2020 release.
    assert (frame["total_population"] == frame["mye"]).all(), by
    frame = frame.with_columns(pl.col(by).replace_strict(km2).alias("km2"))
    population = pl.col("total_population")
    return frame.select(
        pl.col(by).alias("area"),
        population.log10().round(5).alias("log_population"),
        (100 * pl.col("aged_0_15") / population).round(3).alias("pct_aged_0_15"),
        (100 * pl.col("aged_65_plus") / population).round(3).alias("pct_aged_65_plus"),
        (100 * pl.col("aged_85_plus") / population).round(3).alias("pct_aged_85_plus"),
        (population / pl.col("km2")).log10().round(5).alias("log_density"),
        *[pl.col(f"imd_{key}").round(2) for key in DOMAINS],
    ).sort("area")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data",
                   help="the shared data folder (default ../shared/data)")
    data = p.parse_args().data
    codes = successors(data)
    lsoas = read_lsoas(data)
    worst = check_against_file_10(lsoas, data)
    lsoas = lsoas.join(codes, left_on="lad19", right_on="old", how="inner")
    assert lsoas.height == LSOAS
    older = aged_85_plus(data, codes)
    OUT.mkdir(parents=True, exist_ok=True)
    names = []
    for tier, by, boundary, code, file in (
            ("district", "district", "boundaries/lad_2024_england_bsc.geojson", "LAD24CD",
             "neighbour_variables_districts.csv"),
            ("upper tier", "upper_tier", "boundaries/cty_ua_2023_england_bsc.geojson",
             "CTYUA23CD", "neighbour_variables_upper_tier.csv")):
        # The boundaries keep Barnsley's and Sheffield's codes from before their 2024
        # recoding; the areas take the current ones.
        current = dict(codes.select("old", "district").iter_rows())
        km2 = {current.get(area, area): size
               for area, size in boundary_areas(data / boundary, code).items()}
        frame = variables_for(lsoas, older, by, km2)
        frame.write_csv(OUT / file)
        names.append(codes.select(pl.col(by).alias("area"), pl.col(f"{by}_name").alias("name"))
                     .unique().with_columns(tier=pl.lit(tier)))
        print(f"{file}: {frame.height} areas × {frame.width - 1} variables")
    pl.concat(names).unique().sort("tier", "area").write_csv(OUT / "neighbour_areas.csv")
    pl.DataFrame({"variable": [d[0] for d in DEFINITIONS],
                  "weight": [1.0] * len(DEFINITIONS)}).write_csv(OUT / "neighbour_weights.csv")
    pl.DataFrame(DEFINITIONS, orient="row",
                 schema=["variable", "definition", "source", "date"]).write_csv(
        OUT / "neighbour_variable_definitions.csv")
    print(f"IoD2019 average ranks match File 10 to within {worst:.4f}")


if __name__ == "__main__":
    main()
