"""``core.gaps.gap_figures``: the figures of an indicator that tracks a gap.

Checked against a slow loop over the tracked rows and the gap rows, and against the
worked example of ``test_gaps`` (a quintile gap of 21.8/0.3 − 54.5/0.7 years, SII 11.8).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.core.gaps import area_gaps, gap_figures

TRACKED_SCHEMA = {"indicator": pl.String, "source": pl.String, "level": pl.String,
                  "measure": pl.String, "area": pl.String}


def tracked(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, orient="row", schema=TRACKED_SCHEMA)


def slow_gap_figures(gaps: list[dict], tracking: list[tuple]) -> list[tuple]:
    out = []
    for code, source, level, measure, area in tracking:
        for row in gaps:
            if (row["indicator"], row["level"]) != (source, level):
                continue
            gap = row[measure]
            if gap is None or gap != gap:
                continue
            out.append((code, area, row["period"], row["period_start"], abs(gap)))
    return sorted(out, key=lambda r: (r[0], r[3], r[2]))


gap_value = st.one_of(st.floats(-50, 50, allow_nan=False), st.none(), st.just(float("nan")))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["S1", "S2"]), st.sampled_from(["ward", "lsoa"]),
                          st.integers(2015, 2020), gap_value, gap_value),
                unique_by=lambda r: r[:3], max_size=20),
       st.lists(st.tuples(st.sampled_from(["S1", "S2", "S3"]), st.sampled_from(["ward", "lsoa"]),
                          st.sampled_from(["quintile_gap", "sii"])),
                unique=True, max_size=4))
def test_gap_figures_equal_a_loop_over_each_tracked_gap(gap_rows, tracking_rows):
    gaps = [{"indicator": s, "level": level, "period": str(year),
             "period_start": date(year, 4, 1), "quintile_gap": q, "sii": sii}
            for s, level, year, q, sii in gap_rows]
    frame = pl.DataFrame(gaps, schema={"indicator": pl.String, "level": pl.String,
                                       "period": pl.String, "period_start": pl.Date,
                                       "quintile_gap": pl.Float64, "sii": pl.Float64})
    tracking = [(f"T{i}", s, level, measure, "E08000037")
                for i, (s, level, measure) in enumerate(tracking_rows)]
    got = gap_figures(frame, tracked(tracking))
    assert [tuple(r) for r in got.iter_rows()] == slow_gap_figures(gaps, tracking)


def test_the_worked_example_gives_the_size_of_each_gap():
    values = pl.DataFrame(
        [("LE", f"W{i}", "2019", date(2019, 1, 1), v, "up")
         for i, v in enumerate([70.0, 74.0, 75.0, 80.0])], orient="row",
        schema={"indicator": pl.String, "area": pl.String, "period": pl.String,
                "period_start": pl.Date, "value": pl.Float64, "polarity": pl.String})
    areas = pl.DataFrame(
        [(f"W{i}", "ward", float(i + 1), float(100 * (i + 1))) for i in range(4)],
        orient="row", schema={"area": pl.String, "level": pl.String,
                              "deprivation_rank": pl.Float64, "population": pl.Float64})
    figures = gap_figures(area_gaps(values, areas), tracked([
        ("LE gap", "LE", "ward", "quintile_gap", "D"), ("LE SII", "LE", "ward", "sii", "D")]))
    assert figures["indicator"].to_list() == ["LE SII", "LE gap"]
    assert figures["value"].to_list() == pytest.approx(
        [11.8, abs(21.8 / 0.3 - 54.5 / 0.7)], abs=1e-12)


def test_an_unknown_measure_is_refused_by_name():
    with pytest.raises(ValueError, match=r"must be one of \('quintile_gap', 'sii'\), not "
                                         r"\['range'\]"):
        gap_figures(pl.DataFrame(), tracked([("T", "S", "ward", "range", "D")]))
