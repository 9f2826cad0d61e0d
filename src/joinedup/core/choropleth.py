"""Choropleth classes: where the breaks between shades fall, which shade each class gets,
and LSOA figures summed or averaged up to wards.

Classing is mapclassify's (Rey, Stephens and Laura, "mapclassify: Classification Schemes
for Choropleth Maps", PySAL):

- **quantiles** (``mapclassify.Quantiles``): equal-count classes, each break the
  percentile of the figures at i/k with linear interpolation;
- **natural breaks** (``mapclassify.FisherJenks``): Jenks's breaks found exactly by
  Fisher's method, the classes that make the figures within each as alike as possible.
  (mapclassify's ``NaturalBreaks`` starts from random seeds, so the same figures could
  give different maps; Fisher's method always gives the same one.)

A class is every figure above the previous break and at most its own; the last break is
the highest figure. A break that is a figure but for floating-point rounding (a percentile
interpolated between two equal neighbours) is made that figure, so the figure stays in the
class the break closes. A map never has more classes than distinct figures, and a class no
figure falls in (ties can leave one) is merged into the next.

Shades are ColorBrewer's single-hue sequential "Blues" (Brewer and Harrower,
colorbrewer2.org), which stay in order for every common kind of colour blindness and in
greyscale. Darker is worse: for a higher-is-better indicator the lowest class is darkest;
for a lower-is-better one the highest; with no judgement, darker is higher.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

METHODS = {
    "quantiles": "Quantiles (equal numbers of areas in each class)",
    "natural_breaks": "Natural breaks (Jenks, by Fisher's exact method)",
}
DEFAULT_CLASSES = 5
FEWEST_CLASSES, MOST_CLASSES = 2, 7

#: ColorBrewer "Blues", light to dark, for each number of classes.
BLUES = {
    1: ["#6baed6"],
    2: ["#deebf7", "#3182bd"],
    3: ["#deebf7", "#9ecae1", "#3182bd"],
    4: ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"],
    5: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    6: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
    7: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
}


@dataclass(frozen=True)
class Classes:
    """The classes of some figures: ``breaks`` are the upper edges, lowest class first
    (the last is the highest figure); ``of`` is each figure's class (0 is the lowest), in
    the order the figures came."""

    method: str
    breaks: tuple[float, ...]
    lowest: float
    of: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.breaks)

    def bounds(self) -> list[tuple[float, float]]:
        """Each class's lowest possible and highest figure, as the legend states them."""
        lows = [self.lowest, *self.breaks[:-1]]
        return list(zip(lows, self.breaks))


def classify(values, method: str = "quantiles", k: int = DEFAULT_CLASSES) -> Classes:
    """Classes of ``values`` (at least one figure) by ``method``, at most ``k`` of them."""
    if method not in METHODS:
        raise ValueError(f"unknown classing method {method!r}; use one of {sorted(METHODS)}")
    y = np.asarray(values, dtype=float)
    if y.size == 0:
        raise ValueError("there are no figures to classify")
    k = max(1, min(int(k), MOST_CLASSES, int(np.unique(y).size)))
    if k == 1:
        return Classes(method, (float(y.max()),), float(y.min()), (0,) * y.size)
    with warnings.catch_warnings():
        # mapclassify warns that it runs without numba, and when it lowers k itself.
        warnings.simplefilter("ignore")
        import mapclassify

        scheme = mapclassify.Quantiles if method == "quantiles" else mapclassify.FisherJenks
        found = scheme(y, k=k)
    bins = _snapped(np.asarray(found.bins, dtype=float), y)
    of = np.minimum(np.searchsorted(bins, y, side="left"), bins.size - 1)
    used = np.unique(of)
    renumber = np.full(bins.size, -1)
    renumber[used] = np.arange(used.size)
    return Classes(method, tuple(float(b) for b in bins[used]), float(y.min()),
                   tuple(int(c) for c in renumber[of]))


def _snapped(bins: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Breaks that are one of the figures but for rounding (an interpolated percentile
    that lands on a figure) made exactly that figure, so the figure falls in the class
    the break closes, as it should, and not in the next."""
    ordered = np.unique(y)
    nearest = ordered[np.clip(np.searchsorted(ordered, bins), 0, ordered.size - 1)]
    below = ordered[np.clip(np.searchsorted(ordered, bins) - 1, 0, ordered.size - 1)]
    for candidates in (nearest, below):
        close = np.abs(candidates - bins) <= 1e-9 * np.maximum(1.0, np.abs(bins))
        bins = np.where(close, candidates, bins)
    return bins


def class_colours(count: int, polarity: str) -> list[str]:
    """The shade of each class, lowest class first: darker is worse (see the module)."""
    shades = list(BLUES[count])
    return shades[::-1] if polarity == "up" else shades


def darker_means(polarity: str) -> str:
    return {"up": "worse (lower, where higher is better)",
            "down": "worse (higher, where lower is better)"}.get(
        polarity, "higher (the indicator makes no judgement of better or worse)")


# --- LSOAs to wards ---------------------------------------------------------------------

#: Units of counts, which add up; anything else (percentages, rates, scores, years,
#: averages) is averaged, weighted by population.
COUNT_UNITS = ("people", "persons", "residents", "number", "count", "households",
               "crimes", "offences", "incidents", "admissions", "births", "deaths",
               "dwellings", "homes", "children", "pupils", "claimants", "jobs")


def aggregation_for(unit: str) -> str:
    """``"sum"`` for a count, ``"mean"`` (population-weighted) for a rate or share."""
    words = unit.lower().replace(",", " ").split()
    if not words or "%" in unit or "per" in words or "a" in words or "rate" in words:
        return "mean"
    return "sum" if words[0] in COUNT_UNITS or words[-1] in COUNT_UNITS else "mean"


def lsoas_to_wards(lsoas: pl.DataFrame, how: str) -> pl.DataFrame:
    """Each ward's figure from its LSOAs'.

    ``lsoas``: one row per LSOA of the wards, ``ward``, ``value`` (null where the LSOA
    has no figure) and ``population``. ``how``: ``"sum"`` or ``"mean"`` (weighted by
    population). A ward gets a figure only when every one of its LSOAs has one (and, for
    a mean, a population), so no ward's figure stands for part of it. Returns ``ward``,
    ``value`` (null where there is none) and ``lsoas``, one row per ward, by ward.
    """
    complete = pl.col("value").is_not_null().all()
    if how == "sum":
        value = pl.when(complete).then(pl.col("value").sum())
    elif how == "mean":
        weight = pl.col("population").cast(pl.Float64)
        complete = complete & weight.is_not_null().all() & (weight.sum() > 0)
        value = pl.when(complete).then((pl.col("value") * weight).sum() / weight.sum())
    else:
        raise ValueError(f"unknown aggregation {how!r}; use 'sum' or 'mean'")
    return (lsoas.group_by("ward")
            .agg(value.alias("value"), pl.len().alias("lsoas"))
            .sort("ward"))
