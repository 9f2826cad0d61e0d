"""The measured impact of an operation on its target areas: matched difference in differences.

A multi-agency operation (Gateshead's Operation Goldfinch, say) works a few neighbourhoods
for a fortnight. Its impact on a count (anti-social behaviour, crime) is measured against
comparison areas that were like the targets before it started.

Periods
    Counts are by area and month. The months *before* are the months in the counts before
    the operation's first month (the last ``pre_months`` of them, if given); the months
    *during* run from its first to its last month inclusive. Months after it are not used.
    An area with no row for a month that appears in the counts recorded nothing that month
    (police.uk lists only areas with records); rows for the same area and month add up, so
    counts by crime type can be given as they are.

Matching (Abadie & Imbens, "Large sample properties of matching estimators", Econometrica
2006, §2: nearest neighbours, with replacement, on the normalised Euclidean distance)
    Each target gets its ``matches`` nearest areas among the areas that are not targets,
    on two features each divided by its standard deviation across all areas: the log of
    the monthly mean count before (log(mean + ½), so that an area with none has a value),
    and the deprivation (e.g. IMD rank or decile) if the counts carry it. Only counts from
    before the operation are used. A feature with no spread is left out. Ties go to the
    lower area code. Matching on the outcome's own level before means that if the targets
    were picked for a bad spell, the comparison areas share it and regress alike (Ryan,
    Burgess & Dimick, Health Services Research 2015); it is no cure when they were not.

Estimate (Angrist & Pischke, "Mostly Harmless Econometrics", 2009, §5.2: difference in
differences; on the log scale, for counts)
    T is the targets' total; C the comparison total, each comparison area weighing
    (times matched) / ``matches``, so that C is on the scale of T. With "before" and
    "during" totals, the estimate is (T_during / T_before) / (C_during / C_before) − 1:
    −0.25 is a quarter fewer than had the targets moved as their comparison did. It is
    the Poisson maximum-likelihood estimate of the target × during term in a log-linear
    model with a term for every area and one for "during", fitted to each area's totals
    before and during.

Interval (quasi-Poisson; McCullagh & Nelder, "Generalized Linear Models", 1989, §6.2;
Bertrand, Duflo & Mullainathan, QJE 2004, on serial correlation)
    Months within an area are correlated, so the monthly counts are first collapsed into
    each area's totals before and during, as Bertrand et al. recommend; what is left
    cannot be serially correlated. Given an area's total n = before + during, its count
    during is binomial with a share π_g common to its group under the model, and
    overdispersed by φ. Then Var(log-estimate) = φ Σ_g Σ_i w_i² n_i / (N_g² π_g (1 − π_g))
    with N_g = Σ_i w_i n_i (with all weights 1 this is φ (1/T_b + 1/T_d + 1/C_b + 1/C_d)).
    φ is the Pearson χ² of the distinct areas of the matched sample with counts, over
    their number less 2, never below 1; estimating it on the matched sample, where the
    areas are alike in size, keeps "variance in proportion to the mean" a local
    assumption. The 95% interval is the log-estimate ± t(df) × se, with df that number
    less 2, turned back into a relative change. Pooling φ over the comparison areas lets
    the interval hold with few targets, where clustering by area could not (Conley &
    Taber, REStat 2011).

Fit before (``pre_fit``)
    The root mean square of the monthly log ratio log((T_m + ½) / (C_m + ½)) about its
    mean over the months before: how closely the comparison tracked the target, e.g.
    0.08 is to within about 8% a month. None with fewer than two months before.
    ``pre_correlation`` is the Pearson correlation of the monthly log(count + ½) of the
    two, None with fewer than three months or no variation.

Refusals (``ImpactError``): a column missing; no months before or during; a target not in
the counts; fewer areas that are not targets than ``matches``; negative counts; a missing
or varying deprivation; totals of zero, which the log scale cannot take.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

METHOD = ("matched difference in differences, ratio of ratios; quasi-Poisson interval on "
          "area totals before and during")
BLOCK = 4_000_000  # distances computed at once: targets × candidates per block


class ImpactError(ValueError):
    """An impact that cannot be measured as asked, saying what is wrong."""


@dataclass(frozen=True)
class Design:
    areas: list[str]
    months: list[dt.date]
    counts: np.ndarray        # areas × months
    phase: np.ndarray         # per month: "earlier", "before", "during" or "after"
    targets: np.ndarray       # indices into areas
    pairs: np.ndarray         # (target index, comparison index, rank) per match
    distances: np.ndarray
    weight: np.ndarray        # per area: 1 for targets, times matched / matches otherwise


def month(value: str | dt.date, what: str) -> dt.date:
    """A month from ``YYYY-MM`` (or ``YYYY-MM-DD``) or a date, as its first day."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value).strip()
    for pattern in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date().replace(day=1)
        except ValueError:
            pass
    raise ImpactError(f"the {what} {value!r} is not a month (YYYY-MM)")


