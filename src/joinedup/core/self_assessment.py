"""The results of a 7S self-assessment round: by element, between members, between
sectors, by question, and the change since the last round.

The scores
    One row per answer: ``element``, ``question``, ``member``, ``sector`` (the broad sector
    of the organisation the member represents: public, private, or voluntary and
    community) and ``score``, a whole number from 1 to 5. Only submitted answers are
    passed in; a member who has not answered a question is simply absent from its rows.

A member's element score
    The mean of the member's answers under the element. Every member counts once per
    element whatever the number of its questions they answered, so a member who answers
    three questions of an element weighs no more in it than one who answers two.

By element (``element_results``)
    ``members`` who answered under the element and ``answers`` they gave; ``mean``, the
    mean of the members' element scores; the spread between members: ``lowest`` and
    ``highest`` member element score and ``sd``, their sample standard deviation
    (divisor n − 1, as a partnership's members are a sample of the views in it; null
    with a single member). The spread between sectors: each sector's mean of its
    members' element scores (``sector_means``), and ``sector_gap``, the highest sector
    mean less the lowest (0 with one sector), between ``sector_lowest`` and
    ``sector_highest``, the sectors with those means (ties go to the sector whose name
    comes first). The change since the last round: ``previous_mean``, the element's
    mean in the previous round's scores computed the same way, and ``change`` = mean −
    previous mean, null where the previous round has no score for the element. Elements
    with no score in this round do not appear.

By question (``question_results``)
    For each question: ``answers``, ``mean``, ``lowest``, ``highest``, ``sd`` (sample,
    null for one answer) over the members' answers, and ``score_1`` … ``score_5``, how
    many members gave each score.

The statistics are the plain descriptive ones (the arithmetic mean, range and sample
standard deviation; e.g. Altman, *Practical statistics for medical research*, 1991,
chapter 3); the method is the Audit Commission's 7S self-assessment (2009), where each
member scores each question and the partnership compares the elements. Nothing here
rounds: the pages and exports round for display.
"""

from __future__ import annotations

import polars as pl

SCORE_SCHEMA = {"element": pl.String, "question": pl.String, "member": pl.Int64,
                "sector": pl.String, "score": pl.Int64}
SCORES = (1, 2, 3, 4, 5)

ELEMENT_COLUMNS = ("element", "members", "answers", "mean", "lowest", "highest", "sd",
                   "sector_lowest", "sector_highest", "sector_gap", "previous_mean", "change")
QUESTION_COLUMNS = ("element", "question", "answers", "mean", "lowest", "highest", "sd",
                    *(f"score_{s}" for s in SCORES))


def empty_scores() -> pl.DataFrame:
    return pl.DataFrame(schema=SCORE_SCHEMA)


def _checked(scores: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in SCORE_SCHEMA if c not in scores.columns]
    if missing:
        raise ValueError(f"the scores lack the columns {missing}")
    scores = scores.select([pl.col(c).cast(t) for c, t in SCORE_SCHEMA.items()])
    wrong = scores.filter(~pl.col("score").is_in(SCORES) | pl.col("score").is_null())
    if wrong.height:
        raise ValueError(f"a score must be a whole number from 1 to 5, not {wrong['score'][0]}")
    repeated = scores.group_by("question", "member").len().filter(pl.col("len") > 1)
    if repeated.height:
        row = repeated.row(0, named=True)
        raise ValueError(f"member {row['member']} answers question {row['question']!r} "
                         "more than once")
    return scores


def member_element_scores(scores: pl.DataFrame) -> pl.DataFrame:
    """Each member's element score: ``element``, ``member``, ``sector``, ``score`` (the
    mean of their answers under the element) and ``answers``."""
    scores = _checked(scores)
    return (scores.group_by("element", "member")
            .agg(pl.col("sector").first(), pl.col("score").cast(pl.Float64).mean(),
                 pl.len().alias("answers"))
            .sort("element", "member"))


def sector_means(scores: pl.DataFrame) -> pl.DataFrame:
    """``element``, ``sector``, ``members`` and ``mean``: each sector's mean of its
    members' element scores."""
    members = member_element_scores(scores)
    return (members.group_by("element", "sector")
            .agg(pl.len().alias("members"), pl.col("score").mean().alias("mean"))
            .sort("element", "sector"))


def _by_element(scores: pl.DataFrame) -> pl.DataFrame:
    members = member_element_scores(scores)
    return members.group_by("element").agg(
        pl.len().alias("members"), pl.col("answers").sum().cast(pl.Int64),
        pl.col("score").mean().alias("mean"), pl.col("score").min().alias("lowest"),
        pl.col("score").max().alias("highest"), pl.col("score").std(ddof=1).alias("sd"))


def element_results(scores: pl.DataFrame, previous: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per element scored in ``scores``, with the columns ``ELEMENT_COLUMNS``
    (see the module's docstring); ``previous`` holds the last round's scores."""
    current = _by_element(scores)
    sectors = sector_means(scores)
    ranked = sectors.sort("element", "mean", "sector")
    low = ranked.group_by("element", maintain_order=True).first().select(
        "element", pl.col("sector").alias("sector_lowest"), pl.col("mean").alias("_low"))
    high = (sectors.sort("element", pl.col("mean"), "sector", descending=[False, True, False])
            .group_by("element", maintain_order=True).first()
            .select("element", pl.col("sector").alias("sector_highest"),
                    pl.col("mean").alias("_high")))
    earlier = (_by_element(previous if previous is not None else empty_scores())
               .select("element", pl.col("mean").alias("previous_mean")))
    return (current.join(low, on="element").join(high, on="element")
            .join(earlier, on="element", how="left")
            .with_columns((pl.col("_high") - pl.col("_low")).alias("sector_gap"),
                          (pl.col("mean") - pl.col("previous_mean")).alias("change"))
            .select(ELEMENT_COLUMNS).sort("element"))


def question_results(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per question answered in ``scores``, with the columns ``QUESTION_COLUMNS``."""
    scores = _checked(scores)
    value = pl.col("score").cast(pl.Float64)
    return (scores.group_by("element", "question")
            .agg(pl.len().alias("answers"), value.mean().alias("mean"),
                 value.min().alias("lowest"), value.max().alias("highest"),
                 value.std(ddof=1).alias("sd"),
                 *((pl.col("score") == s).sum().cast(pl.Int64).alias(f"score_{s}")
                   for s in SCORES))
            .with_columns(pl.col("answers").cast(pl.Int64))
            .select(QUESTION_COLUMNS).sort("element", "question"))
