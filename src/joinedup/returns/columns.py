"""The columns of a returns file: what an upload may hold, a template offers, an export gives.

Names are matched after trimming, lower-casing and turning spaces and hyphens into
underscores, so "Lower CI" and "lower-ci" both read as ``lower_ci``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Every upload must have these.
REQUIRED = ("indicator", "area", "period", "value")
#: Figures that may come with the value.
FIGURES = ("numerator", "denominator", "lower_ci", "upper_ci")
#: Optional: a note (which also confirms an outlier), and the state and version an export
#: gives; a version makes the re-import refuse rows changed by someone else since.
OPTIONAL = (*FIGURES, "note", "state", "version")
#: Shown in templates and exports to help the person filling them in; ignored on upload.
INFORMATION = (
    "indicator_title", "area_name", "unit", "previous_period", "previous_value",
    "expected_by",
)
ACCEPTED = (*REQUIRED, *OPTIONAL, *INFORMATION)

#: Column order of a template (one row per expected return, value left empty).
TEMPLATE = (
    "indicator", "indicator_title", "area", "area_name", "period", "unit",
    "previous_period", "previous_value", "value", *FIGURES, "note",
)
#: Column order of an export; an export re-imports unchanged.
EXPORT = ("indicator", "area", "period", "value", *FIGURES, "note", "state", "version")


def normalise(name: str) -> str:
    """A header as typed → the column name it stands for."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


@dataclass(frozen=True)
class Layout:
    """What one kind of tabular return may hold, so that every kind shares one reader:
    the column names it accepts, the ones its header example names, and the sheet names
    a workbook may keep it under."""

    accepted: tuple[str, ...]
    example: str
    sheets: tuple[str, ...]


#: The figures return: indicator × area × period values.
FIGURE_RETURN = Layout(accepted=ACCEPTED, example="indicator, area, period, value …",
                       sheets=("values", "returns"))
