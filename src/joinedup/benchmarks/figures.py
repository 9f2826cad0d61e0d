"""An indicator's benchmark: where the partnership's area stands among its statistical
neighbours and among every area of its kind, from the published comparison figures.

The statistics are ``joinedup.core.benchmarking``'s, unchanged (see its docstring and
``docs/benchmarks.md``); this module turns the stored figures and neighbours into its
frames and picks out the partnership's own area:

- rank and quartile of the area's latest figure, among its neighbours and itself, and
  among every area of the set, rank 1 the best by the indicator's polarity;
- a funnel plot of the latest period with numerators and denominators, around England's
  figure (published, or else pooled), with 95% and 99.8% limits: exact binomial for a
  percentage, exact Poisson for a rate "per N"; none for other units, or without counts;
- the area's own figures against the mean of its neighbours' figures, period by period,
  with England's beside them, and the slope of each over the last five periods.

The pages, the API and ``joinedup benchmark`` all read ``benchmark_for``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from joinedup.benchmarks.models import ENGLAND, ComparisonFigure, Member, Neighbour
from joinedup.core.benchmarking import (
    METHODS,
    count_limits,
    funnel_plot,
    neighbours_trend,
    rank_and_quartile,
    trend_slopes,
)
from joinedup.strategy.models import Indicator, Strategy

#: The funnel's method named plainly, beside the core's fuller wording.
METHOD_NAMES = {"proportion": "exact binomial", "rate": "Poisson"}
LINE_POINTS = 80


@dataclass
class Funnel:
    period: str
    measure: str
    multiplier: float
    benchmark: float
    benchmark_source: str
    method: str
    method_detail: str
    points: list[dict]
    lines: list[dict]


@dataclass
class Benchmark:
    indicator: Indicator
    neighbour_set: object
    home: str | None
    names: dict[str, str]
    neighbours: list[dict] = field(default_factory=list)
    ranks: list[dict] = field(default_factory=list)
    funnel: Funnel | None = None
    funnel_reason: str = ""
    trend: list[dict] = field(default_factory=list)
    slopes: dict | None = None

    @property
    def home_name(self) -> str:
        return self.names.get(self.home, self.home or "")


def home_area_code() -> str | None:
    strategy = Strategy.objects.home()
    return strategy.area.code if strategy is not None else None


def measure_of(unit: str) -> tuple[str, float] | None:
    """("proportion", 100) for a percentage, ("rate", N) for "per N"; None otherwise."""
    text = unit.strip().lower()
    if text.startswith("%"):
        return "proportion", 100.0
    found = re.fullmatch(r"per\s+(\d[\d,]*|thousand|million)", text)
    if found is None:
        return None
    word = found.group(1)
    return "rate", {"thousand": 1e3, "million": 1e6}.get(word) or float(word.replace(",", ""))


def with_figures(indicators):
    """The indicators among ``indicators`` that have comparison figures."""
    return indicators.filter(pk__in=ComparisonFigure.objects.values("indicator_id"))


def benchmark_for(indicator: Indicator, home: str | None = None) -> Benchmark | None:
    """The indicator's benchmark, or None if it has no comparison figures. The caller
    has already checked that the person may see the indicator."""
    figures = list(ComparisonFigure.objects.filter(indicator=indicator)
                   .select_related("neighbour_set").order_by("area", "period_start"))
    if not figures:
        return None
    chosen = figures[0].neighbour_set
    home = home or home_area_code()
    names = dict(Member.objects.filter(neighbour_set=chosen).values_list("code", "name"))
    names[ENGLAND] = "England"
    labels = {f.period_start: f.period for f in figures}
    values = pl.DataFrame({
        "indicator": [indicator.code] * len(figures),
        "area": [f.area for f in figures],
        "period_start": [f.period_start for f in figures],
        "value": [f.value for f in figures],
        "numerator": [f.numerator for f in figures],
        "denominator": [f.denominator for f in figures],
    }, schema={"indicator": pl.String, "area": pl.String, "period_start": pl.Date,
               "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64})
    neighbours = pl.DataFrame(
        list(Neighbour.objects.filter(neighbour_set=chosen)
             .values_list("area", "neighbour", "rank", "distance")),
        schema={"area": pl.String, "neighbour": pl.String, "rank": pl.Int32,
                "distance": pl.Float64}, orient="row")
    found = Benchmark(indicator=indicator, neighbour_set=chosen, home=home, names=names)
    if home is None or neighbours.is_empty() or home not in names:
        found.funnel_reason = "The partnership's area is not one of the set's areas."
        return found
    found.neighbours = [
        {"rank": rank, "code": code, "name": names.get(code, code), "distance": distance}
        for code, rank, distance in neighbours.filter(pl.col("area") == home)
        .sort("rank").select("neighbour", "rank", "distance").iter_rows()]
    found.ranks = _ranks(values, neighbours, indicator, home, labels)
    found.trend, found.slopes = _trend(values, neighbours, home, labels)
    found.funnel, found.funnel_reason = _funnel(values, neighbours, indicator, labels, names)
    return found


def _ranks(values, neighbours, indicator, home, labels) -> list[dict]:
    polarity = pl.DataFrame({"indicator": [indicator.code], "polarity": [indicator.polarity]})
    ranked = rank_and_quartile(values, neighbours, polarity).filter(pl.col("area") == home)
    return [{**row, "period": labels[row["period_start"]]}
            for row in ranked.sort("comparison", descending=True).iter_rows(named=True)]


def _trend(values, neighbours, home, labels) -> tuple[list[dict], dict | None]:
    trend = neighbours_trend(values, neighbours)
    england = dict(values.filter(pl.col("area") == ENGLAND)
                   .select("period_start", "value").iter_rows())
    rows = [{**row, "period": labels[row["period_start"]],
             "england": england.get(row["period_start"])}
            for row in trend.filter(pl.col("area") == home).iter_rows(named=True)]
    slopes = trend_slopes(trend).filter(pl.col("area") == home).to_dicts()
    return rows, (slopes[0] if slopes else None)


def _funnel(values, neighbours, indicator, labels, names) -> tuple[Funnel | None, str]:
    measured = measure_of(indicator.unit)
    if measured is None:
        return None, (f"No funnel plot: the unit ({indicator.unit}) is neither a percentage "
                      "nor a rate per a number of people.")
    counted = values.filter(pl.col("numerator").is_not_null()
                            & pl.col("denominator").is_not_null()
                            & (pl.col("area") != ENGLAND))
    if counted.is_empty():
        return None, ("No funnel plot: the published figures give no numerators and "
                      "denominators, and a funnel needs both.")
    measure, multiplier = measured
    latest = counted["period_start"].max()
    period = values.filter(pl.col("period_start") == latest)
    published = period.filter(pl.col("area") == ENGLAND)["value"]
    benchmarks = (pl.DataFrame({"indicator": [indicator.code], "period_start": [latest],
                                "benchmark": [published[0]]}) if published.len() else None)
    measures = pl.DataFrame({"indicator": [indicator.code], "measure": [measure],
                             "multiplier": [multiplier]})
    points = (funnel_plot(period, neighbours, measures, benchmarks)
              .filter((pl.col("comparator") == "england") & pl.col("band").ne("none")))
    if points.is_empty():
        return None, "No funnel plot: no area has figures the limits can be drawn for."
    benchmark = float(points["benchmark"][0])
    return Funnel(
        period=labels[latest], measure=measure, multiplier=multiplier, benchmark=benchmark,
        benchmark_source="England's published figure" if benchmarks is not None
        else "England pooled: every area's numerators over their denominators",
        method=METHOD_NAMES[measure], method_detail=METHODS[measure],
        points=[{**row, "name": names.get(row["area"], row["area"])}
                for row in points.sort("denominator", "area").iter_rows(named=True)],
        lines=limit_lines(measure, multiplier, benchmark, points["denominator"].to_numpy()),
    ), ""


def limit_lines(measure: str, multiplier: float, benchmark: float,
                denominators: np.ndarray) -> list[dict]:
    """The funnel's lines: each limit at ``LINE_POINTS`` denominators spread evenly on a
    log scale over the points' range (whole numbers for a proportion)."""
    low, high = float(np.min(denominators)), float(np.max(denominators))
    grid = np.geomspace(max(low * 0.9, 1.0), high * 1.1, LINE_POINTS)
    if measure == "proportion":
        grid = np.unique(np.round(grid))
    limits = count_limits(measure, grid, np.full(grid.shape, benchmark / multiplier))
    return [{"denominator": float(n), "limit": name, "value": float(limits[name][i] / n
                                                                        * multiplier)}
            for name in limits for i, n in enumerate(grid)]
