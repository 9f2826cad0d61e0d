"""Cut the demonstration partnership's data out of the shared public data.

Run from the repository root when the source files change:

    python scripts/extract_demo_data.py [path/to/shared/data]

It reads the indicator series named in ``src/joinedup/demo/data/catalogue.toml`` and
writes, beside the catalogue, only what the demo needs: ``values.csv``, ``areas.csv`` and
the Gateshead boundaries. Users never need the shared data; the package carries the cut.
Every source is Crown copyright under the Open Government Licence v3.0 (see
``ATTRIBUTION.md``).
"""

from __future__ import annotations

import csv
import json
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/joinedup/demo/data"

HOME = "E08000037"
DISTRICTS = {
    "E08000037": "Gateshead",
    "E08000024": "Sunderland",
    "E08000023": "South Tyneside",
    "E08000021": "Newcastle upon Tyne",
}
ENGLAND = "E92000001"
REGION = ("E12000001", "North East")
PFA = ("E23000007", "Northumbria")
CSP = ("E22000244", "Gateshead community safety partnership")
HEADLINE = frozenset(DISTRICTS) | {ENGLAND}
# NHS trusts whose A&E departments serve each district, April 2016 to March 2019.
TRUSTS = {"RR7": "E08000037", "RLN": "E08000024", "RE9": "E08000023", "RTD": "E08000021"}

VALUE_COLUMNS = ["indicator", "area", "period", "value", "lower_ci", "upper_ci",
                 "numerator", "denominator"]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def number(text: str | None) -> float | None:
    if text is None:
        return None
    text = text.strip()
    if text in ("", "NA", "x", ":"):
        return None
    return float(text.replace(",", ""))


def row(indicator, area, period, value, lower=None, upper=None, num=None, den=None) -> dict:
    return {"indicator": indicator, "area": area, "period": period, "value": value,
            "lower_ci": lower, "upper_ci": upper, "numerator": num, "denominator": den}


# --- one reader per kind of series ------------------------------------------------------

def fingertips(data: Path, code: str, spec: dict, wanted: frozenset = HEADLINE) -> list[dict]:
    out = []
    for r in read_csv(data / "indicators/fingertips_tdl" / spec["file"]):
        if r["area_code"] not in wanted:
            continue
        if "group" in spec and r.get("group") != spec["group"]:
            continue
        value = number(r["value"])
        if value is not None:
            out.append(row(code, r["area_code"], r["period"], value))
    return out


def ons_els(data: Path, code: str, spec: dict,
            wanted: frozenset = HEADLINE | {PFA[0]}) -> list[dict]:
    out = []
    for r in read_csv(data / "indicators/ons_els" / spec["file"]):
        if r["areacd"] not in wanted:
            continue
        if "indicator" in spec and r["indicator"] != spec["indicator"]:
            continue
        value = number(r["observation"])
        if value is None or r["status"] == "x":
            continue
        period = r["period"]
        if spec.get("date_is_year"):
            period = period[:4]  # an April survey date stands for that calendar year
        if spec.get("academic_from_august") and period.endswith("-08-01/P1Y"):
            start = int(period[:4])
            period = f"AY {start}/{(start + 1) % 100:02d}"
        out.append(row(code, r["areacd"], period, value,
                       number(r["lci_95"]), number(r["uci_95"])))
    return out


def oflog(data: Path, code: str, spec: dict) -> list[dict]:
    out = []
    for r in read_csv(data / "indicators/oflog/oflog_adult_social_care_measures.csv"):
        if r["Code"] != spec["code"] or r["Local authority code"] not in DISTRICTS:
            continue
        if r["Grouping"] != "LA_Raw":
            continue
        value = number(r["Value"])
        if value is not None:
            out.append(row(code, r["Local authority code"], r["Financial year"], value))
    return out


