"""docs/open-data.md describes every resource of the data package and every field."""

from __future__ import annotations

from pathlib import Path

from joinedup.public import tables

DOC = Path(__file__).resolve().parents[2] / "docs" / "open-data.md"
RESOURCES = {"themes": tables.THEMES, "outcomes": tables.OUTCOMES,
             "indicators": tables.INDICATORS, "figures": tables.FIGURES,
             "status": tables.STATUS, "targets": tables.TARGETS,
             "ward-figures": tables.WARD_FIGURES, "packs": tables.PACKS, "areas": tables.AREAS}


def test_every_resource_and_field_is_documented_with_its_type():
    text = DOC.read_text()
    sections = text.split("\n### ")[1:]
    documented = {section.split("\n", 1)[0].strip("`").removesuffix(".csv"): section
                  for section in sections}
    assert list(documented) == list(RESOURCES)
    for name, columns in RESOURCES.items():
        for column in columns:
            assert f"| `{column.name}` | {column.type} |" in documented[name], (name, column)
