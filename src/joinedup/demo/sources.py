"""Read the demonstration data shipped in the package, and check it before anything is built."""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

from joinedup.core.periods import parse_periods

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The two-tier demonstration: Warwickshire's county partnership and two districts.
COUNTY_DIR = DATA_DIR / "warwickshire"
VALUE_SCHEMA = {
    "indicator": pl.Utf8, "area": pl.Utf8, "period": pl.Utf8, "value": pl.Float64,
    "lower_ci": pl.Float64, "upper_ci": pl.Float64, "numerator": pl.Float64,
    "denominator": pl.Float64,
}


class DemoDataError(Exception):
    """The shipped demonstration data is inconsistent (a packaging fault, not user input)."""


@dataclass
class DemoSources:
    directory: Path = DATA_DIR

    @cached_property
    def catalogue(self) -> dict:
        with (self.directory / "catalogue.toml").open("rb") as handle:
            catalogue = tomllib.load(handle)
        self._check(catalogue)
        return catalogue

    @cached_property
    def areas(self) -> list[dict]:
        with (self.directory / "areas.csv").open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    @cached_property
    def lsoa_profiles(self) -> dict[str, dict]:
        """Each LSOA's IMD 2019 domain ranks and its population by broad age (none when the
        partnership's data holds no LSOAs)."""
        path = self.directory / "lsoa_profile.csv"
        if not path.exists():
            return {}
        with path.open(newline="", encoding="utf-8") as handle:
            return {row.pop("code"): {k: int(v) for k, v in row.items()}
                    for row in csv.DictReader(handle)}

    @cached_property
    def boundaries(self) -> dict[str, dict]:
        shapes: dict[str, dict] = {}
        for path in sorted((self.directory / "boundaries").glob("*.geojson")):
            for feature in json.loads(path.read_text())["features"]:
                shapes[feature["properties"]["code"]] = feature["geometry"]
        return shapes

    @cached_property
    def values(self) -> pl.DataFrame:
        """Every value with its period read into dates and a canonical label.

        Each indicator's periods are read together, as one column, so a series such as
        Fingertips' ``2009-11, 2010-12, 2011-13`` is understood as three-year spans.
        """
        raw = pl.read_csv(self.directory / "values.csv", schema=VALUE_SCHEMA)
        pieces = []
        for (code,), frame in raw.group_by("indicator", maintain_order=True):
            periods = parse_periods(frame["period"])
            pieces.append(
                frame.with_columns(
                    source_period=pl.col("period"),
                    period=periods["label"],
                    period_start=periods["start"],
                    period_end=periods["end"],
                )
            )
        values = pl.concat(pieces)
        duplicates = values.filter(
            pl.struct("indicator", "area", "period_start", "period_end").is_duplicated()
        )
        if duplicates.height:
            raise DemoDataError(f"values.csv repeats periods: {duplicates.head(5).to_dicts()}")
        return values

    def _check(self, catalogue: dict) -> None:
        organisations = {o["slug"] for o in catalogue["organisation"]}
        bodies = {b["slug"] for b in catalogue["body"]}
        outcomes = {title for theme in catalogue["theme"] for title in theme["outcomes"]}
        strategies = {catalogue["strategy"]["slug"],
                      *(s["slug"] for s in catalogue.get("district_strategy", []))}
        problems = []
        for theme in catalogue["theme"]:
            if theme.get("strategy", catalogue["strategy"]["slug"]) not in strategies:
                problems.append(f"theme {theme['slug']}: unknown strategy {theme['strategy']!r}")
        for indicator in catalogue["indicator"]:
            code = indicator["code"]
            if indicator["owner"] not in organisations:
                problems.append(f"{code}: unknown owner {indicator['owner']!r}")
            if indicator["outcome"] not in outcomes:
                problems.append(f"{code}: unknown outcome {indicator['outcome']!r}")
            if indicator.get("contributes_to", indicator["outcome"]) not in outcomes:
                problems.append(f"{code}: feeds unknown outcome {indicator['contributes_to']!r}")
            if "lead_body" in indicator and indicator["lead_body"] not in bodies:
                problems.append(f"{code}: unknown lead body {indicator['lead_body']!r}")
            for partner in indicator.get("shared_with", []):
                if partner not in organisations:
                    problems.append(f"{code}: shared with unknown {partner!r}")
        for person in catalogue["person"]:
            if person["organisation"] not in organisations:
                problems.append(f"{person['username']}: unknown organisation")
            for body, _role in person.get("memberships", []):
                if body not in bodies:
                    problems.append(f"{person['username']}: unknown body {body!r}")
        if problems:
            raise DemoDataError("catalogue.toml: " + "; ".join(problems))