def months_of(periods: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The period column as the first day of its month."""
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return periods.cast(pl.Date).dt.truncate("1mo")
    text = periods.cast(pl.String).str.strip_chars()
    return pl.coalesce(text.str.strptime(pl.Date, "%Y-%m", strict=False),
                       text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
                       ).dt.truncate("1mo")


def design(counts: pl.DataFrame, targets: Iterable[str], start, end, *, matches: int = 5,
           pre_months: int | None = None) -> Design:
    """Check the input, lay the counts out as areas × months, and match the targets."""
    for column in ("area", "period", "count"):
        if column not in counts.columns:
            raise ImpactError(f"the counts have no {column} column")
    if not (isinstance(matches, int) and matches >= 1):
        raise ImpactError(f"matches must be a whole number, 1 or more, not {matches!r}")
    if pre_months is not None and not (isinstance(pre_months, int) and pre_months >= 1):
        raise ImpactError(f"pre_months must be a whole number, 1 or more, not {pre_months!r}")
    first, last = month(start, "start"), month(end, "end")
    if last < first:
        raise ImpactError(f"the operation ends ({last:%Y-%m}) before it starts "
                          f"({first:%Y-%m})")
    frame = counts.select(pl.col("area").cast(pl.String),
                          months_of(pl.col("period"), counts.schema["period"]).alias("month"),
                          pl.col("count").cast(pl.Float64),
                          period=pl.col("period"))
    _refuse_bad_rows(frame)
    areas = frame["area"].unique().sort()
    months = frame["month"].unique().sort()
    wanted = list(dict.fromkeys(str(t) for t in targets))
    if not wanted:
        raise ImpactError("there are no target areas")
    missing = sorted(set(wanted) - set(areas.to_list()))
    if missing:
        raise ImpactError(f"target areas not in the counts: {', '.join(missing)}")
    month_values = months.to_numpy()
    phase = np.where(month_values < np.datetime64(first), "before",
                     np.where(month_values <= np.datetime64(last), "during", "after")
                     ).astype(object)
    before = np.flatnonzero(phase == "before")
    if pre_months is not None and before.size > pre_months:
        phase[before[:-pre_months]] = "earlier"
    if not (phase == "before").any():
        raise ImpactError(f"no counts before the operation starts in {first:%Y-%m}: the "
                          f"first month in the counts is {months[0]:%Y-%m}")
    if not (phase == "during").any():
        raise ImpactError(f"no counts during the operation, {first:%Y-%m} to {last:%Y-%m}")
    candidates = areas.len() - len(wanted)
    if candidates < matches:
        raise ImpactError(f"{matches} comparison areas are needed for each target, but only "
                          f"{candidates} areas in the counts are not targets")
    area_index = frame["area"].replace_strict(areas, pl.int_range(areas.len(), eager=True),
                                              return_dtype=pl.Int64).to_numpy()
    month_index = frame["month"].replace_strict(
        months, pl.int_range(months.len(), eager=True), return_dtype=pl.Int64).to_numpy()
    grid = np.bincount(area_index * months.len() + month_index,
                       weights=frame["count"].to_numpy(),
                       minlength=areas.len() * months.len()).reshape(areas.len(), -1)
    is_target = areas.is_in(wanted).to_numpy()
    features = [np.log(grid[:, phase == "before"].mean(axis=1) + 0.5)]
    if "deprivation" in counts.columns:
        features.append(_deprivation(counts, areas))
    pairs, distances = _nearest(np.column_stack(features), is_target, matches)
    weight = np.where(is_target, 1.0,
                      np.bincount(pairs[:, 1], minlength=areas.len()) / matches)
    return Design(areas.to_list(), months.to_list(), grid, phase.astype(str),
                  np.flatnonzero(is_target), pairs, distances, weight)


def _refuse_bad_rows(frame: pl.DataFrame) -> None:
    def first_of(rows: pl.DataFrame) -> str:
        row = rows.row(0, named=True)
        return f"{rows.height} row{'s' if rows.height > 1 else ''}, the first for area " \
               f"{row['area']} in {row['period']}"

    if (nameless := frame.filter(pl.col("area").is_null() | (pl.col("area") == ""))).height:
        raise ImpactError(f"rows with no area: {nameless.height}")
    if (undated := frame.filter(pl.col("month").is_null())).height:
        raise ImpactError(f"periods that are not months (YYYY-MM): {first_of(undated)}")
    if (uncounted := frame.filter(~pl.col("count").is_finite().fill_null(False))).height:
        raise ImpactError(f"rows with no count: {first_of(uncounted)}")
    if (negative := frame.filter(pl.col("count") < 0)).height:
        raise ImpactError(f"negative counts: {first_of(negative)} "
                          f"({negative['count'][0]:g})")


def _deprivation(counts: pl.DataFrame, areas: pl.Series) -> np.ndarray:
    per_area = counts.group_by(pl.col("area").cast(pl.String)).agg(
        lowest=pl.col("deprivation").cast(pl.Float64).min(),
        highest=pl.col("deprivation").cast(pl.Float64).max(),
        gaps=pl.col("deprivation").cast(pl.Float64).is_null().sum()
        + pl.col("deprivation").cast(pl.Float64).is_nan().sum())
    lacking = per_area.filter(pl.col("gaps") > 0)["area"].sort()
    if lacking.len():
        raise ImpactError(f"no deprivation for {lacking.len()} areas, the first "
                          f"{lacking[0]}")
    varying = per_area.filter(pl.col("lowest") != pl.col("highest"))["area"].sort()
    if varying.len():
        raise ImpactError(f"the deprivation of an area must be the same in every row; it "
                          f"varies for {varying.len()} areas, the first {varying[0]}")
    return pl.DataFrame({"area": areas}).join(per_area, on="area", how="left")[
        "lowest"].to_numpy()


def _nearest(features: np.ndarray, is_target: np.ndarray, matches: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Each target's nearest non-targets: (target, comparison, rank) and the distances."""
    spread = features.std(axis=0, ddof=1) if len(features) > 1 else np.zeros(features.shape[1])
    used = spread > 0
    scaled = features[:, used] / spread[used]
    targets, others = np.flatnonzero(is_target), np.flatnonzero(~is_target)
    step = max(1, BLOCK // max(1, others.size))
    pairs, distances = [], []
    for begin in range(0, targets.size, step):
        block = targets[begin:begin + step]
        gaps = ((scaled[block, None, :] - scaled[None, others, :]) ** 2).sum(axis=2)
        kth = np.partition(gaps, matches - 1, axis=1)[:, matches - 1:matches]
        rows, cols = np.nonzero(gaps <= kth)
        order = np.lexsort((cols, gaps[rows, cols], rows))
        rows, cols = rows[order], cols[order]
        rank = np.arange(rows.size) - np.searchsorted(rows, rows)
        keep = rank < matches
        pairs.append(np.column_stack([block[rows[keep]], others[cols[keep]], rank[keep] + 1]))
        distances.append(np.sqrt(gaps[rows[keep], cols[keep]]))
    return np.concatenate(pairs), np.concatenate(distances)


def matched(counts: pl.DataFrame, targets: Iterable[str], start, end, *, matches: int = 5,
            pre_months: int | None = None) -> pl.DataFrame:
    """The comparison areas of each target: ``target, comparison, rank, distance``."""
    d = design(counts, targets, start, end, matches=matches, pre_months=pre_months)
    names = np.array(d.areas, dtype=object)
    return pl.DataFrame({"target": names[d.pairs[:, 0]], "comparison": names[d.pairs[:, 1]],
                         "rank": d.pairs[:, 2], "distance": d.distances})


def impact_series(counts: pl.DataFrame, targets: Iterable[str], start, end, *,
                  matches: int = 5, pre_months: int | None = None) -> pl.DataFrame:
    """The targets against their comparison month by month, for a chart.

    ``period`` (first day of the month), ``phase`` (earlier, before, during, after),
    ``target`` (the targets' total), ``comparison`` (the comparison areas, each weighing
    times matched / matches, so on the scale of the targets) and ``expected``: the
    comparison × T_before / C_before, what the targets would have recorded had they moved
    as their comparison did.
    """
    d = design(counts, targets, start, end, matches=matches, pre_months=pre_months)
    return _series(d)


def _series(d: Design) -> pl.DataFrame:
    is_target = np.zeros(len(d.areas), bool)
    is_target[d.targets] = True
    target = d.counts[is_target].sum(axis=0)
    comparison = np.where(is_target, 0.0, d.weight) @ d.counts
    before = d.phase == "before"
    scale = target[before].sum() / comparison[before].sum() \
        if comparison[before].sum() > 0 else math.nan
    return pl.DataFrame({"period": d.months, "phase": d.phase, "target": target,
                         "comparison": comparison, "expected": comparison * scale})


def measure_impact(counts: pl.DataFrame, targets: Iterable[str], start, end, *,
                   matches: int = 5, pre_months: int | None = None,
                   confidence: float = 0.95) -> pl.DataFrame:
    """The operation's estimated relative change, its interval and the fit before: one row.

    ``estimate, lower95, upper95, comparison_areas, pre_fit, pre_correlation,
    target_areas, matches, months_before, months_during, target_before, target_during,
    comparison_before, comparison_during, overdispersion, degrees_of_freedom, method``
    (the interval columns keep their names at any ``confidence``).
    """
    if not 0 < confidence < 1:
        raise ImpactError(f"confidence must be between 0 and 1, not {confidence}")
    d = design(counts, targets, start, end, matches=matches, pre_months=pre_months)
    before = d.counts[:, d.phase == "before"].sum(axis=1)
    during = d.counts[:, d.phase == "during"].sum(axis=1)
    is_target = np.zeros(len(d.areas), bool)
    is_target[d.targets] = True
    in_sample = d.weight > 0
    groups = {"target": is_target, "comparison": in_sample & ~is_target}
    totals, variance, chi2 = {}, 0.0, 0.0
    for name, member in groups.items():
        w = d.weight[member]
        b, t = float(w @ before[member]), float(w @ during[member])
        for total, when in ((b, "before"), (t, "during")):
            if total <= 0:
                raise ImpactError(f"the {name} areas recorded nothing {when} the operation; "
                                  "a change from or to nothing has no ratio")
        n = before[member] + during[member]
        share = t / (b + t)
        variance += float(w**2 @ n) / ((b + t) ** 2 * share * (1 - share))
        counted = n > 0
        chi2 += float((((during[member] - n * share) ** 2)[counted]
                       / (n[counted] * share * (1 - share))).sum())
        totals[name] = (b, t)
    areas_counted = int((in_sample & (before + during > 0)).sum())
    df = areas_counted - 2
    if df < 1:
        raise ImpactError(f"only {areas_counted} areas of the matched sample have counts; "
                          "at least 3 are needed to estimate the overdispersion")
    dispersion = chi2 / df
    (tb, tt), (cb, ct) = totals["target"], totals["comparison"]
    log_ratio = math.log(tt / tb) - math.log(ct / cb)
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(
        max(1.0, dispersion) * variance)
    fit, correlation = _fit_before(_series(d))
    return pl.DataFrame([{
        "estimate": math.expm1(log_ratio), "lower95": math.expm1(log_ratio - half),
        "upper95": math.expm1(log_ratio + half),
        "comparison_areas": int((in_sample & ~is_target).sum()), "pre_fit": fit,
        "pre_correlation": correlation, "target_areas": int(is_target.sum()),
        "matches": matches, "months_before": int((d.phase == "before").sum()),
        "months_during": int((d.phase == "during").sum()), "target_before": tb,
        "target_during": tt, "comparison_before": cb, "comparison_during": ct,
        "overdispersion": dispersion, "degrees_of_freedom": df, "method": METHOD}],
        schema_overrides={"pre_fit": pl.Float64, "pre_correlation": pl.Float64})


def _fit_before(series: pl.DataFrame) -> tuple[float | None, float | None]:
    before = series.filter(pl.col("phase") == "before")
    target = np.log(before["target"].to_numpy() + 0.5)
    comparison = np.log(before["comparison"].to_numpy() + 0.5)
    fit = None
    if before.height >= 2:
        ratio = target - comparison
        fit = float(np.sqrt(np.mean((ratio - ratio.mean()) ** 2)))
    correlation = None
    if before.height >= 3 and target.std() > 0 and comparison.std() > 0:
        correlation = float(np.corrcoef(target, comparison)[0, 1])
    return fit, correlation
