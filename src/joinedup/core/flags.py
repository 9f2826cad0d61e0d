"""Flags: the assessment turned into exceptions that someone must look at.

Method (DESIGN §3–§6, and the Sunderland model of filtering by exception): for each
series' latest figure a flag is raised for

- ``red``: red status against the milestone or target, naming which it was;
- ``concern``: the latest point is a special-cause concern on the SPC chart;
- ``likely_to_miss``: the probability of meeting the target is below 0.5;
- ``consistently_fails``: SPC assurance says the target will not be met without a
  change in the process;
- ``outlier``: the latest figure is a data-quality outlier, for its owner to confirm;
- ``missing``: an expected return was not received by its deadline.

Each flag carries a reason in plain words, for example "Year 6 children with excess
weight (Gateshead): 3 years worsening; 62% chance of missing the 2019/20 target of 31.6%."
All text is built with column expressions, so flags for millions of series cost little.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from joinedup.core.parameters import FlagParameters

KINDS = ("red", "concern", "likely_to_miss", "consistently_fails", "outlier", "missing")
SIGNAL_WORDS = {
    "outside_limits": "outside the range its past variation predicts",
    "trend": "part of a run of rising or falling figures",
    "two_in_three": "two of the last three figures near the edge of the usual range",
    "shift": "part of a long run on one side of the average",
}
STEP_WORDS = {
    "calendar_quarter": "quarters", "financial_quarter": "quarters", "month": "months",
    "calendar_year": "years", "financial_year": "years", "academic_year": "years",
    "calendar_years": "periods", "financial_years": "periods",
}


def fixed(value: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """A number written with a fixed number of decimal places (``decimals`` per row).

    Halves round away from zero (⌊|x|·10^d + ½⌋), and a number that rounds to zero has no
    minus sign.
    """
    scale = pl.lit(10.0).pow(decimals)
    scaled = (value.abs() * scale + 0.5).floor().cast(pl.Int64)
    whole = (scaled // scale.cast(pl.Int64)).cast(pl.String)
    fraction = (scaled % scale.cast(pl.Int64)).cast(pl.String).str.zfill(decimals.cast(pl.Int64))
    sign = pl.when((value < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.when(value.is_null()).then(pl.lit(None, pl.String)).when(decimals > 0).then(
        pl.concat_str([sign, whole, pl.lit("."), fraction])
    ).otherwise(pl.concat_str([sign, whole]))


def _amount(value: pl.Expr) -> pl.Expr:
    unit = pl.col("unit")
    number = fixed(value, pl.col("decimals"))
    return (pl.when(unit == "%").then(pl.concat_str([number, pl.lit("%")]))
            .when(unit.str.starts_with("£")).then(pl.concat_str([pl.lit("£"), number,
                                                                  unit.str.slice(1)]))
            .otherwise(pl.concat_str([number, pl.lit(" "), unit])))


def raise_flags(latest: pl.DataFrame, parameters: FlagParameters = FlagParameters(), *,
                keys=("indicator", "area")) -> pl.DataFrame:
    """One row per flag: keys, ``period``, ``kind``, ``reason``.

    ``latest`` has one row per series (its latest assessed figure) with the engine's
    columns: ``period``, ``period_kind``, ``value``, ``status``, ``status_target``,
    ``status_target_period``, ``status_target_kind``, ``spc_signal``, ``variation``,
    ``assurance``, ``outlier``, ``outlier_score``, ``p_meet_target``, ``forecast_period``,
    ``target``, ``worsening_run``; and, for the words, optional ``title``, ``area_name``,
    ``unit``, ``decimals``.
    """
    keys = list(keys)
    frame = latest.with_columns(
        title=pl.col("title") if "title" in latest.columns else pl.col(keys[0]),
        area_name=pl.col("area_name") if "area_name" in latest.columns else pl.col(keys[1]),
        unit=pl.col("unit").fill_null("") if "unit" in latest.columns else pl.lit(""),
        decimals=(pl.col("decimals").fill_null(1) if "decimals" in latest.columns
                  else pl.lit(1)).cast(pl.Int32),
    )
    steps = pl.col("period_kind").replace_strict(STEP_WORDS, default="periods",
                                                 return_dtype=pl.String)
    worsening = pl.when(pl.col("worsening_run") >= parameters.worsening_run).then(
        pl.concat_str([pl.col("worsening_run").cast(pl.String), pl.lit(" "), steps,
                       pl.lit(" worsening; ")])
    ).otherwise(pl.lit(""))
    lead = pl.concat_str([pl.col("title"), pl.lit(" ("), pl.col("area_name"), pl.lit("): ")])
    miss = (1 - pl.col("p_meet_target")) * 100
    reasons = {
        "red": (pl.col("status") == "red", pl.concat_str([
            lead, worsening, _amount(pl.col("value")), pl.lit(" in "), pl.col("period"),
            pl.lit(" is worse than the "), pl.col("status_target_period"), pl.lit(" "),
            pl.col("status_target_kind"), pl.lit(" of "), _amount(pl.col("status_target")),
            pl.lit(", beyond the tolerance."),
        ])),
        "concern": (pl.col("variation") == "concern", pl.concat_str([
            lead, worsening, pl.lit("the "), pl.col("period"), pl.lit(" figure of "),
            _amount(pl.col("value")), pl.lit(" is "),
            pl.col("spc_signal").replace_strict(SIGNAL_WORDS, default="unusual",
                                                return_dtype=pl.String),
            pl.lit(", in the wrong direction: more than chance."),
        ])),
        "likely_to_miss": (pl.col("p_meet_target") < parameters.p_meet_below, pl.concat_str([
            lead, worsening, fixed(miss, pl.lit(0)), pl.lit("% chance of missing the "),
            pl.col("forecast_period"), pl.lit(" target of "), _amount(pl.col("target")),
            pl.lit("."),
        ])),
        "consistently_fails": (pl.col("assurance") == "fail", pl.concat_str([
            lead, pl.lit("the "), pl.col("forecast_period"), pl.lit(" target of "),
            _amount(pl.col("target")),
            pl.lit(" lies outside the range the figures vary within, so it will not be met "
                   "without a change in how the service works."),
        ])),
        "outlier": (pl.col("outlier"), pl.concat_str([
            lead, pl.lit("the "), pl.col("period"), pl.lit(" figure of "),
            _amount(pl.col("value")),
            pl.lit(" is unusual against the series' other figures; its owner should confirm "
                   "or correct it before it is reported."),
        ])),
    }
    pieces = [
        frame.filter(condition.fill_null(False)).select(
            *keys, "period", kind=pl.lit(kind), reason=text)
        for kind, (condition, text) in reasons.items()
    ]
    return pl.concat(pieces).sort([*keys, "kind"])


def missing_returns(expected: pl.DataFrame, values: pl.DataFrame, as_at: dt.date, *,
                    keys=("indicator", "area")) -> pl.DataFrame:
    """Flags for expected returns not received once their deadline has passed.

    ``expected``: keys, ``period_start``, ``period_end``, ``period``, ``deadline`` (the
    last day on time) and optionally ``title``, ``area_name``, ``owner``; one row per
    figure. ``values``: the figures received (keys, ``period_start``, ``period_end``,
    ``value``); what counts as received is the caller's rule. ``as_at`` is "today",
    passed in: a return is missing from the day after its deadline.
    """
    keys = list(keys)
    received = values.filter(pl.col("value").is_not_null()).select(
        *keys, "period_start", "period_end").unique()
    late = expected.join(received, on=[*keys, "period_start", "period_end"], how="anti").filter(
        pl.col("deadline") < as_at)
    title = pl.col("title") if "title" in late.columns else pl.col(keys[0])
    area = pl.col("area_name") if "area_name" in late.columns else pl.col(keys[1])
    owner = (pl.concat_str([pl.lit(" from "), pl.col("owner")]) if "owner" in late.columns
             else pl.lit(""))
    days = (pl.lit(as_at) - pl.col("deadline")).dt.total_days()
    return late.select(
        *keys, "period", kind=pl.lit("missing"),
        reason=pl.concat_str([
            title, pl.lit(" ("), area, pl.lit("): the "), pl.col("period"),
            pl.lit(" return"), owner, pl.lit(" is "), days.cast(pl.String),
            pl.when(days == 1).then(pl.lit(" day")).otherwise(pl.lit(" days")),
            pl.lit(" late (due "), pl.col("deadline").dt.strftime("%-d %B %Y"),
            pl.lit(")."),
        ]),
    ).sort(keys)
