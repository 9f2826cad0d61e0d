"""Apportionment: spreading a known total over smaller areas by a stated base.

A partner who knows only what it spends in a district (say £1.2m on youth services in
Gateshead) spreads that total over the district's wards in proportion to a base: the
wards' populations, a need index, or an indicator's numerator such as caseload. The
figure that results is an estimate made by a stated method, so the method travels with
it: every output row carries ``method`` ("population", "need", "caseload: Children in
need" …), to be shown wherever the figure is.

Method
    Each total T is spread over the areas i that share its key, with base values b_i:
    the exact share is q_i = |T| × b_i / Σb. Amounts are in whole pence, rounded by the
    largest remainder method (Hamilton's method; Balinski & Young, "Fair Representation",
    2nd ed. 2001, ch. 2): every area first gets ⌊q_i⌋, and the pence still short of the
    total go one each to the areas with the largest fractional parts q_i − ⌊q_i⌋, ties
    going to the lower area code. So the amounts add up to the total exactly, to the
    penny, and no amount is more than a penny from its exact share. A negative total (an
    income, a saving) is spread by its size and given its sign back, so rounding treats
    credits and debits alike.

Exactness
    Totals are integers (pence) throughout. The exact shares are computed in binary
    floating point: the base sum, each base's fraction of it and the product with the
    total each round, so over n areas the shares add up to |T| within (n + 1) × 2⁻⁵³ × |T|.
    While |T| × (n + 1) < 2⁵³, which ``apportion`` enforces (£1bn over 900,000 areas is
    well inside it), that error is under a penny: the whole parts then never exceed the
    total, and the pence short of it never outnumber the areas with a fractional part, so
    the rounding above keeps every total exactly.

Refusals
    A total whose key has no areas in the base, or whose areas' bases add up to zero, is
    refused with a message naming it; so are negative or missing base values and
    repeated areas within one key.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

EXACT_BELOW = 2**53  # |total| × (areas + 1) must stay below this; see "Exactness"


class ApportionError(ValueError):
    """A total that cannot be apportioned, with the reason in words."""


def largest_remainder(quotas: np.ndarray, totals: np.ndarray, groups: np.ndarray,
                      tiebreak: np.ndarray) -> np.ndarray:
    """Whole units for each item, adding up to each group's total exactly.

    Hamilton's largest remainder method (see the module docstring): ``quotas`` are the
    exact, non-negative shares (floats); ``totals`` holds each group's whole total, indexed
    by the group numbers 0..g−1 in ``groups``; among equal remainders the item with the
    smaller ``tiebreak`` (an integer rank, e.g. of the area code) comes first. An item
    whose quota is a whole number has remainder 0, so it gains a unit only after every
    item with a fractional part has.
    """
    whole = np.floor(quotas)
    remainder = quotas - whole
    whole = whole.astype(np.int64)
    count = len(totals)
    given = np.rint(np.bincount(groups, weights=whole, minlength=count)).astype(np.int64)
    short = np.asarray(totals, dtype=np.int64) - given
    sizes = np.bincount(groups, minlength=count)
    if (short < 0).any() or (short > sizes).any():
        raise ArithmeticError("the rounded amounts cannot add up to the total: the shares "
                              "given do not add up to it")
    order = np.lexsort((tiebreak, -remainder, groups))
    sorted_groups = groups[order]
    starts = np.searchsorted(sorted_groups, np.arange(count))
    rank = np.arange(len(order)) - starts[sorted_groups]
    extra = np.zeros(len(order), dtype=np.int64)
    extra[order] = rank < short[sorted_groups]
    return whole + extra


def apportion(totals: pl.DataFrame, base: pl.DataFrame, *, on: Sequence[str],
              method: str) -> pl.DataFrame:
    """Spread each total over the areas that share its key, in proportion to their base.

    ``totals``: the ``on`` columns, any other columns describing the total (partner,
    service …), and ``amount`` in whole pence (integers). Each row is one total.
    ``base``: the ``on`` columns, ``area`` and ``base`` (a non-negative number: a
    population, a need index, a caseload …). ``method`` names the base in words.

    Returns one row per total × area: the totals' columns except ``amount``, then
    ``area``, ``base``, ``amount`` (Int64 pence; each total's amounts add up to it
    exactly) and ``method``, in the totals' order and then by area code.
    """
    on = list(on)
    if not on:
        raise ValueError("apportion needs at least one key column in on")
    if not method or not method.strip():
        raise ValueError("say what the base is (method), so the figures can say how they "
                         "were made")
    _require(totals, [*on, "amount"], "totals")
    _require(base, [*on, "area", "base"], "base")
    if not totals.schema["amount"].is_integer():
        raise ApportionError("the totals' amounts must be whole pence (an integer column), "
                             f"not {totals.schema['amount']}")
    amounts = totals["amount"]
    if amounts.null_count():
        raise ApportionError(f"{_name(totals, on, amounts.is_null().arg_true()[0])} has no "
                             "amount")
    base = _checked_base(base, on)

    keyed = totals.with_row_index("_total")
    spread = keyed.join(base.select(*on, "area", "base"), on=on, how="left",
                        nulls_equal=True)
    unmatched = spread.filter(pl.col("area").is_null())
    if unmatched.height:
        row = unmatched["_total"][0]
        raise ApportionError(f"{_name(totals, on, row)} has no areas in the base to spread "
                             "it over")
    spread = spread.sort("_total", "area").with_columns(
        _base_sum=pl.col("base").sum().over("_total"))
    empty = spread.filter(pl.col("_base_sum") <= 0)
    if empty.height:
        row = empty["_total"][0]
        raise ApportionError(f"{_name(totals, on, row)}: the base ({method}) adds up to "
                             "zero over its areas, so there is nothing to spread it by")

    group = spread["_total"].to_numpy().astype(np.int64)
    size = keyed["amount"].cast(pl.Int64).to_numpy()
    areas = np.bincount(group, minlength=len(size))
    too_large = np.abs(size).astype(np.float64) * (areas + 1) >= EXACT_BELOW
    if too_large.any():
        row = int(np.argmax(too_large))
        raise ApportionError(f"{_name(totals, on, row)} ({size[row]:,} pence over "
                             f"{areas[row]:,} areas) is too large to apportion exactly")
    quotas = (np.abs(size)[group].astype(np.float64)
              * (spread["base"].to_numpy() / spread["_base_sum"].to_numpy()))
    # Area codes are sorted within each total already, so position is the tiebreak.
    pence = largest_remainder(quotas, np.abs(size), group, np.arange(len(group)))
    signed = np.where(size[group] < 0, -pence, pence)
    carried = [c for c in totals.columns if c != "amount"]
    return spread.select(
        *carried, "area", "base",
        amount=pl.Series(signed, dtype=pl.Int64),
        method=pl.lit(method, pl.String),
    )


def _require(frame: pl.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {name} frame lacks column(s) {', '.join(missing)}")


def _checked_base(base: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    base = base.with_columns(pl.col("base").cast(pl.Float64),
                             pl.col("area").cast(pl.String))
    bad = base.filter(pl.col("base").is_null() | pl.col("base").is_nan()
                      | (pl.col("base") < 0) | pl.col("base").is_infinite()
                      | pl.col("area").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        where = ", ".join(f"{c} {row[c]}" for c in on)
        if row["area"] is None:
            raise ApportionError(f"the base has a row with no area ({where})")
        raise ApportionError(f"the base for area {row['area']} ({where}) must be a number, "
                             f"zero or more, not {row['base']}")
    repeated = base.filter(pl.struct(*on, "area").is_duplicated())
    if repeated.height:
        row = repeated.row(0, named=True)
        where = ", ".join(f"{c} {row[c]}" for c in on)
        raise ApportionError(f"the base has area {row['area']} twice ({where})")
    return base


def _name(totals: pl.DataFrame, on: list[str], row: int) -> str:
    values = totals.row(int(row), named=True)
    return "the total for " + ", ".join(f"{c} {values[c]}" for c in on)
