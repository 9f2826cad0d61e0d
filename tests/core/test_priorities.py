"""Residents' priorities ranked per area: the vectorised ranking against a slow one, and
the margin of error against worked values."""

from __future__ import annotations

import math
import random

import polars as pl
import pytest

from joinedup.core.priorities import ranked


def slow(rows: list[dict]) -> list[dict]:
    """Each area × consultation on its own: rank = 1 + how many issues were raised more."""
    out = []
    for row in rows:
        peers = [r for r in rows if (r["area"], r["consultation"]) ==
                 (row["area"], row["consultation"])]
        n = row["sample_size"]
        share = row["count"] / n if n else None
        out.append({**row, "rank": 1 + sum(p["count"] > row["count"] for p in peers),
                    "share": share,
                    "margin_of_error": 1.959963984540054 * math.sqrt(share * (1 - share) / n)
                    if n else None})
    return sorted(out, key=lambda r: (r["area"], r["consultation"], r["rank"], r["issue"]))


def test_the_ranking_equals_a_slow_one_on_random_surveys():
    generator = random.Random(20091)
    rows = []
    for area in ("E05001067", "E05001068", "E05001069"):
        for consultation in ("Place Survey 2008", "East Area Forum, March 2009"):
            size = generator.choice([None, 250, 600])
            for issue in range(generator.randint(1, 9)):
                rows.append({"area": area, "consultation": consultation,
                             "issue": f"issue {issue}",
                             "count": generator.randint(0, size or 40),
                             "sample_size": size})
    found = ranked(pl.DataFrame(rows, schema={"area": pl.String, "consultation": pl.String,
                                              "issue": pl.String, "count": pl.Int64,
                                              "sample_size": pl.Int64}))
    expected = slow(rows)
    assert found.select("area", "consultation", "issue", "rank").rows() == [
        (r["area"], r["consultation"], r["issue"], r["rank"]) for r in expected]
    for got, want in zip(found.iter_rows(named=True), expected, strict=True):
        for column in ("share", "margin_of_error"):
            assert (got[column] is None) == (want[column] is None)
            if want[column] is not None:
                assert got[column] == pytest.approx(want[column], abs=1e-12)


def test_ties_share_the_better_rank_and_the_margin_is_the_quoted_one():
    frame = pl.DataFrame({"area": ["A"] * 4, "consultation": ["Survey"] * 4,
                          "issue": ["litter", "speeding", "dogs", "noise"],
                          "count": [300, 300, 100, 0], "sample_size": [1000] * 4})
    found = ranked(frame)
    assert found.select("issue", "rank").rows() == [
        ("litter", 1), ("speeding", 1), ("dogs", 3), ("noise", 4)]
    # p = 0.3, n = 1000: 1.96 × √(0.21 / 1000) = 2.84 points, as survey reports quote it
    assert round(found["margin_of_error"][0] * 100, 2) == 2.84
    assert found["margin_of_error"][3] == 0.0


def test_a_meeting_has_counts_but_no_share_or_margin():
    frame = pl.DataFrame({"area": ["A", "A"], "consultation": ["Forum", "Forum"],
                          "issue": ["parking", "youth"], "count": [12, 7],
                          "sample_size": [None, None]},
                         schema_overrides={"sample_size": pl.Int64})
    found = ranked(frame)
    assert found.select("issue", "rank", "share", "margin_of_error").rows() == [
        ("parking", 1, None, None), ("youth", 2, None, None)]


def test_missing_columns_are_named():
    with pytest.raises(ValueError) as refused:
        ranked(pl.DataFrame({"area": ["A"], "issue": ["x"]}))
    assert str(refused.value) == "priorities need the columns consultation, count, sample_size"
