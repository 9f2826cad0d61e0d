"""Risk scoring on the 5×5 matrix, likelihood from a forecast, and the register's heat map.

The matrix
    Likelihood and impact are each scored 1–5 and the risk's score is their product,
    L × I, from 1 to 25. Scores fall into bands by their size. The default scales and bands
    are those of the 5×5 matrix used across UK public bodies, as published for the NHS by
    the National Patient Safety Agency ("A risk matrix for risk managers", NPSA, 2008):
    likelihood 1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain; consequence
    1 negligible, 2 minor, 3 moderate, 4 major, 5 catastrophic; and the ratings 1–3 low,
    4–6 moderate, 8–12 high, 15–25 extreme. The partnership keeps its own scales, bands
    and appetites as data; these functions take them as frames.

Likelihood from a forecast
    A risk that a target will be missed takes its likelihood from the engine's probability
    of meeting the target, P(meet): P(miss) = 1 − P(meet), and the likelihood is the
    highest level whose lower bound of P(miss) the figure reaches. The bounds are the
    partnership's data (defaults: 0, 0.10, 0.30, 0.50, 0.80 for levels 1–5).

Proposals
    A proposal is made when the likelihood read from P(miss) differs from the likelihood
    recorded for the risk, and is made again only when something new is known: the level
    read from P(miss) moved since the last proposal, P(miss) rose by at least ``rise``
    since it, or the target's indicator has a special-cause signal (SPC) that the last
    proposal did not know of.

The heat map
    The register counted by current likelihood × impact, and each risk's movement since
    the last quarter: "up" if its score rose, "down" if it fell, "new" if it had none.
"""

from __future__ import annotations

import numpy as np
import polars as pl

LEVELS = (1, 2, 3, 4, 5)


def score(likelihood: pl.Expr, impact: pl.Expr) -> pl.Expr:
    """L × I, null where either is missing."""
    return (likelihood.cast(pl.Int64) * impact.cast(pl.Int64)).alias("score")


def band_of(scores: pl.Series, bands: pl.DataFrame) -> pl.Series:
    """The band each score falls in: ``bands`` has ``band``, ``lowest`` and ``highest``
    (inclusive), holding every score L × I can give once. Null where the score is null."""
    _check_bands(bands)
    frame = scores.cast(pl.Int64).alias("score").to_frame().with_row_index("_at")
    joined = frame.join_where(bands.select("band", "lowest", "highest"),
                              pl.col("score") >= pl.col("lowest"),
                              pl.col("score") <= pl.col("highest"))
    return (frame.join(joined.select("_at", "band"), on="_at", how="left")
            .sort("_at")["band"].alias("band"))


#: The scores a 5×5 matrix can give: the products L × I.
SCORES = sorted({lv * iv for lv in LEVELS for iv in LEVELS})


def _check_bands(bands: pl.DataFrame) -> None:
    covered = dict.fromkeys(SCORES, 0)
    for lowest, highest in bands.select("lowest", "highest").iter_rows():
        if not 1 <= lowest <= highest <= 25:
            raise ValueError(f"a band must lie within 1–25, lowest first: {lowest}–{highest}")
        for s in SCORES:
            covered[s] += lowest <= s <= highest
    wrong = [s for s, times in covered.items() if times != 1]
    if wrong:
        raise ValueError(f"the bands must hold every score L × I once; not {wrong}")


def likelihood_from_p_miss(p_miss: pl.Series, bounds: pl.DataFrame) -> pl.Series:
    """The likelihood level P(miss) reaches: ``bounds`` has ``likelihood`` (1–5) and
    ``p_miss_from``, the least P(miss) at that level (the lowest level from 0).
    Null where P(miss) is null or not a probability."""
    ordered = bounds.sort("p_miss_from")
    levels = ordered["likelihood"].to_numpy()
    edges = ordered["p_miss_from"].to_numpy().astype(float)
    if edges[0] != 0 or (np.diff(levels) <= 0).any() or (np.diff(edges) <= 0).any():
        raise ValueError("the P(miss) bounds must start at 0 and rise with the likelihood")
    values = p_miss.cast(pl.Float64).to_numpy()
    found = np.searchsorted(edges, np.nan_to_num(values, nan=0.0), side="right") - 1
    valid = ~np.isnan(values) & (values >= 0) & (values <= 1)
    result = np.where(valid, levels[np.clip(found, 0, len(levels) - 1)], 0)
    return pl.Series("likelihood", result, dtype=pl.Int64).set(pl.Series(~valid), None)


