"""Build the published figures the demo partnership's indicators are compared with.

    python scripts/build_benchmark_values.py [--data ../shared/data] [--out FILE]

For each indicator of ``src/joinedup/demo/data/catalogue.toml`` whose series comes from
an OHID Fingertips extract (``series.kind = "fingertips"``, read from
``indicators/fingertips_tdl/``) or from ONS Explore Local Statistics (``series.kind =
"ons_els"``, read from ``indicators/ons_els/``), it keeps the figures of every area of the
indicator's statistical neighbour set, and of England, for every period published. It
writes ``src/joinedup/demo/data/benchmark_values.csv``:

    indicator, neighbour_set, area, period, value, numerator, denominator

A figure's source is its indicator's (``source`` in the catalogue, where ``ATTRIBUTION.md``
names each file), so it is not repeated on each of the file's rows.

- ``neighbour_set`` is the set of areas the indicator is compared across: ``districts``
  when the file covers districts (it has shire districts, codes ``E07…``), otherwise
  ``upper-tier`` (counties and unitary authorities). The areas of each set are those of
  ``src/joinedup/places/data/neighbour_variables_<set>.csv``. An Explore Local
  Statistics file gives both tiers: for districts, the rows of ``Local Authority
  District`` and, for unitary authorities (listed only as such), of ``County or Unitary
  Authority``; for the upper tier, the rows of ``County or Unitary Authority``; and
  England's (``Nation``). An indicator published for no area of either set (homicides,
  by police force area) is left out.
- The Fingertips files use the codes of 2015–2018, and Explore Local Statistics a few
  older codes too. An area recoded since, one old code to one new code that succeeds no
  other area (Barnsley, Sheffield, Northumberland, four Hertfordshire districts), takes
  its new code, through the ONS code history (``reference/la_all_codes_history.csv``),
  unless the file also has the new code. Areas merged since (Buckinghamshire, Dorset,
  North Yorkshire, Somerset …) have no figures under their old codes: a rate of the merged
  area cannot be made from its parts' rates without their counts.
- ``period`` is the period's label as JoinedUp reads it (``2015-2017`` for the
  three-year ``2015-17``, ``2019`` for ``2019-01-01/P1Y``), with the same readings of
  Explore Local Statistics dates as the demo's own figures (``date_is_year``,
  ``academic_from_august`` in the catalogue), so the file is read without guessing.
- ``numerator`` and ``denominator`` are given where they can be had honestly. The
  Fingertips extracts and Explore Local Statistics publish values only. For the
  claimant count (% of residents aged 16 to 64), the denominator is the ONS mid-year
  estimate of residents aged 16 to 64 of the same year (the sum of single years of age
  16 to 64 in ``population/mye_2019_2020_la_single_year_of_age.csv``, mid-2019 and
  mid-2020 only), and the numerator is derived from it: round(percentage × denominator
  / 100), Python's ``round``. Each area's population is the sum over the local
  authority districts of that year whose current successor (``LADCD_ACTIVE``) is the
  area, or whose current upper tier (``UTLACD``) is, for the upper-tier set; England's,
  the sum over every English district. A population is a count, so a merged area's is
  exactly the sum of its parts'.
- Blank and ``NA`` values (suppressed or missing), and values marked ``x`` (not
  available), are left out.

The output depends only on its inputs: rows sorted by indicator, area and period start,
numbers written as in the source, no date of building. Contains public sector information
licensed under the Open Government Licence v3.0 (see ``ATTRIBUTION.md``).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from joinedup.core.periods import parse_periods  # noqa: E402

DEMO = REPO / "src/joinedup/demo/data"
PLACES = REPO / "src/joinedup/places/data"
ENGLAND = "E92000001"
SETS = {"districts": "neighbour_variables_districts.csv",
        "upper-tier": "neighbour_variables_upper_tier.csv"}
COLUMNS = ["indicator", "neighbour_set", "area", "period", "value", "numerator",
           "denominator"]
MISSING = {"", "NA", "x", ":"}
#: The Explore Local Statistics geographies of each set, the first preferred where an
#: area is in both: unitary authorities are listed only as counties or unitary authorities.
GEOGRAPHIES = {"districts": ("Local Authority District", "County or Unitary Authority"),
               "upper-tier": ("County or Unitary Authority",)}
NATION = "Nation"
POPULATION = "population/mye_2019_2020_la_single_year_of_age.csv"
#: Explore Local Statistics files whose figures are a % of residents aged 16 to 64.
OF_RESIDENTS_16_TO_64 = {"claimant-count.csv"}


def set_members(name: str) -> set[str]:
    with (PLACES / SETS[name]).open(encoding="utf-8", newline="") as handle:
        return {row["area"] for row in csv.DictReader(handle)}


def code_history(data: Path) -> list[dict]:
    with (data / "reference/la_all_codes_history.csv").open(encoding="utf-8-sig",
                                                            newline="") as handle:
        return list(csv.DictReader(handle))


def recodes(history: list[dict]) -> dict[str, str]:
    """Old code → new code, for areas given a new code that succeeds no other area."""
    successors = {row["LADCD"]: row["LADCD_ACTIVE"] for row in history
                  if row["LADCD"] != row["LADCD_ACTIVE"]}
    predecessors: dict[str, list[str]] = defaultdict(list)
    for old, new in successors.items():
        predecessors[new].append(old)
    return {old: new for old, new in successors.items() if len(predecessors[new]) == 1}


def read_file(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def fingertips_figures(spec: dict, data: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """The set and (area, period, value) of a Fingertips extract."""
    rows = read_file(data / "indicators/fingertips_tdl" / spec["file"])
    if "group" in spec:
        rows = [r for r in rows if r.get("group") == spec["group"]]
    kind = "districts" if any(r["area_code"].startswith("E07") for r in rows) else "upper-tier"
    return kind, [(r["area_code"], r["period"], r["value"]) for r in rows]


def ons_els_figures(spec: dict, data: Path) -> tuple[str | None, list[tuple[str, str, str]]]:
    """The set and (area, period, value) of an Explore Local Statistics file: the rows of
    the set's geography and England's, with the demo's readings of the dates."""
    rows = [r for r in read_file(data / "indicators/ons_els" / spec["file"])
            if r["indicator"] == spec.get("indicator", r["indicator"]) and r["status"] != "x"]
    if any(r["areacd"].startswith("E07") for r in rows):
        kind = "districts"
    elif any(r["geography"] in GEOGRAPHIES["upper-tier"] for r in rows):
        kind = "upper-tier"
    else:
        return None, []
    preference = {geography: i for i, geography in enumerate(GEOGRAPHIES[kind])}
    chosen: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["geography"] == NATION and r["areacd"] == ENGLAND:
            r = {**r, "geography": GEOGRAPHIES[kind][0]}
        if r["geography"] not in preference:
            continue
        held = chosen.get((r["areacd"], r["period"]))
        if held is None or preference[r["geography"]] < preference[held["geography"]]:
            chosen[(r["areacd"], r["period"])] = r
    found = []
    for r in chosen.values():
        period = r["period"]
        if spec.get("date_is_year"):
            period = period[:4]
        if spec.get("academic_from_august") and period.endswith("-08-01/P1Y"):
            first = int(period[:4])
            period = f"AY {first}/{(first + 1) % 100:02d}"
        found.append((r["areacd"], period, r["observation"]))
    return kind, found


