"""Cut the two-tier demonstration (Warwickshire and two districts) out of the shared data.

Run from the repository root when the source files change:

    python scripts/extract_county_demo.py [path/to/shared/data]

It reads the series named in ``src/joinedup/demo/data/warwickshire/catalogue.toml`` and
writes beside it ``values.csv`` and ``areas.csv``. A series with ``areas = "county"`` is
cut for the county, its five districts and England; one naming a district is cut for that
district, the county and England (where the source publishes them). Populations are the
ONS mid-2019 estimates already shipped in ``warwickshire_districts.csv``; the county's is
their sum. Deprivation is the IMD 2019 district summary (rank of average rank, of 317).
Every source is Crown copyright under the Open Government Licence v3.0.
"""

from __future__ import annotations

import csv
import sys
import tomllib
from pathlib import Path

from extract_demo_data import ENGLAND, fingertips, ons_els, read_csv, write_values

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "src/joinedup/demo/data"
OUT = DEMO / "warwickshire"
COUNTY = ("E10000031", "Warwickshire")
READERS = {"ons_els": ons_els, "fingertips": fingertips}


def districts() -> list[dict]:
    return read_csv(DEMO / "warwickshire_districts.csv")


def wanted_areas(spec: dict) -> frozenset:
    if spec["areas"] == "county":
        return frozenset({COUNTY[0], ENGLAND, *(d["area"] for d in districts())})
    return frozenset({spec["areas"], COUNTY[0], ENGLAND})


def write_areas(data: Path) -> None:
    ranks = {r["lad19cd"]: int(r["rank_average_rank"])
             for r in read_csv(data / "deprivation/iod2019_lad_summary_long.csv")
             if r["index_domain"] == "Index of Multiple Deprivation"}
    rows = [
        {"code": ENGLAND, "name": "England", "level": "country", "parent": ""},
        {"code": COUNTY[0], "name": COUNTY[1], "level": "county", "parent": ENGLAND,
         "population": sum(int(d["population"]) for d in districts())},
        *({"code": d["area"], "name": d["name"], "level": "district", "parent": COUNTY[0],
           "population": d["population"], "imd_rank": ranks[d["area"]]}
          for d in districts()),
    ]
    with (OUT / "areas.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["code", "name", "level", "parent", "population",
                                         "imd_rank", "imd_decile"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> None:
    data = Path(argv[1] if len(argv) > 1 else ROOT.parent / "shared/data").resolve()
    catalogue = tomllib.loads((OUT / "catalogue.toml").read_text())
    values: list[dict] = []
    for indicator in catalogue["indicator"]:
        spec = indicator["series"]
        rows = READERS[spec["kind"]](data, indicator["code"], spec, wanted_areas(spec))
        home = COUNTY[0] if spec["areas"] == "county" else spec["areas"]
        if not any(r["area"] == home for r in rows):
            raise SystemExit(f"{indicator['code']}: no figures for {home} in {spec}")
        values += rows
    write_values(OUT / "values.csv", values)
    write_areas(data)
    print(f"{len(values)} values for {len(catalogue['indicator'])} indicators written to "
          f"{OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv)
