"""The documentation names every parameter and every output column the code has."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from joinedup.core.engine import OUTPUT_COLUMNS
from joinedup.core.parameters import AssessmentParameters

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_parameter_is_documented_with_its_default():
    text = (DOCS / "assessment.md").read_text()
    parameters = AssessmentParameters()
    for section in fields(parameters):
        for field in fields(getattr(parameters, section.name)):
            assert f"`{section.name}.{field.name}" in text, f"{section.name}.{field.name}"


def test_every_output_column_is_documented():
    text = (DOCS / "assessment.md").read_text()
    for column in OUTPUT_COLUMNS:
        if column in ("indicator", "area", "period", "period_start", "period_end", "value"):
            continue
        assert f"`{column}`" in text, column
