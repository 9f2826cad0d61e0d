"""Deprivation summarised from LSOAs: against a slow per-area loop, the deciles of File 2,
and a worked example."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import polars as pl
import pytest

from joinedup.core.deprivation import area_deprivation, decile

DATA = Path(__file__).resolve().parents[2] / "src/joinedup/demo/data"


def slow(rows: list[dict], measures: list[str]) -> dict[tuple, dict]:
    out = {}
    for area in {r["area"] for r in rows}:
        for measure in measures:
            used = [r for r in rows if r["area"] == area and r[measure] is not None
                    and r["population"] > 0]
            if not used:
                continue
            people = sum(r["population"] for r in used)
            out[area, measure] = {
                "lsoas": len(used), "population": people,
                "average_rank": sum(r[measure] * r["population"] for r in used) / people,
                "most_deprived_10": sum(r["population"] for r in used
                                        if r[measure] <= 3284) / people,
                "most_deprived_20": sum(r["population"] for r in used
                                        if r[measure] <= 6568) / people}
    return out


def test_the_summary_equals_a_slow_loop_on_random_areas():
    generator = random.Random(2019)
    rows = []
    for number in range(300):
        lsoa = f"E0100{number:04d}"
        ranks = {m: generator.choice([None, generator.randint(1, 32844)])
                 for m in ("imd", "income")}
        for area in ("ward-a" if number % 2 else "ward-b", "district"):
            rows.append({"area": area, "lsoa": lsoa,
                         "population": generator.choice([0, generator.randint(900, 3000)]),
                         **ranks})
    frame = pl.DataFrame(rows, schema={"area": pl.String, "lsoa": pl.String,
                                       "population": pl.Int64, "imd": pl.Int64,
                                       "income": pl.Int64})
    found = area_deprivation(frame, ["imd", "income"])
    expected = slow(rows, ["imd", "income"])
    assert sorted(zip(found["area"], found["measure"], strict=True)) == sorted(expected)
    for row in found.iter_rows(named=True):
        want = expected[row["area"], row["measure"]]
        assert (row["lsoas"], row["population"]) == (want["lsoas"], want["population"])
        for column in ("average_rank", "most_deprived_10", "most_deprived_20"):
            assert row[column] == pytest.approx(want[column], rel=1e-12)


def test_deciles_are_those_of_file_2_for_every_gateshead_lsoa():
    with (DATA / "areas.csv").open(newline="") as handle:
        lsoas = [r for r in csv.DictReader(handle) if r["level"] == "lsoa"]
    ranks = pl.Series([int(r["imd_rank"]) for r in lsoas])
    found = pl.select(decile(pl.lit(ranks))).to_series().to_list()
    assert len(lsoas) == 126
    assert found == [int(r["imd_decile"]) for r in lsoas]
    assert pl.select(decile(pl.lit(pl.Series([3284, 3285, 6568, 6569, 32844])))
                     ).to_series().to_list() == [1, 2, 2, 3, 10]


def test_a_worked_ward():
    frame = pl.DataFrame({"area": ["w"] * 3, "lsoa": ["a", "b", "c"],
                          "population": [1000, 3000, 2000], "imd": [100, 5000, 20000]})
    row = area_deprivation(frame, ["imd"]).row(0, named=True)
    assert row["average_rank"] == pytest.approx((100_000 + 15_000_000 + 40_000_000) / 6000)
    assert (row["most_deprived_10"], row["most_deprived_20"]) == (1 / 6, 4 / 6)
    assert math.isclose(row["average_rank"], 9183.333333333334)


def test_missing_columns_are_named():
    with pytest.raises(ValueError) as refused:
        area_deprivation(pl.DataFrame({"area": ["w"]}), ["imd"])
    assert str(refused.value) == "LSOAs need the columns lsoa, population, imd"
