"""Residents' priorities ranked per area, with the survey's margin of error.

Input: one row per area × consultation × issue, with ``count`` (how many residents raised
the issue) and, for a survey, ``sample_size`` (how many in the area answered).

Rank
    Within each area and consultation, issues are ranked by count, highest first; issues
    with the same count share the better rank ("competition" or "1224" ranking, as league
    tables rank ties), so a rank never hides a tie.

Share and margin of error
    For a survey, ``share`` = count / sample_size, the proportion of those who answered
    who raised the issue. Its 95% margin of error is the half-width of the normal
    approximation to the binomial interval for a proportion from a simple random sample,
    1.96 × √(p(1 − p) / n): the figure survey reports quote as "± x points" (Office for
    National Statistics, "Uncertainty and how we measure it for our surveys"; Ipsos MORI,
    "Guide to statistical reliability"). It says nothing about bias in who answered, and
    it is null when there is no sample size (a consultation or a meeting is not a sample).
    With p = 0 or 1 it is 0, as the formula gives; small samples deserve caution, which
    the pages say beside the figure.
"""

from __future__ import annotations

import polars as pl

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
KEYS = ["area", "consultation"]
COLUMNS = ["area", "consultation", "issue", "count", "sample_size"]


def ranked(priorities: pl.DataFrame) -> pl.DataFrame:
    """``priorities`` with ``rank``, ``share`` and ``margin_of_error`` (both null without a
    sample size), sorted by area, consultation and rank, then issue."""
    missing = [c for c in COLUMNS if c not in priorities.columns]
    if missing:
        raise ValueError(f"priorities need the columns {', '.join(missing)}")
    share = pl.col("count") / pl.col("sample_size")
    return (priorities
            .with_columns(pl.col("count").cast(pl.Int64),
                          pl.col("sample_size").cast(pl.Int64))
            .with_columns(rank=pl.col("count").rank("min", descending=True).over(KEYS)
                          .cast(pl.Int64),
                          share=pl.when(pl.col("sample_size") > 0).then(share),
                          margin_of_error=pl.when(pl.col("sample_size") > 0).then(
                              Z_95 * (share * (1 - share) / pl.col("sample_size")).sqrt()))
            .sort([*KEYS, "rank", "issue"]))
