"""docs/gaps.md's worked example gives what the code gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from joinedup.core.gaps import area_gaps

DOC = Path(__file__).resolve().parents[2] / "docs" / "gaps.md"


def test_the_documented_worked_example():
    values = pl.DataFrame({"indicator": ["LE"] * 4, "area": ["1", "2", "3", "4"],
                           "period": ["2019"] * 4, "period_start": [date(2019, 1, 1)] * 4,
                           "value": [70.0, 74.0, 75.0, 80.0]})
    areas = pl.DataFrame({"area": ["1", "2", "3", "4"], "level": ["ward"] * 4,
                          "deprivation_rank": [1.0, 2.0, 3.0, 4.0],
                          "population": [100.0, 200.0, 300.0, 400.0]})
    row = area_gaps(values, areas).row(0, named=True)
    text = " ".join(DOC.read_text().split())
    assert f"Y₀ = {row['fitted_most_deprived']:.1f} and Y₁ = {row['fitted_least_deprived']:.1f}" \
        in text
    assert (f"**SII = {row['sii']:.1f} years**, 95% interval "
            f"**{row['sii_lower']:.2f} to {row['sii_upper']:.2f}**") in text
    assert (f"**RII = 82.2 / 70.4 = {row['rii']:.3f}**, 95% interval "
            f"**{row['rii_lower']:.3f} to {row['rii_upper']:.3f}**") in text
    assert (f"mean {row['deprived_quintile_mean']:.2f}; the rest {row['rest_mean']:.2f}; "
            f"**gap {row['quintile_gap']:.2f}**").replace("-", "−") in text
    assert row["deprived_areas"] == 2