def ae_four_hours(data: Path, code: str, spec: dict) -> list[dict]:
    attendances: dict[tuple, float] = defaultdict(float)
    breaches: dict[tuple, float] = defaultdict(float)
    for r in read_csv(data / "indicators/nhs/ae_attendances_trust_monthly_2016_2019.csv"):
        month = r["period"][:7]
        for area in ([TRUSTS[r["org_code"]]] if r["org_code"] in TRUSTS else []) + [ENGLAND]:
            attendances[(area, month)] += float(r["attendances"])
            breaches[(area, month)] += float(r["breaches"])
    out = []
    for (area, month), total in sorted(attendances.items()):
        within = total - breaches[(area, month)]
        out.append(row(code, area, month, round(100 * within / total, 2),
                       num=within, den=total))
    return out


class Neighbourhoods:
    """LSOA-level deprivation and population, with the Gateshead ward and locality tree."""

    def __init__(self, data: Path, catalogue: dict):
        self.imd = {r["LSOA code (2011)"]: r for r in read_csv(
            data / "deprivation/imd2019_lsoa_domain_ranks_deciles.csv")}
        self.lookup = {r["LSOA11CD"]: r for r in read_csv(
            data / "reference/lsoa11_ward19_lad19_lookup_england.csv")}
        self.pop2015 = {r["LSOA code (2011)"]: r for r in read_csv(
            data / "deprivation/iod2019_lsoa_population_denominators_mid2015.csv")}
        self.pop2020 = {r["lsoa11_code"]: r for r in read_csv(
            data / "population/mye_2020_lsoa11_broad_age.csv")}
        ward_names = {loc["code"]: loc["wards"] for loc in catalogue["locality"]}
        self.ward_locality = {w: code for code, wards in ward_names.items() for w in wards}
        self.gateshead_lsoas = sorted(c for c, r in self.lookup.items() if r["LAD19CD"] == HOME)

    def groups(self) -> dict[str, list[str]]:
        """Area code → its LSOAs, for every area the neighbourhood figures cover."""
        groups: dict[str, list[str]] = defaultdict(list)
        for lsoa, r in self.lookup.items():
            groups[ENGLAND].append(lsoa)
            if r["LAD19CD"] in DISTRICTS:
                groups[r["LAD19CD"]].append(lsoa)
            if r["LAD19CD"] == HOME:
                groups[r["WD19CD"]].append(lsoa)
                groups[self.ward_locality[r["WD19NM"]]].append(lsoa)
                groups[lsoa].append(lsoa)
        return groups


def imd_columns(sample: dict, domain: str) -> str:
    wanted = {
        "Index of Multiple Deprivation": "Index of Multiple Deprivation (IMD) Decile",
        "Employment": "Employment Decile",
        "Crime": "Crime Decile",
    }[domain]
    for column in sample:
        if column.startswith(wanted):
            return column
    raise KeyError(f"no column for {domain} decile among {sorted(sample)}")


def iod_share(data: Path, code: str, spec: dict, hoods: Neighbourhoods) -> list[dict]:
    domain = spec["domain"]
    out = []
    summary_domain = {"Index of Multiple Deprivation": "Index of Multiple Deprivation"}.get(
        domain, domain)
    for year, name in (("2015", "iod2015_lad_summary_long.csv"),
                       ("2019", "iod2019_lad_summary_long.csv")):
        for r in read_csv(data / "deprivation" / name):
            if r["lad19cd"] in DISTRICTS and r["index_domain"] == summary_domain:
                out.append(row(code, r["lad19cd"], year,
                               round(100 * float(r["proportion_bottom_decile"]), 2)))
    column = imd_columns(next(iter(hoods.imd.values())), domain)
    for area, lsoas in hoods.groups().items():
        if area in DISTRICTS or area.startswith("E01"):
            continue  # districts come from the published summaries; an LSOA is 0 or 100
        in_bottom = sum(1 for lsoa in lsoas if int(hoods.imd[lsoa][column]) == 1)
        out.append(row(code, area, "2019", round(100 * in_bottom / len(lsoas), 2),
                       num=in_bottom, den=len(lsoas)))
    return out