def proposals(risks: pl.DataFrame, bounds: pl.DataFrame, *, rise: float = 0.10
              ) -> pl.DataFrame:
    """Which forecast-driven risks to propose a new likelihood for, and what.

    ``risks``: ``risk``, ``recorded`` (the likelihood on record), ``p_meet`` (the latest
    P(meet) of its target; null: no forecast), ``signal`` (the target's indicator has a
    special-cause signal now), ``last_proposed`` and ``last_p_miss`` (the latest proposal
    made, null for none) and ``last_signal`` (whether that proposal knew of the signal).
    Returns ``risk``, ``p_miss``, ``proposed`` and ``reason`` for each risk to propose for
    (see the module docstring).
    """
    frame = risks.with_columns(p_miss=(1 - pl.col("p_meet").cast(pl.Float64)))
    frame = frame.with_columns(proposed=likelihood_from_p_miss(frame["p_miss"], bounds))
    differs = pl.col("proposed").is_not_null() & (pl.col("proposed") != pl.col("recorded"))
    first = pl.col("last_proposed").is_null()
    moved = pl.col("proposed") != pl.col("last_proposed")
    rose = (pl.col("p_miss") - pl.col("last_p_miss")) >= rise - 1e-12
    signal = pl.col("signal") & ~pl.col("last_signal").fill_null(False)
    reason = (pl.when(first).then(pl.lit("first forecast"))
              .when(moved).then(pl.lit("the forecast moved to another level"))
              .when(rose).then(pl.lit("the chance of missing rose"))
              .when(signal).then(pl.lit("a new special-cause signal")))
    return (frame.filter(differs & (first | moved | rose.fill_null(False) | signal))
            .select("risk", "p_miss", "proposed", reason.alias("reason")))


def movement(now: pl.Expr, previous: pl.Expr) -> pl.Expr:
    """"new" with no previous score, else "up", "down" or "same"."""
    return (pl.when(previous.is_null()).then(pl.lit("new"))
            .when(now > previous).then(pl.lit("up"))
            .when(now < previous).then(pl.lit("down"))
            .otherwise(pl.lit("same")).alias("movement"))


def heat_map(risks: pl.DataFrame) -> pl.DataFrame:
    """Counts of risks by ``likelihood`` × ``impact`` (every one of the 25 cells), with
    how many moved ``up``, ``down`` or are ``new`` since the last quarter.

    ``risks``: ``likelihood``, ``impact`` (now) and ``previous_score`` (at the end of the
    last quarter; null: none).
    """
    now = risks.with_columns(score(pl.col("likelihood"), pl.col("impact")))
    counted = (now.with_columns(movement(pl.col("score"), pl.col("previous_score")))
               .group_by("likelihood", "impact")
               .agg(count=pl.len(), up=(pl.col("movement") == "up").sum(),
                    down=(pl.col("movement") == "down").sum(),
                    new=(pl.col("movement") == "new").sum()))
    grid = pl.DataFrame({"likelihood": [lv for lv in LEVELS for _ in LEVELS],
                         "impact": [iv for _ in LEVELS for iv in LEVELS]},
                        schema={"likelihood": pl.Int64, "impact": pl.Int64})
    return (grid.join(counted.with_columns(pl.col("likelihood", "impact").cast(pl.Int64)),
                      on=["likelihood", "impact"], how="left")
            .with_columns(pl.col("count", "up", "down", "new").fill_null(0).cast(pl.Int64))
            .with_columns(score(pl.col("likelihood"), pl.col("impact")))
            .sort("likelihood", "impact", descending=[True, False]))
