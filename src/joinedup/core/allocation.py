"""Allocation of a pot across areas by need, within floors, ceilings and damping.

Warwickshire's Local Strategic Partnership split its Area Based Grant between its five
districts by deprivation; this module makes that kind of split reproducible.

Weight
    Each area's weight is population × need, where need is an IMD score or a composite
    of indicators (``composite_need``). The other bases a page compares are "equal"
    (weight 1 each), "population", and "previous" (last year's amounts, so that with no
    bounds binding and the same pot it returns last year's split; an area without a
    previous amount weighs 0).

The single-multiplier rule
    Every area gets clamp(λ × weight, lower, upper), with one λ for all, chosen so the
    amounts add up to the pot. This is the rule of formula funding with floors and
    ceilings (e.g. the "floor damping" of the Local Government Finance Settlement, and
    the NHS allocations' pace-of-change policy): areas inside their bounds share what is
    left in proportion to their weight. S(λ) = Σ clamp(λ wᵢ, lᵢ, uᵢ) is continuous,
    piecewise linear and nondecreasing in λ, with breakpoints lᵢ/wᵢ (where area i leaves
    its lower bound) and uᵢ/wᵢ (where it reaches its upper). λ is found exactly rather
    than approximated by bisection on its value: the breakpoints are sorted, a binary
    search over them finds the linear piece on which S crosses the pot (S is summed
    afresh, vectorised, at each of the log₂(2n) probes; running sums of slope changes
    were tried and rejected, because they cancel when weights differ by many orders of
    magnitude), and on that piece λ = (pot − the bounds of the areas held at them) / (the
    weight of the areas between them). Any float residue left in the sum is then shared
    over the areas inside their bounds in proportion to weight.

Bounds
    An area's lower bound is the larger of its floor (a scalar, or a column; none means
    £0, since no area gets less than nothing) and, with damping d, last year's amount ×
    (1 − d). Its upper bound is the smaller of its ceiling (none: no cap) and last year's
    amount × (1 + d). An area with no previous amount is not damped. ``bound`` says which
    bound the unrounded amount sits on, with this precedence: "damping" if it equals a
    bound that came from damping (a damping bound wins a tie with a floor or ceiling of
    the same size), else "ceiling", else "floor", else "none".

Zero weights
    An area with zero weight gets its lower bound, whatever λ is (clamp(0, l, u) = l,
    since l ≥ 0). If every area weighs zero, the pot is split equally within the bounds
    (every weight is taken as 1), rather than refused. Weights are divided by the largest
    before solving (λ absorbs the scale), and one below 10⁻²⁵⁰ of the largest counts as
    zero: it could only matter at a multiplier beyond the range of floating point.

Refusals (``AllocationError``)
    An area whose lower bound is above its upper; lower bounds adding up to more than
    the pot; upper bounds (for zero-weight areas, their lower bound) adding up to less.
    The messages give the figures in pounds.

Rounding
    To whole pounds by the largest remainder method (``apportion.largest_remainder``),
    ties to the lower area code, so the amounts add up to the pot exactly (the pot must
    be whole pounds). Each amount is first rounded down and the pounds left go one each
    to the largest fractional parts. So where the bounds are whole pounds, no amount
    goes below its floor (rounding down a figure at or above a whole-pound floor cannot
    pass it) or above its ceiling (an amount at a whole-pound upper bound has remainder 0
    and gains a pound only if every area with a fractional part has, which the exact sum
    rules out). With fractional bounds (damping of an odd amount) an amount can lie less
    than £1 outside them. The float arithmetic stays well inside a pound while
    pot × areas < 2⁵² (£1bn over a million areas), which is enforced.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import polars as pl

from joinedup.core.apportion import largest_remainder

BASES = ("equal", "population", "need", "previous")
BOUNDS = ("damping", "ceiling", "floor", "none")
OUTPUT_COLUMNS = ["area", "weight", "allocation", "share", "lower", "upper", "bound"]
EXACT_BELOW = 2**52
NEGLIGIBLE_WEIGHT = 1e-250  # relative to the largest weight; see "Zero weights"


class AllocationError(ValueError):
    """An allocation that cannot be made as asked, with the figures that rule it out."""


def composite_need(frame: pl.DataFrame, weights: Mapping[str, float], *,
                   polarity: Mapping[str, str] | None = None,
                   baseline: float = 1.0) -> pl.DataFrame:
    """A need index from several indicators: ``area`` and ``need`` (all positive).

    Method: each indicator column x is z-standardised across the areas,
    z = (x − mean) / sd, with the sample standard deviation (n − 1), each area counting
    once; an indicator whose polarity is ``up`` (higher is better, e.g. the employment
    rate) is negated, so that a higher z always means more need (``down`` or unstated:
    higher means more need, as with IMD scores). The composite is the weighted sum
    Σ (wₖ / Σw) zₖ, in standard deviations. It has mean zero, so it is shifted to make
    the least needy area's need equal to ``baseline`` (default 1 standard deviation):
    need = composite − min(composite) + baseline. A larger baseline flattens the
    allocation; the least needy area keeps a positive weight. An indicator with the same
    value everywhere says nothing about relative need and adds nothing.
    This is the standardise-and-sum approach of needs indices built from several
    indicators (OECD/JRC, "Handbook on Constructing Composite Indicators", 2008,
    §5.1 standardisation, §6 linear aggregation).
    """
    polarity = dict(polarity or {})
    if not baseline > 0:
        raise ValueError(f"the baseline need must be positive, not {baseline}")
    if not weights:
        raise ValueError("composite_need needs at least one indicator weight")
    columns = list(weights)
    _require(frame, ["area", *columns], "areas")
    if frame.height < 2:
        raise ValueError("standardising needs at least two areas")
    bad_weights = {k: w for k, w in weights.items() if not (w >= 0)}
    if bad_weights or sum(weights.values()) <= 0:
        raise ValueError(f"indicator weights must be zero or more and not all zero: "
                         f"{dict(weights)}")
    signs = {}
    for column in columns:
        direction = polarity.get(column, "down")
        if direction not in ("up", "down"):
            raise ValueError(f"the polarity of {column} must be up (higher is better) or "
                             f"down (higher is worse) to count as need, not {direction!r}")
        signs[column] = -1.0 if direction == "up" else 1.0
    _check_areas(frame)
    for column in columns:
        values = frame[column].cast(pl.Float64)
        bad = frame.filter(values.is_null() | values.is_nan() | values.is_infinite())
        if bad.height:
            raise ValueError(f"{column} has no number for area {bad['area'][0]}")
    total = sum(weights.values())
    composite = pl.sum_horizontal(
        pl.lit(0.0),
        *[signs[c] * weights[c] / total * _standardised(pl.col(c).cast(pl.Float64))
          for c in columns if weights[c] > 0])
    return frame.select("area", composite.alias("_c")).select(
        "area", need=pl.col("_c") - pl.col("_c").min() + baseline)


def _standardised(x: pl.Expr) -> pl.Expr:
    sd = x.std(ddof=1)
    return pl.when(sd > 0).then((x - x.mean()) / sd).otherwise(0.0)


def allocate(areas: pl.DataFrame, pot: int | float | Decimal, *, basis: str = "need",
             floor: float | str | None = None, ceiling: float | str | None = None,
             damping: float | None = None) -> pl.DataFrame:
    """Split ``pot`` (whole pounds) over ``areas`` by the single-multiplier rule.

    ``areas``: ``area`` and, as the basis and bounds need them, ``population``, ``need``
    and ``previous`` (last year's amount in pounds; null for none). ``basis`` is one of
    ``BASES``; the weight is population × need for "need". ``floor`` and ``ceiling`` are
    amounts in pounds, or the name of a column of per-area amounts (null: none);
    ``damping`` is a fraction of last year's amount (0.05 for ±5%). The method, bounds,
    zero weights and rounding are in the module docstring.

    Returns ``area``, ``weight``, ``allocation`` (Int64 pounds, adding up to the pot),
    ``share`` (allocation ÷ pot), ``lower``, ``upper`` (null: no cap) and ``bound``, in
    the areas' order.
    """
    pot = _whole_pounds(pot)
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
    _check_areas(areas)
    weight = _weights(areas, basis)
    shown_weight = weight
    if areas.height and weight.max() > 0:
        weight = weight / weight.max()
        weight = np.where(weight < NEGLIGIBLE_WEIGHT, 0.0, weight)
    lower, upper, lower_damped, upper_damped = _bounds(areas, floor, ceiling, damping)
    if areas.height and pot * areas.height >= EXACT_BELOW:
        raise AllocationError(f"A pot of {_money(pot)} over {areas.height:,} areas is too "
                              "large to round exactly.")
    _check_feasible(areas["area"], pot, weight, lower, upper, floor, ceiling, damping)
    if areas.height and not (weight > 0).any():
        weight = shown_weight = np.ones(areas.height)
    exact = _clamped_amounts(weight, lower, upper, pot)

    at_upper, at_lower = exact == upper, exact == lower
    # Positions in BOUNDS: damping, ceiling, floor, none, in order of precedence.
    bound = np.select([(at_upper & upper_damped) | (at_lower & lower_damped), at_upper,
                       at_lower], [0, 1, 2], default=3)
    code_rank = areas["area"].rank("ordinal").to_numpy().astype(np.int64)
    pounds = largest_remainder(exact, np.array([pot]), np.zeros(areas.height, np.int64),
                               code_rank)
    return pl.DataFrame({
        "area": areas["area"].cast(pl.String),
        "weight": shown_weight.astype(np.float64),
        "allocation": pl.Series(pounds, dtype=pl.Int64),
        "share": pounds / pot if pot else np.full(areas.height, np.nan),
        "lower": lower,
        "upper": np.where(np.isinf(upper), np.nan, upper),
    }).with_columns(
        pl.col("upper").fill_nan(None),
        pl.col("share").fill_nan(None),
        bound=pl.Series(BOUNDS, dtype=pl.Enum(BOUNDS)).gather(bound),
    )


def scenarios(areas: pl.DataFrame, pot: int | float | Decimal, *,
              floor: float | str | None = None, ceiling: float | str | None = None,
              damping: float | None = None) -> pl.DataFrame:
    """The allocations a page compares side by side, one after another in a long frame.

    ``scenario`` is "equal", "population", "need" and, when ``areas`` has a ``previous``
    column with any amount in it, "previous" (see the module docstring for each basis),
    all with the same pot and bounds; then ``allocate``'s columns.
    """
    bases = ["equal", "population", "need"]
    if "previous" in areas.columns and areas["previous"].drop_nulls().len():
        bases.append("previous")
    return pl.concat([
        allocate(areas, pot, basis=basis, floor=floor, ceiling=ceiling, damping=damping)
        .select(pl.lit(basis).cast(pl.Enum(BASES)).alias("scenario"), *OUTPUT_COLUMNS)
        for basis in bases])


def most_deprived_fifth(allocations: pl.DataFrame, areas: pl.DataFrame, *,
                        fifth: float = 0.2) -> pl.DataFrame:
    """How much of each scenario goes to the most deprived fifth of the population.

    ``allocations``: ``area``, ``allocation`` and optionally ``scenario`` (as
    ``scenarios`` returns). ``areas``: ``area``, ``population`` and ``need``.

    Method: areas are taken in order of need, highest first, until their cumulative
    population reaches ``fifth`` of the total, as the Indices of Deprivation count "the
    most deprived 20%" by population. The area that straddles the line counts in
    proportion: the share of its population inside the fifth times its allocation
    (so the fifth holds exactly 20% of the people). Areas with equal need form one
    band and share the band's fraction, so the answer does not depend on their order.
    Returns ``scenario``, ``deprived_amount`` (pounds) and ``deprived_share`` (of that
    scenario's total).
    """
    if not 0 < fifth <= 1:
        raise ValueError(f"fifth must be a share between 0 and 1, not {fifth}")
    _require(areas, ["area", "population", "need"], "areas")
    _require(allocations, ["area", "allocation"], "allocations")
    bands = (areas.group_by(pl.col("need").cast(pl.Float64))
             .agg(band_population=pl.col("population").cast(pl.Float64).sum())
             .sort("need", descending=True)
             .with_columns(before=pl.col("band_population").cum_sum()
                           - pl.col("band_population")))
    line = fifth * bands["band_population"].sum()
    bands = bands.with_columns(inside=pl.when(pl.col("band_population") > 0)
                               .then(((line - pl.col("before")) / pl.col("band_population"))
                                     .clip(0.0, 1.0))
                               .otherwise((pl.col("before") < line).cast(pl.Float64)))
    inside = areas.select("area", pl.col("need").cast(pl.Float64)).join(
        bands.select("need", "inside"), on="need", how="left")
    frame = allocations if "scenario" in allocations.columns else allocations.with_columns(
        scenario=pl.lit("allocation"))
    return (frame.join(inside.select("area", "inside"), on="area", how="left")
            .group_by("scenario", maintain_order=True)
            .agg(deprived_amount=(pl.col("allocation") * pl.col("inside").fill_null(0.0)).sum(),
                 total=pl.col("allocation").sum())
            .select("scenario", "deprived_amount",
                    deprived_share=pl.col("deprived_amount") / pl.col("total")))


def _require(frame: pl.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {name} frame lacks column(s) {', '.join(missing)}")


def _check_areas(areas: pl.DataFrame) -> None:
    _require(areas, ["area"], "areas")
    if areas["area"].null_count():
        raise AllocationError("an area has no code")
    if areas["area"].n_unique() == areas.height:
        return
    repeated = areas.filter(pl.col("area").is_duplicated())["area"].unique().sort()
    if repeated.len():
        raise AllocationError(f"area {repeated[0]} appears more than once")


def _numbers(areas: pl.DataFrame, column: str, *, nulls_as: float | None = None) -> np.ndarray:
    """A column as floats, refusing negative, infinite or (unless replaced) missing ones."""
    values = areas[column].cast(pl.Float64).fill_nan(None)
    missing = values.is_null() if nulls_as is None else pl.repeat(False, len(values), eager=True)
    bad = areas.filter(missing | values.is_infinite().fill_null(False)
                       | (values < 0).fill_null(False))
    if nulls_as is not None:
        values = values.fill_null(nulls_as)
    if bad.height:
        row = bad.row(0, named=True)
        value = row[column]
        if value is None:
            raise AllocationError(f"area {row['area']} has no {column}")
        raise AllocationError(f"area {row['area']}: {column} is {value}; it must be a "
                              "number, zero or more")
    return values.to_numpy()


def _weights(areas: pl.DataFrame, basis: str) -> np.ndarray:
    if basis == "equal":
        return np.ones(areas.height)
    if basis == "population":
        _require(areas, ["population"], "areas")
        return _numbers(areas, "population")
    if basis == "previous":
        _require(areas, ["previous"], "areas")
        return _numbers(areas, "previous", nulls_as=0.0)
    _require(areas, ["population", "need"], "areas")
    return _numbers(areas, "population") * _numbers(areas, "need")


def _amounts(areas: pl.DataFrame, value: float | str | None, none: float,
             name: str) -> np.ndarray:
    if value is None:
        return np.full(areas.height, none)
    if isinstance(value, str):
        _require(areas, [value], "areas")
        return _numbers(areas, value, nulls_as=none)
    value = float(value)
    if not value >= 0:
        raise AllocationError(f"the {name} must be zero or more, not {value}")
    return np.full(areas.height, value)


def _bounds(areas, floor, ceiling, damping):
    """Lower and upper bounds, and whether each came from damping."""
    floors = _amounts(areas, floor, 0.0, "floor")
    ceilings = _amounts(areas, ceiling, np.inf, "ceiling")
    if damping is None:
        no = np.zeros(areas.height, dtype=bool)
        return floors, ceilings, no, no
    if not damping >= 0:
        raise AllocationError(f"the damping must be a fraction, zero or more, not {damping}")
    if "previous" not in areas.columns:
        raise AllocationError("damping needs last year's amounts (a previous column)")
    _numbers(areas, "previous", nulls_as=0.0)  # refuses negative and infinite amounts
    previous = areas["previous"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    known = ~np.isnan(previous)
    damped_low = np.where(known, previous * (1 - damping), -np.inf)
    damped_high = np.where(known, previous * (1 + damping), np.inf)
    lower_damped = known & (damped_low >= floors)
    upper_damped = known & (damped_high <= ceilings)
    return (np.maximum(floors, damped_low), np.minimum(ceilings, damped_high),
            lower_damped, upper_damped)


def _check_feasible(codes: pl.Series, pot: int, weight, lower, upper, floor, ceiling,
                    damping) -> None:
    crossed = np.flatnonzero(lower > upper)
    if crossed.size:
        i = crossed[0]
        more = "" if crossed.size == 1 else f" (and {_count(crossed.size - 1, 'more area')})"
        raise AllocationError(
            f"Area {codes[int(i)]}: the lowest amount allowed, {_money(lower[i])}, is above "
            f"the highest, {_money(upper[i])}{more}.")
    lowest = lower.sum()
    if lowest > pot:
        what = _bounds_named("lowest", "the floors", floor, f"less {_percent(damping)}",
                             damping)
        raise AllocationError(f"{what} add up to {_money(lowest)}, more than the pot of "
                              f"{_money(pot)}.")
    weighted = weight > 0 if (weight > 0).any() else np.ones(len(weight), dtype=bool)
    highest = np.where(weighted, upper, lower).sum()
    if highest < pot:
        what = _bounds_named("highest", "the ceilings", ceiling, f"plus {_percent(damping)}",
                             damping)
        unweighted = int((~weighted).sum())
        zero = "" if not unweighted else (
            f", counting {_count(unweighted, 'area')} of zero weight at "
            f"{'its floor' if unweighted == 1 else 'their floors'}")
        raise AllocationError(f"{what} add up to {_money(highest)}{zero}, less than the pot "
                              f"of {_money(pot)}.")


def _bounds_named(end: str, given: str, value, change: str, damping) -> str:
    """The bounds at work, in words: the floors, last year's amounts less 5%, or both."""
    damped = f"last year's amounts {change}"
    if damping is None:
        return given[0].upper() + given[1:]
    if value is None:
        return damped[0].upper() + damped[1:]
    return f"The {end} amounts allowed ({given}, and {damped})"


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def _clamped_amounts(weight: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                     pot: int) -> np.ndarray:
    """clamp(λw, lower, upper) with Σ = pot, λ found on the sorted breakpoints."""
    live = weight > 0
    w, lo = weight[live], lower[live]
    # No amount can exceed the pot, so a cap above it changes nothing; capping every area
    # at the pot keeps every breakpoint finite.
    up = np.minimum(upper[live], pot)
    fixed = lower[~live].sum()
    leaves_lower, reaches_upper = lo / w, up / w
    breakpoints = np.unique(np.concatenate([leaves_lower, reaches_upper]))

    def total(multiplier: float) -> float:
        return np.clip(multiplier * w, lo, up).sum() + fixed

    # The first breakpoint at which S reaches the pot, by binary search over the sorted
    # breakpoints; S is summed afresh at each probe, so no running sum can cancel.
    first, last = 0, len(breakpoints) - 1
    while first < last:
        middle = (first + last) // 2
        first, last = (middle + 1, last) if total(breakpoints[middle]) < pot else (first, middle)
    if first == 0:
        multiplier = breakpoints[0] if len(breakpoints) else 0.0
    else:
        # On the piece between the two breakpoints S is linear: the areas held at a bound
        # give their bound, and the free ones share the rest in proportion to weight.
        start, end = breakpoints[first - 1], breakpoints[first]
        free = (leaves_lower <= start) & (reaches_upper >= end)
        held = np.where(reaches_upper <= start, up, lo)[~free].sum() + fixed
        free_weight = w[free].sum()
        multiplier = (pot - held) / free_weight if free_weight > 0 else end
        multiplier = min(max(multiplier, start), end)
    amounts = lower.copy()
    amounts[live] = np.clip(multiplier * w, lo, up)
    between = live & (amounts > lower) & (amounts < upper)
    if between.any():
        # Share the float residue over the areas between their bounds.
        residue = pot - amounts.sum()
        share = weight[between] / weight[between].sum()
        amounts[between] = np.clip(amounts[between] + residue * share, lower[between],
                                   np.minimum(upper[between], pot))
    return amounts


def _whole_pounds(pot) -> int:
    try:
        value = Decimal(str(pot))
    except ArithmeticError:
        raise AllocationError(f"the pot must be a number of pounds, not {pot!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise AllocationError(f"the pot must be a whole number of pounds, not {pot}")
    if value < 0:
        raise AllocationError(f"the pot must be zero or more, not {pot}")
    return int(value)


def _money(amount: float) -> str:
    """Pounds as people write them: £800,000, or £1,234.56 where there are pence."""
    pence = round(float(amount) * 100)
    if pence % 100 == 0:
        return f"£{pence // 100:,}"
    return f"£{pence / 100:,.2f}"


def _percent(fraction: float | None) -> str:
    return "" if fraction is None else f"{fraction * 100:g}%"
