"""Frames for the forecast tests: series laid out as ``assess_forecast`` reads them."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from joinedup.demo.sources import DemoSources

KEYS = ("indicator", "area")
EPOCH = date(1970, 1, 1)
BASE = date(2004, 4, 1)
SCHEMA = {"indicator": pl.String, "area": pl.String, "period_start": pl.Date,
          "period_end": pl.Date, "value": pl.Float64, "polarity": pl.String,
          "target": pl.Float64, "forecast_start": pl.Date}


def frame_of(series: dict, *, polarity="up", target=None, ahead=365, step=365,
             forecast_start=None) -> pl.DataFrame:
    """A frame from {area: values} (None for a missing value), one point every ``step`` days."""
    rows = []
    for area, values in series.items():
        last = BASE + timedelta(days=step * (len(values) - 1))
        start = forecast_start or last + timedelta(days=ahead)
        for i, value in enumerate(values):
            begin = BASE + timedelta(days=step * i)
            rows.append({"indicator": "X", "area": area, "period_start": begin,
                         "period_end": begin + timedelta(days=step), "value": value,
                         "polarity": polarity, "target": target, "forecast_start": start})
    return pl.DataFrame(rows, schema=SCHEMA)


def real_frame() -> pl.DataFrame:
    """The demo's real series, with targets invented here: 5% above or below the last
    value, or none, by series; the forecast is for three years after the last point."""
    sources = DemoSources()
    polarity = pl.DataFrame(
        [{"indicator": i["code"], "polarity": i["polarity"]}
         for i in sources.catalogue["indicator"]])
    values = sources.values.select("indicator", "area", "period_start", "period_end", "value")
    last = values.group_by(KEYS).agg(
        pl.col("period_start").max().alias("_last"),
        pl.col("value").drop_nulls().last().alias("_value"),
        pl.len().alias("_n"))
    target = (pl.when(pl.col("_n") % 3 == 0).then(None)
              .when(pl.col("_n") % 3 == 1).then(pl.col("_value") * 1.05)
              .otherwise(pl.col("_value") * 0.95))
    return (values.join(polarity, on="indicator", how="left")
            .join(last, on=KEYS, how="left")
            .with_columns(target=target, forecast_start=pl.col("_last").dt.offset_by("3y"))
            .drop("_last", "_value", "_n"))


NOISY = [12.1, 12.9, 13.2, 14.8, 14.1, 15.9, 16.2, 16.0, 17.9, 18.4, 18.1, 19.7]


STEP = 100  # days, so that h steps ahead is exactly h × STEP days


def damped_frame(values, horizon: int, polarity="down", target=30.0) -> pl.DataFrame:
    last = BASE + timedelta(days=STEP * (len(values) - 1))
    return frame_of({"A": values}, polarity=polarity, target=target, step=STEP,
                    forecast_start=last + timedelta(days=STEP * horizon))