READERS = {"fingertips": fingertips_figures, "ons_els": ons_els_figures}


def residents_16_to_64(data: Path, history: list[dict]) -> dict[tuple[str, str, str], int]:
    """(set, area, year) → residents aged 16 to 64 at mid-year, summed from the districts
    of that year onto each set's current areas, and onto England."""
    active = {row["LADCD"]: row for row in history}
    ages = [f"age_{a}" for a in range(16, 65)]
    found: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in read_file(data / POPULATION):
        code = row["area_code"]
        if not row["geography"].startswith("LTLA") or not code.startswith("E"):
            continue
        year = row["period"].removeprefix("mid-")
        people = sum(int(row[a]) for a in ages)
        found[("districts", active[code]["LADCD_ACTIVE"], year)] += people
        found[("upper-tier", active[code]["UTLACD"], year)] += people
        for kind in SETS:
            found[(kind, ENGLAND, year)] += people
    return dict(found)


def file_rows(indicator: dict, data: Path, members: dict[str, set[str]],
              recoded: dict[str, str], residents: dict) -> list[dict]:
    spec = indicator["series"]
    kind, rows = READERS[spec["kind"]](spec, data)
    if kind is None:
        return []
    wanted = members[kind] | {ENGLAND}
    labels = parse_periods([period for _, period, _ in rows])
    counted = spec["kind"] == "ons_els" and spec["file"] in OF_RESIDENTS_16_TO_64
    direct = {(area, period) for area, period, _ in rows}
    found = []
    for (area, period, value), label, start in zip(rows, labels["label"], labels["start"],
                                                   strict=True):
        value = value.strip()
        if value in MISSING:
            continue
        if area not in wanted:
            area = recoded.get(area, "")
            if area not in wanted or (area, period) in direct:
                continue
        numerator = denominator = ""
        people = residents.get((kind, area, label)) if counted else None
        if people is not None:
            denominator = str(people)
            numerator = str(round(float(value) * people / 100))
        found.append({"indicator": indicator["code"], "neighbour_set": kind, "area": area,
                      "period": label, "_start": start, "value": _number(value),
                      "numerator": numerator, "denominator": denominator})
    return found


def _number(text: str) -> str:
    """The source's number, written without a thousands separator or trailing zeros."""
    number = float(text.replace(",", ""))
    if number == int(number):
        return str(int(number))
    return repr(number)


def build(data: Path) -> list[dict]:
    catalogue = tomllib.loads((DEMO / "catalogue.toml").read_text(encoding="utf-8"))
    members = {name: set_members(name) for name in SETS}
    history = code_history(data)
    recoded = recodes(history)
    residents = residents_16_to_64(data, history)
    rows: list[dict] = []
    for indicator in catalogue["indicator"]:
        if indicator["series"]["kind"] in READERS:
            rows += file_rows(indicator, data, members, recoded, residents)
    rows.sort(key=lambda r: (r["indicator"], r["area"], r["_start"], r["period"]))
    return rows


def write(rows: list[dict], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data",
                        help="the shared public data folder")
    parser.add_argument("--out", type=Path, default=DEMO / "benchmark_values.csv")
    options = parser.parse_args(argv)
    rows = build(options.data.resolve())
    write(rows, options.out)
    indicators = len({r["indicator"] for r in rows})
    areas = pl.DataFrame(rows).group_by("neighbour_set").agg(pl.col("area").n_unique())
    print(f"{len(rows):,} figures for {indicators} indicators written to {options.out} "
          f"({', '.join(f'{s}: {n} areas' for s, n in sorted(areas.iter_rows()))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
