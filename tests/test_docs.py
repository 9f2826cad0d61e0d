"""The documentation names every parameter and every output column the code has."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

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


def test_every_spend_return_column_is_documented():
    from joinedup.resources.spend_return import EXPORT

    text = (DOCS / "resources.md").read_text()
    for column in EXPORT:
        if column.startswith("actual_q"):
            continue
        assert f"| `{column}` |" in text, column
    assert "| `actual_q1` … `actual_q4` |" in text


@pytest.mark.django_db
def test_the_warwickshire_figures_in_the_docs_are_the_demos():
    from joinedup.resources.models import ScenarioAmount

    text = " ".join((DOCS / "resources.md").read_text().split())
    need = ScenarioAmount.objects.get(scenario__name="Warwickshire 2008/09: by need",
                                      area__code="E07000219")
    assert f"gives Nuneaton and Bedworth £{need.allocation:,.0f} (33.9%)" in text
    assert need.allocation == 271299


@pytest.mark.django_db
def test_the_risk_defaults_in_the_docs_are_the_partnerships_data():
    from joinedup.risks.models import Band, Category, Impact, Likelihood

    text = (DOCS / "risks.md").read_text()
    flat = " ".join(text.split())
    for step in Likelihood.objects.all():
        assert f"| {step.level} {step.word} | {step.p_miss_from:.2f} |".replace(
            "| 0.00 |", "| 0 |") in text
    for likelihood, impact in zip(Likelihood.objects.all(), Impact.objects.all()):
        assert (f"| {likelihood.level} | {likelihood.word} | | {impact.level} | "
                f"{impact.word} |") in text
    for band in Band.objects.all():
        assert f"| {band.name} | {band.lowest}–{band.highest} |" in text
    appetites = ", ".join(f"{c.name.lower()} {c.appetite}" for c in
                          Category.objects.order_by("pk"))
    assert f"The defaults are {appetites}." in flat
