"""Gaps between areas, and whether each gap is narrowing ("narrowing the gap").

For one indicator in one period, the areas of one level (e.g. the wards) are compared
with each other. ``area_gaps`` computes four gaps for every indicator × period × level at
once; ``gap_trends`` says, for each indicator × level and each gap, whether it is
narrowing.

The areas compared
    An area takes part if it has a value (not null, not NaN) and a deprivation rank.
    Every measure of a row is computed over the same areas, so the measures can be read
    together; ``areas`` counts them. Fewer than ``min_areas`` (at least 3) gives null
    statistics and a ``reason``. Values for areas missing from the areas frame are
    ignored, since they have no level.

Weights
    An area's weight is its population. If any compared area lacks a positive
    population, every area of that group is weighted equally instead (``weighting`` says
    which), because mixing people and unit weights would mean nothing.

Range and inter-quartile gap
    ``range`` = max − min. ``q1`` and ``q3`` are the unweighted 25th and 75th percentiles
    by linear interpolation between order statistics, the definition of NumPy's default
    (``method="linear"``; Hyndman & Fan 1996 type 7): with the n values sorted,
    q(p) = v[⌊h⌋] + (h − ⌊h⌋)(v[⌊h⌋+1] − v[⌊h⌋]) where h = (n − 1)p (0-based).
    ``iqr_gap`` = q3 − q1.

Relative rank (shared by the quintile gap and the SII)
    Areas are sorted from most deprived (rank 1) to least deprived. Each takes the
    share of the group's population that lies before it plus half its own share: the
    midpoint of its band in the cumulative population distribution, from 0 (most
    deprived) to 1 (least deprived). Areas tied on deprivation rank are one band: they
    share the midpoint of their combined band, so the result does not depend on how ties
    happen to be ordered.

Most deprived quintile and the rest
    As in the English Indices of Deprivation reports, "the most deprived fifth" is a
    fifth of the population, not of the areas. An area is in the most deprived group
    when its relative rank (the midpoint of its band) is at most 0.2, so an area
    straddling the 20% line goes wholly to the side holding the larger part of it (an
    area whose midpoint is exactly 0.2 counts as deprived). The group can therefore hold
    a little more or less than 20% of the population. ``deprived_quintile_mean`` and
    ``rest_mean`` are weighted means; ``quintile_gap`` = deprived − rest. If the most
    deprived area is so large that its midpoint is beyond 0.2, there is no quintile gap.

Slope and relative indices of inequality (SII, RII)
    The population-weighted least-squares line of value on relative rank, as Public
    Health England / OHID define it; the method, the RII's orientation and the
    intervals are in ``core.inequality``. SII = (least deprived end) − (most deprived
    end), PHE's sign: Fingertips reports the SII in life expectancy as a positive number
    of years. For an indicator that is higher where deprivation is higher (e.g. the share
    of neighbourhoods in the most deprived 10%) the SII is negative and the RII below 1.
    The sign says nothing about good or bad; polarity does that.

Narrowing (``gap_trends``)
    Each gap's size is its absolute value. The latest period with that gap is compared
    with the earliest period with it (the baseline), as a strategy's "narrow the gap by
    2011" is judged against its baseline year. A slope over periods was not chosen: area
    gaps usually have few periods (deprivation data comes every 4-5 years), and without
    standard errors a slope could not be tested anyway. A change in size beyond
    ``min_relative_change`` × the baseline size (default 1%, as direction of travel uses
    without confidence limits) is ``narrowing`` or ``widening``; anything else is
    ``no_change``. A gap whose sign flips (the gradient reverses) is flagged ``reversed``.

Narrowing judged by SPC (``gap_spc`` and ``gap_spc_trends``)
    Each gap measure's size |gap| over the periods is one series, charted as an XmR
    chart by ``core.spc`` (NHS England "Making Data Count": the same limits, rules,
    screening, baseline and rebasing as every other series) with polarity ``down``,
    since a smaller gap is better. The judgement is the variation icon's: the latest
    point showing special-cause improvement (any rule, low side) means ``narrowing``,
    special-cause concern (high side) ``widening``, common cause ``no_change``. A
    single period gives no judgement; fewer than 12 are trial limits, and the output
    says so. Speed, for ranking: ``widening_per_year`` is the least-squares slope of
    |gap| against time in years (period starts), divided by the mean |gap| over the
    periods, i.e. how much the gap grows each year as a share of its usual size; it is
    unit-free, so indicators in different units can be ranked together.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from joinedup.core.inequality import INDEX_COLUMNS, regression_indices
from joinedup.core.parameters import SPCParameters
from joinedup.core.spc import assess_spc

GAP_MEASURES = ("range", "iqr_gap", "quintile_gap", "sii")
NARROWING = ("narrowing", "widening", "no_change")
DEPRIVED_SHARE = 0.2  # the most deprived fifth of the population

GROUP_KEYS = ["indicator", "level", "period", "period_start"]
GROUP_ORDER = ["indicator", "level", "period_start", "period"]
VALUE_COLUMNS = ["indicator", "area", "period", "period_start", "value"]
AREA_COLUMNS = ["area", "level", "deprivation_rank", "population"]
STATISTICS = ["min", "max", "range", "q1", "q3", "iqr_gap", "deprived_areas",
              "deprived_quintile_mean", "rest_mean", "quintile_gap", *INDEX_COLUMNS]
TREND_KEYS = ["indicator", "level", "measure"]


def area_gaps(values: pl.DataFrame, areas: pl.DataFrame, *, min_areas: int = 3,
              confidence: float = 0.95) -> pl.DataFrame:
    """The gaps between the areas of each level, for every indicator × period.

    ``values``: ``indicator``, ``area``, ``period``, ``period_start`` and ``value``, with
    ``polarity`` carried through if present. ``areas``: ``area``, ``level``,
    ``deprivation_rank`` (1 = most deprived; any consistent ranking) and ``population``
    (null allowed). Returns one row per indicator × period × level holding any value:
    ``areas``, ``weighting``, the statistics, and ``reason`` when some are null. The
    methods are in the module docstring and, for the SII and RII and their
    ``confidence`` intervals, in ``core.inequality``.
    """
    if min_areas < 3:
        raise ValueError(f"min_areas must be at least 3 (quartiles and a slope need 3), "
                         f"not {min_areas}")
    compared = _compared_areas(values, areas)
    keys = compared.group_by(GROUP_KEYS).agg(
        *([pl.col("polarity").first()] if "polarity" in compared.columns else []))
    usable = compared.filter(
        pl.col("value").is_not_null() & pl.col("value").is_not_nan()
        & pl.col("deprivation_rank").is_not_null() & pl.col("deprivation_rank").is_not_nan())
    ranked = _relative_ranks(usable)
    statistics = (_group_statistics(ranked).join(_quartiles(ranked), on="group")
                  .join(regression_indices(ranked, confidence=confidence).drop("areas"),
                        on="group"))
    gaps = (keys.join(statistics, on=GROUP_KEYS, how="left", nulls_equal=True)
            .with_columns(pl.col("areas").fill_null(0).cast(pl.Int64)))
    return _explain(gaps, min_areas).sort(GROUP_ORDER).select(
        *keys.columns, "areas", "weighting", *STATISTICS, "reason")


def gap_trends(gaps: pl.DataFrame, *, min_relative_change: float = 0.01) -> pl.DataFrame:
    """Whether each gap is narrowing: one row per indicator × level × gap measure.

    ``gaps`` is ``area_gaps``' output (or any frame with ``indicator``, ``level``,
    ``period``, ``period_start`` and the measure columns). The baseline is the earliest
    period in which that gap is known, and it is compared with the latest one;
    ``change`` = |latest| − |baseline|, and ``narrowing`` is ``narrowing`` when the
    change is below −``min_relative_change`` × |baseline|, ``widening`` when above
    +that, else ``no_change``; null, with a ``reason``, with fewer than two periods.
    """
    if not min_relative_change >= 0:
        raise ValueError(f"min_relative_change must be zero or more, not {min_relative_change}")
    _require(gaps, ["indicator", "level", "period", "period_start", *GAP_MEASURES], "gaps")
    measure_order = pl.Enum(GAP_MEASURES)
    long = (gaps.unpivot(index=["indicator", "level", "period", "period_start"],
                         on=list(GAP_MEASURES), variable_name="measure", value_name="gap")
            .with_columns(pl.col("measure").cast(measure_order),
                          pl.col("gap").cast(pl.Float64)))
    keys = long.select(TREND_KEYS).unique()
    known = long.filter(pl.col("gap").is_not_null() & pl.col("gap").is_not_nan())
    order = ["period_start", "period"]
    ends = known.group_by(TREND_KEYS).agg(
        periods=pl.len().cast(pl.Int64),
        baseline_period=pl.col("period").sort_by(order).first(),
        baseline_gap=pl.col("gap").sort_by(order).first(),
        latest_period=pl.col("period").sort_by(order).last(),
        latest_gap=pl.col("gap").sort_by(order).last(),
    )
    trends = keys.join(ends, on=TREND_KEYS, how="left", nulls_equal=True).with_columns(
        pl.col("periods").fill_null(0))
    compared = pl.col("periods") >= 2
    baseline_size = pl.col("baseline_gap").abs()
    change = pl.col("latest_gap").abs() - baseline_size
    threshold = min_relative_change * baseline_size
    return trends.with_columns(
        change=pl.when(compared).then(change),
        relative_change=pl.when(compared & (baseline_size > 0)).then(change / baseline_size),
        narrowing=pl.when(~compared).then(None)
        .when(change < -threshold).then(pl.lit("narrowing"))
        .when(change > threshold).then(pl.lit("widening"))
        .otherwise(pl.lit("no_change")).cast(pl.Enum(NARROWING)),
        reversed=pl.when(compared).then(
            pl.col("baseline_gap").sign() * pl.col("latest_gap").sign() < 0),
        reason=pl.when(pl.col("periods") == 0).then(pl.lit("no period has this gap"))
        .when(pl.col("periods") == 1).then(
            pl.format("only one period ({}) has this gap", pl.col("baseline_period"))),
    ).sort(TREND_KEYS).select(
        *TREND_KEYS, "periods", "baseline_period", "baseline_gap", "latest_period",
        "latest_gap", "change", "relative_change", "narrowing", "reversed", "reason")


def gap_spc(gaps: pl.DataFrame, parameters: SPCParameters = SPCParameters(), *,
            measures=GAP_MEASURES) -> pl.DataFrame:
    """The XmR chart of each gap's size: one row per indicator × level × measure × period.

    ``gaps`` is ``area_gaps``' output. Returns the keys, ``period``, ``period_start``,
    ``gap``, ``size`` (|gap|) and ``core.spc``'s columns (``spc_mean`` … ``variation``,
    ``spc_trial_limits``), for the periods in which the gap is known.
    """
    _require(gaps, ["indicator", "level", "period", "period_start", *measures], "gaps")
    long = (gaps.unpivot(index=["indicator", "level", "period", "period_start"],
                         on=list(measures), variable_name="measure", value_name="gap")
            .with_columns(pl.col("gap").cast(pl.Float64))
            .filter(pl.col("gap").is_not_null() & pl.col("gap").is_not_nan())
            .with_columns(size=pl.col("gap").abs(), value=pl.col("gap").abs(),
                          polarity=pl.lit("down")))
    charted = assess_spc(long, parameters, keys=TREND_KEYS, order=("period_start", "period"))
    return charted.drop("value", "polarity", "assurance").sort(*TREND_KEYS, "period_start",
                                                                "period")


def gap_spc_trends(points: pl.DataFrame) -> pl.DataFrame:
    """Whether each gap is narrowing, by SPC: one row per indicator × level × measure.

    ``points`` is ``gap_spc``' output. Returns ``periods``, the latest period, gap and
    size, its chart's mean and limits, ``variation`` and ``spc_trial_limits``,
    ``narrowing`` (``NARROWING``; null with a ``reason`` for a single period) and
    ``widening_per_year`` (see the module docstring).
    """
    years = (pl.col("period_start").cast(pl.Date).cast(pl.Int32) / 365.25)
    trends = points.sort(*TREND_KEYS, "period_start", "period").group_by(
        TREND_KEYS, maintain_order=True).agg(
        periods=pl.len().cast(pl.Int64),
        latest_period=pl.col("period").last(),
        latest_gap=pl.col("gap").last(),
        latest_size=pl.col("size").last(),
        mean=pl.col("spc_mean").last(),
        lower=pl.col("spc_lower").last(),
        upper=pl.col("spc_upper").last(),
        variation=pl.col("variation").last(),
        trial_limits=pl.col("spc_trial_limits").last(),
        mean_size=pl.col("size").mean(),
        slope=pl.cov(years, pl.col("size")) / years.var(),
    )
    compared = pl.col("periods") >= 2
    return trends.with_columns(
        narrowing=pl.when(~compared).then(None)
        .when(pl.col("variation") == "improvement").then(pl.lit("narrowing"))
        .when(pl.col("variation") == "concern").then(pl.lit("widening"))
        .otherwise(pl.lit("no_change")).cast(pl.Enum(NARROWING)),
        widening_per_year=pl.when(compared & (pl.col("mean_size") > 0))
        .then(pl.col("slope") / pl.col("mean_size")),
        reason=pl.when(~compared).then(
            pl.format("only one period ({}) has this gap", pl.col("latest_period"))),
    ).sort(TREND_KEYS).select(
        *TREND_KEYS, "periods", "latest_period", "latest_gap", "latest_size", "mean",
        "lower", "upper", "variation", "trial_limits", "narrowing", "widening_per_year",
        "reason")


GAP_FIGURE_MEASURES = ("quintile_gap", "sii")


def gap_figures(gaps: pl.DataFrame, tracked: pl.DataFrame) -> pl.DataFrame:
    """Figures of the indicators that track a gap, so a target can be set on a gap.

    ``gaps``: rows of ``area_gaps``. ``tracked``: one row per tracking indicator, with
    ``indicator`` (its code), ``source`` (the code of the indicator whose gap it tracks),
    ``level``, ``measure`` (``quintile_gap`` or ``sii``) and ``area`` (the place the gap
    is within, usually the partnership's). Returns ``indicator``, ``area``, ``period``,
    ``period_start`` and ``value`` = |measure|, the gap's size as ``gap_trends`` and
    ``gap_spc`` judge it, for every period in which the measure exists. A tracking
    indicator's polarity is ``down``, so the engine's status, forecasts and flags
    judge it against its targets as any other series ("narrow the gap to X by 2011").
    """
    _require(tracked, ["indicator", "source", "level", "measure", "area"], "tracked")
    unknown = set(tracked["measure"].to_list()) - set(GAP_FIGURE_MEASURES)
    if unknown:
        raise ValueError(f"a tracked gap's measure must be one of {GAP_FIGURE_MEASURES}, "
                         f"not {sorted(unknown)}")
    schema = {"indicator": pl.String, "area": pl.String, "period": pl.String,
              "period_start": pl.Date, "value": pl.Float64}
    if tracked.height == 0 or gaps.height == 0:
        return pl.DataFrame(schema=schema)
    long = gaps.unpivot(index=["indicator", "level", "period", "period_start"],
                        on=list(GAP_FIGURE_MEASURES), variable_name="measure",
                        value_name="gap").rename({"indicator": "source"})
    return (tracked.join(long, on=["source", "level", "measure"], how="inner")
            .filter(pl.col("gap").is_not_null() & pl.col("gap").is_not_nan())
            .select("indicator", "area", "period", "period_start",
                    value=pl.col("gap").abs())
            .sort("indicator", "period_start", "period").cast(schema))


def _require(frame: pl.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame lacks column(s) {', '.join(missing)}")


def _compared_areas(values: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Each value with its area's level, deprivation rank and population."""
    _require(values, VALUE_COLUMNS, "values")
    _require(areas, AREA_COLUMNS, "areas")
    repeated = areas.filter(pl.col("area").is_duplicated())["area"].unique().sort()
    if repeated.len():
        raise ValueError(f"areas frame repeats area(s) {', '.join(repeated.head(5))}")
    negative = areas.filter(pl.col("population") < 0)["area"]
    if negative.len():
        raise ValueError(f"negative population for area(s) {', '.join(negative.head(5))}")
    extra = ["polarity"] if "polarity" in values.columns else []
    joined = values.select(*VALUE_COLUMNS, *extra).join(
        areas.select(
            "area", "level",
            pl.col("deprivation_rank").cast(pl.Float64),
            pl.col("population").cast(pl.Float64)),
        on="area", how="inner").with_columns(pl.col("value").cast(pl.Float64))
    twice = joined.filter(pl.struct("indicator", "area", "period", "period_start")
                          .is_duplicated())
    if twice.height:
        first = twice.row(0, named=True)
        raise ValueError(f"values frame has {first['area']} twice for {first['indicator']} "
                         f"in {first['period']}")
    return joined


def _relative_ranks(usable: pl.DataFrame) -> pl.DataFrame:
    """Number the groups, weight the areas and give each its relative rank (0..1)."""
    group = pl.col("group")
    band = ["group", "deprivation_rank"]  # areas tied on rank share one band
    populated = (pl.col("population").is_not_null() & pl.col("population").is_not_nan()
                 & (pl.col("population") > 0) & pl.col("population").is_finite()
                 ).fill_null(False)
    return (
        usable.sort(*GROUP_ORDER, "deprivation_rank", "area")
        .with_columns(group=pl.struct(GROUP_KEYS).rle_id())
        .with_columns(by_population=populated.all().over(group))
        .with_columns(weight=pl.when(pl.col("by_population")).then(pl.col("population"))
                      .otherwise(1.0))
        .with_columns(total=pl.col("weight").sum().over(group),
                      band_weight=pl.col("weight").sum().over(band),
                      cumulative=pl.col("weight").cum_sum().over(group))
        .with_columns(band_end=pl.col("cumulative").max().over(band))
        .with_columns(relative_rank=(pl.col("band_end") - pl.col("band_weight") / 2)
                      / pl.col("total"))
        .with_columns(deprived=pl.col("relative_rank") <= DEPRIVED_SHARE)
    )


def _group_statistics(ranked: pl.DataFrame) -> pl.DataFrame:
    """Range and quintile means, per group."""
    w, y = pl.col("weight"), pl.col("value")
    deprived = pl.col("deprived")

    def weighted_mean(expression: pl.Expr, where: pl.Expr | None = None) -> pl.Expr:
        weights = w if where is None else w.filter(where)
        values = expression if where is None else expression.filter(where)
        return (weights * values).sum() / weights.sum()

    return ranked.group_by("group", *GROUP_KEYS).agg(
        areas=pl.len(),
        weighting=pl.when(pl.col("by_population").first()).then(pl.lit("population"))
        .otherwise(pl.lit("equal")),
        min=y.min(),
        max=y.max(),
        deprived_areas=deprived.sum().cast(pl.Int64),
        deprived_quintile_mean=weighted_mean(y, deprived),
        rest_mean=weighted_mean(y, ~deprived),
    ).with_columns(
        range=pl.col("max") - pl.col("min"),
        quintile_gap=pl.col("deprived_quintile_mean") - pl.col("rest_mean"),
    )


def _quartiles(ranked: pl.DataFrame) -> pl.DataFrame:
    """q1 and q3 of each group: NumPy's default linear interpolation, on grouped arrays."""
    ordered = ranked.select("group", "value").sort("group", "value")
    group = ordered["group"].to_numpy()
    value = ordered["value"].to_numpy()
    ids, starts, counts = np.unique(group, return_index=True, return_counts=True)

    def quantile(p: float) -> np.ndarray:
        h = (counts - 1) * p
        below = np.floor(h).astype(np.int64)
        above = np.minimum(below + 1, counts - 1)
        low, high = value[starts + below], value[starts + above]
        return low + (h - below) * (high - low)

    q1, q3 = quantile(0.25), quantile(0.75)
    return pl.DataFrame({"group": ids, "q1": q1, "q3": q3, "iqr_gap": q3 - q1},
                        schema_overrides={"group": ordered.schema["group"]})


def _explain(gaps: pl.DataFrame, min_areas: int) -> pl.DataFrame:
    """Null the statistics that cannot be trusted, and say why."""
    too_few = pl.col("areas") < min_areas
    one_band = pl.col("bands") < 2
    no_deprived = pl.col("deprived_areas") == 0
    few = pl.format(f"fewer than {min_areas} areas with a value and a deprivation rank ({{}})",
                    pl.col("areas"))
    reason = (
        pl.when(too_few).then(few)
        .when(one_band).then(pl.lit("every area has the same deprivation rank, "
                                    "so there is no gradient"))
        .when(no_deprived).then(pl.lit("the most deprived area holds over 40% of the "
                                       "population, so no area lies in the most "
                                       "deprived fifth"))
    )
    quintile = ["deprived_quintile_mean", "rest_mean", "quintile_gap"]
    return gaps.with_columns(
        *[pl.when(~too_few).then(pl.col(c)).alias(c)
          for c in ["weighting", "min", "max", "range", "q1", "q3", "iqr_gap",
                    "deprived_areas", *INDEX_COLUMNS]],
        *[pl.when(~too_few & ~no_deprived).then(pl.col(c)).alias(c) for c in quintile],
        reason=reason,
    )
