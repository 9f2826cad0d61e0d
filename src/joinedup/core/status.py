"""Status against target (RAG), aware of polarity, with a tolerance band.

Method (DESIGN §6; the Audit Commission's and LAA practice of red/amber/green against
agreed milestones): each value is compared with the expected value for its period — the
milestone for that period, or the target at the target period.

- green: on target or better;
- amber: worse than target, but within the tolerance (by default 5% of the target's
  size; an absolute tolerance set on the target takes precedence);
- red: worse than the tolerance;
- grey: no value, no target or milestone for the period, or no polarity to judge by.

Matching: an expected value applies to a value whose period is the same interval; failing
that, to one whose period ends on the same day (so an annual figure for 2009/10 is judged
against the milestone for 2009/10 Q4). Among several such, the longest period wins, and
for the same period the target comes before a milestone.

An expected value is a ``milestone`` (a step on the way) or the ``target`` itself, as its
``target_kind`` says; where it says nothing, it is a target. Each value carries the kind
it was judged against (``status_target_kind``), so its words can say which.
"""

from __future__ import annotations

import polars as pl

from joinedup.core.parameters import StatusParameters

STATUSES = ("green", "amber", "red", "grey")
TARGET_KINDS = ("target", "milestone")


def target_kind(targets: pl.DataFrame) -> pl.Expr:
    """Each expected value's kind: its ``target_kind``, and ``target`` where none is given."""
    if "target_kind" in targets.columns:
        return pl.col("target_kind").cast(pl.String).fill_null("target")
    return pl.lit("target", pl.String)


def assess_status(frame: pl.DataFrame, targets: pl.DataFrame | None,
                  parameters: StatusParameters = StatusParameters(), *,
                  keys=("indicator", "area")) -> pl.DataFrame:
    """Add ``status``, ``status_target``, ``status_target_period``,
    ``status_target_kind`` and ``status_tolerance``.

    ``frame``: keys, ``period_start``, ``period_end``, ``value``, ``polarity``.
    ``targets``: keys, ``period_start``, ``period_end``, ``target`` and optionally
    ``tolerance`` (absolute, in the indicator's unit; null means the default share) and
    ``target_kind`` (``target`` or ``milestone``).
    """
    keys = list(keys)
    base = frame.with_row_index("_status_row")
    if targets is None or targets.height == 0:
        expected = base.select("_status_row").with_columns(
            _target=pl.lit(None, pl.Float64), _tolerance=pl.lit(None, pl.Float64),
            _target_period=pl.lit(None, pl.String), _target_kind=pl.lit(None, pl.String))
    else:
        expected = _match(base, targets, keys)
    joined = base.join(expected, on="_status_row", how="left").sort("_status_row")
    tolerance = pl.coalesce(
        pl.col("_tolerance"), pl.col("_target").abs() * parameters.default_tolerance
    )
    value, target = pl.col("value"), pl.col("_target")
    up, down = pl.col("polarity") == "up", pl.col("polarity") == "down"
    status = (
        pl.when(value.is_null() | value.is_nan() | target.is_null()
                | ~pl.col("polarity").is_in(["up", "down"]))
        .then(pl.lit("grey"))
        .when((up & (value >= target)) | (down & (value <= target)))
        .then(pl.lit("green"))
        .when((up & (value >= target - tolerance)) | (down & (value <= target + tolerance)))
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
    return joined.with_columns(
        status=status,
        status_target=target,
        status_tolerance=pl.when(target.is_not_null()).then(tolerance),
        status_target_period=pl.col("_target_period"),
        status_target_kind=pl.col("_target_kind"),
    ).drop("_status_row", "_target", "_tolerance", "_target_period", "_target_kind")


def _match(base: pl.DataFrame, targets: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    columns = [*keys, "period_start", "period_end", "target"]
    has_tolerance = "tolerance" in targets.columns
    label = "period_label" if "period_label" in targets.columns else "period"
    expected = targets.select(
        *columns,
        (pl.col("tolerance") if has_tolerance else pl.lit(None, pl.Float64)).alias("tolerance"),
        _t_label=pl.col(label).cast(pl.String) if label in targets.columns
        else pl.lit(None, pl.String),
        _t_kind=target_kind(targets),
    ).rename({"period_start": "_t_start", "period_end": "_t_end"})
    candidates = base.select("_status_row", *keys, "period_start", "period_end").join(
        expected, left_on=[*keys, "period_end"], right_on=[*keys, "_t_end"], how="inner"
    )
    ranked = candidates.with_columns(
        _exact=(pl.col("_t_start") == pl.col("period_start")),
        _is_target=(pl.col("_t_kind") == "target"),
    ).sort(["_status_row", "_exact", "_t_start", "_is_target"],
           descending=[False, True, False, True])
    best = ranked.group_by("_status_row", maintain_order=True).first()
    return best.select("_status_row", _target=pl.col("target").cast(pl.Float64),
                       _tolerance=pl.col("tolerance").cast(pl.Float64),
                       _target_period=pl.col("_t_label"), _target_kind=pl.col("_t_kind"))