def police_uk(data: Path, code: str, spec: dict, hoods: Neighbourhoods) -> list[dict]:
    """Monthly counts of one crime type (police.uk) for each Gateshead LSOA, with nought
    where police.uk lists no record, and for the district."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    months = set()
    for r in read_csv(data / "crime/policeuk_northumbria" / spec["file"]):
        months.add(r["month"])
        if r["local_authority"] == "Gateshead" and r["crime_type"] == spec["crime_type"]:
            counts[r["lsoa_code"], r["month"]] += int(r["count"])
    out = []
    for month in sorted(months):
        for lsoa in hoods.gateshead_lsoas:
            out.append(row(code, lsoa, month, counts[lsoa, month]))
        out.append(row(code, HOME, month,
                       sum(counts[lsoa, month] for lsoa in hoods.gateshead_lsoas)))
    return out


def population(data: Path, code: str, spec: dict, hoods: Neighbourhoods) -> list[dict]:
    out = []
    for area, lsoas in hoods.groups().items():
        if spec["measure"] == "total":
            for label, table, column in (("mid-2015", hoods.pop2015, None),
                                         ("mid-2020", hoods.pop2020, "total_population")):
                total = sum(_population(table[lsoa], column) for lsoa in lsoas)
                out.append(row(code, area, label, total))
        else:
            older = sum(float(hoods.pop2020[lsoa]["aged_65_plus"]) for lsoa in lsoas)
            total = sum(float(hoods.pop2020[lsoa]["total_population"]) for lsoa in lsoas)
            out.append(row(code, area, "mid-2020", round(100 * older / total, 2),
                           num=older, den=total))
    return out


def _population(record: dict, column: str | None) -> float:
    if column is None:
        column = next(c for c in record if c.lower().startswith("total population"))
    return float(record[column])


# --- areas and boundaries ---------------------------------------------------------------

def write_areas(data: Path, catalogue: dict, hoods: Neighbourhoods) -> None:
    wards = json.loads((data / "boundaries/wards_2025_gateshead.geojson").read_text())
    lsoas = json.loads((data / "boundaries/lsoa11_gateshead.geojson").read_text())
    lads = json.loads((data / "boundaries/lad_2024_england_bsc.geojson").read_text())
    rank_column = next(c for c in next(iter(hoods.imd.values()))
                       if c.startswith("Index of Multiple Deprivation (IMD) Rank"))
    decile_column = imd_columns(next(iter(hoods.imd.values())), "Index of Multiple Deprivation")
    rows = [
        {"code": ENGLAND, "name": "England", "level": "country", "parent": ""},
        {"code": REGION[0], "name": REGION[1], "level": "region", "parent": ENGLAND},
        {"code": PFA[0], "name": PFA[1], "level": "police_force_area", "parent": ENGLAND},
        {"code": CSP[0], "name": CSP[1], "level": "community_safety_partnership",
         "parent": PFA[0]},
    ]
    rows += [{"code": c, "name": n, "level": "district", "parent": REGION[0]}
             for c, n in DISTRICTS.items()]
    rows += [{"code": loc["code"], "name": loc["name"], "level": "locality", "parent": HOME}
             for loc in catalogue["locality"]]
    for feature in sorted(wards["features"], key=lambda f: f["properties"]["WD25NM"]):
        p = feature["properties"]
        rows.append({"code": p["WD25CD"], "name": p["WD25NM"], "level": "ward",
                     "parent": hoods.ward_locality[p["WD25NM"]]})
    for feature in sorted(lsoas["features"], key=lambda f: f["properties"]["LSOA11CD"]):
        p = feature["properties"]
        imd = hoods.imd[p["LSOA11CD"]]
        rows.append({"code": p["LSOA11CD"], "name": p["LSOA11NM"], "level": "lsoa",
                     "parent": hoods.lookup[p["LSOA11CD"]]["WD19CD"],
                     "imd_rank": imd[rank_column], "imd_decile": imd[decile_column]})
    # Mid-2020 usual residents, summed from the LSOAs (the weights for gaps between areas).
    population = {area: sum(float(hoods.pop2020[lsoa]["total_population"]) for lsoa in lsoas)
                  for area, lsoas in hoods.groups().items()}
    for row in rows:
        row["population"] = int(population[row["code"]]) if row["code"] in population else ""
    with (OUT / "areas.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["code", "name", "level", "parent", "population",
                                         "imd_rank", "imd_decile"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    boundaries = OUT / "boundaries"
    boundaries.mkdir(exist_ok=True)
    _write_features(boundaries / "districts.geojson", [
        (f["properties"]["LAD24CD"], f["geometry"]) for f in lads["features"]
        if f["properties"]["LAD24CD"] in DISTRICTS])
    _write_features(boundaries / "wards.geojson", [
        (f["properties"]["WD25CD"], f["geometry"]) for f in wards["features"]])
    _write_features(boundaries / "lsoas.geojson", [
        (f["properties"]["LSOA11CD"], f["geometry"]) for f in lsoas["features"]])


#: The IMD 2019 domains an area's profile gives, by their column in File 2.
DOMAINS = {"income": "Income", "employment": "Employment",
           "education": "Education, Skills and Training",
           "health": "Health Deprivation and Disability", "crime": "Crime",
           "housing_and_services": "Barriers to Housing and Services",
           "living_environment": "Living Environment"}
AGES = ("aged_0_15", "aged_16_64", "aged_65_plus")


def write_lsoa_profile(hoods: Neighbourhoods) -> None:
    """Each Gateshead LSOA's IMD 2019 domain ranks and mid-2020 population by broad age."""
    with (OUT / "lsoa_profile.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", *DOMAINS, *AGES])
        for lsoa in hoods.gateshead_lsoas:
            imd, ages = hoods.imd[lsoa], hoods.pop2020[lsoa]
            writer.writerow([lsoa, *[imd[f"{name} Rank (where 1 is most deprived)"]
                                     for name in DOMAINS.values()],
                             *[ages[age] for age in AGES]])


def _write_features(path: Path, items: list[tuple[str, dict]]) -> None:
    features = [{"type": "Feature", "properties": {"code": code}, "geometry": _round(geometry)}
                for code, geometry in sorted(items)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               separators=(",", ":")) + "\n")


def _round(geometry: dict) -> dict:
    def walk(item):
        if isinstance(item, list) and item and isinstance(item[0], (int, float)):
            return [round(item[0], 5), round(item[1], 5)]
        return [walk(part) for part in item]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def main(argv: list[str]) -> None:
    data = Path(argv[1] if len(argv) > 1 else ROOT.parent / "shared/data").resolve()
    catalogue = tomllib.loads((OUT / "catalogue.toml").read_text())
    hoods = Neighbourhoods(data, catalogue)
    readers = {"fingertips": fingertips, "ons_els": ons_els, "oflog": oflog,
               "ae_four_hours": ae_four_hours}
    values: list[dict] = []
    for indicator in catalogue["indicator"]:
        spec = indicator["series"]
        if spec["kind"] in readers:
            rows = readers[spec["kind"]](data, indicator["code"], spec)
        elif spec["kind"] == "iod_share":
            rows = iod_share(data, indicator["code"], spec, hoods)
        elif spec["kind"] == "police_uk":
            rows = police_uk(data, indicator["code"], spec, hoods)
        else:
            rows = population(data, indicator["code"], spec, hoods)
        if not any(r["area"] == HOME or r["area"] == PFA[0] for r in rows):
            raise SystemExit(f"{indicator['code']}: no figures for Gateshead in {spec}")
        values += rows
    write_values(OUT / "values.csv", values)
    write_areas(data, catalogue, hoods)
    write_lsoa_profile(hoods)
    print(f"{len(values)} values for {len(catalogue['indicator'])} indicators written to {OUT}")


def write_values(path: Path, values: list[dict]) -> None:
    """Write figures sorted by indicator, area and period, with numbers kept short."""
    values.sort(key=lambda r: (r["indicator"], r["area"], r["period"]))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, VALUE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in values:
            writer.writerow({k: ("" if v is None else _tidy(v)) for k, v in r.items()})


def _tidy(value):
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    return value


if __name__ == "__main__":
    main(sys.argv)
