"""How well calibrated is P(meet target)? A backtest on real published series.

Every district, county and England series of the OHID Fingertips and ONS "Explore local
statistics" files (the public data the demo is cut from; pass its folder) is cut at an
origin two points before its end. Each method forecasts the last point from the points up
to the origin, and states the probability that it meets a target. Three targets per
series, as a partnership might set them: hold the current level, improve by 2%, improve
by 5% (in the indicator's good direction). The Brier score (mean squared difference
between the probability and what happened, 0 is perfect) judges each method:

- JoinedUp: linear or damped trend, chosen by backtest on the series itself, with its
  predictive distribution;
- naive: the last value carried forward, spread as a random walk (σ from past changes);
- linear: the least-squares trend alone, with its textbook prediction interval.

    python bench/forecast_backtest.py [path/to/shared/data]
"""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section  # noqa: E402

from joinedup.core.forecast import assess_forecast  # noqa: E402
from joinedup.core.parameters import ForecastParameters  # noqa: E402
from joinedup.core.periods import parse_periods  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HOLD_OUT = 2
MIN_TRAIN = 5
IMPROVEMENTS = (0.0, 0.02, 0.05)


def polarity_by_source() -> dict[tuple[str, str | None], str]:
    catalogue = tomllib.loads((REPO / "src/joinedup/demo/data/catalogue.toml").read_text())
    out = {}
    for item in catalogue["indicator"]:
        series = item["series"]
        if series["kind"] in ("fingertips", "ons_els"):
            key = (series["file"], series.get("indicator") or series.get("group"))
            out[key] = item["polarity"]
    return out


def load(data: Path) -> pl.DataFrame:
    pieces = []
    for (file, part), polarity in polarity_by_source().items():
        if polarity == "none":
            continue
        if (data / "indicators/fingertips_tdl" / file).exists():
            raw = pl.read_csv(data / "indicators/fingertips_tdl" / file, infer_schema=False)
            if part:
                raw = raw.filter(pl.col("group") == part)
            frame = raw.select(area="area_code", period="period",
                               value=pl.col("value").cast(pl.Float64, strict=False))
        else:
            raw = pl.read_csv(data / "indicators/ons_els" / file, infer_schema=False)
            if part:
                raw = raw.filter(pl.col("indicator") == part)
            frame = raw.filter(pl.col("areacd").str.starts_with("E")).select(
                area="areacd", period="period",
                value=pl.col("observation").cast(pl.Float64, strict=False))
        frame = frame.drop_nulls("value").unique(["area", "period"])
        read = parse_periods(frame["period"], errors="null")
        pieces.append(frame.with_columns(
            indicator=pl.lit(f"{file}:{part or ''}"), polarity=pl.lit(polarity),
            period_start=read["start"], period_end=read["end"]).drop_nulls("period_start"))
    return pl.concat(pieces).sort("indicator", "area", "period_start")


def cut(series: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Training points (up to the origin) and the held-out last point of each series."""
    ranked = series.with_columns(
        _n=pl.len().over("indicator", "area"),
        _i=pl.int_range(pl.len()).over("indicator", "area"))
    ranked = ranked.filter(pl.col("_n") >= MIN_TRAIN + HOLD_OUT)
    train = ranked.filter(pl.col("_i") < pl.col("_n") - HOLD_OUT)
    truth = ranked.filter(pl.col("_i") == pl.col("_n") - 1)
    return train.drop("_n", "_i"), truth.drop("_n", "_i")


def targets(train: pl.DataFrame, truth: pl.DataFrame, improvement: float) -> pl.DataFrame:
    last = train.group_by("indicator", "area").agg(
        last=pl.col("value").last(), polarity=pl.col("polarity").first())
    sign = pl.when(pl.col("polarity") == "up").then(1.0).otherwise(-1.0)
    return last.join(truth.select("indicator", "area", actual="value",
                                  forecast_start="period_start"), on=["indicator", "area"]
                     ).with_columns(target=pl.col("last") * (1 + sign * improvement))


def ours(train, goal, methods=("linear", "damped"), calibrate=True) -> pl.DataFrame:
    frame = train.join(goal.select("indicator", "area", "target", "forecast_start"),
                       on=["indicator", "area"])
    result = assess_forecast(frame, ForecastParameters(methods=methods, calibrate=calibrate))
    return result.select("indicator", "area", p="p_meet_target")


def naive(train, goal) -> pl.DataFrame:
    spread = train.with_columns(change=pl.col("value").diff().over("indicator", "area")).group_by(
        "indicator", "area").agg(
        last=pl.col("value").last(), sigma=pl.col("change").std(),
        step=pl.col("period_start").diff().dt.total_days().median(),
        last_start=pl.col("period_start").last())
    joined = spread.join(goal, on=["indicator", "area"], suffix="_goal")
    h = ((joined["forecast_start"] - joined["last_start"]).dt.total_days()
         / joined["step"]).round().clip(1, None).to_numpy()
    scale = joined["sigma"].to_numpy() * np.sqrt(h)
    up = (joined["polarity"] == "up").to_numpy()
    z = (joined["target"].to_numpy() - joined["last"].to_numpy()) / scale
    p = np.where(up, stats.norm.sf(z), stats.norm.cdf(z))
    return joined.select("indicator", "area").with_columns(p=pl.Series(p))


def brier(predictions: pl.DataFrame, goal: pl.DataFrame) -> tuple[float, int]:
    joined = predictions.join(goal, on=["indicator", "area"]).drop_nulls("p").filter(
        pl.col("p").is_not_nan())
    met = pl.when(pl.col("polarity") == "up").then(pl.col("actual") >= pl.col("target")).otherwise(
        pl.col("actual") <= pl.col("target"))
    scored = joined.with_columns(met=met.cast(pl.Float64))
    return float(((scored["p"] - scored["met"]) ** 2).mean()), scored.height


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else REPO.parent / "shared/data")
    if not data.is_dir():
        raise SystemExit(f"no data folder at {data}: pass the path of the shared public data")
    series = load(data)
    train, truth = cut(series)
    rows = ["| target | series | JoinedUp | JoinedUp without calibration | naive (last value) "
            "| linear trend | JoinedUp vs naive | JoinedUp vs linear |",
            "|---|---|---|---|---|---|---|---|"]
    for improvement in IMPROVEMENTS:
        goal = targets(train, truth, improvement)
        common = (ours(train, goal).join(ours(train, goal, ("linear",), calibrate=False), on=["indicator", "area"],
                                         suffix="_linear")
                  .join(naive(train, goal), on=["indicator", "area"], suffix="_naive")
                  .join(ours(train, goal, calibrate=False), on=["indicator", "area"],
                        suffix="_raw")
                  .drop_nans().drop_nulls())
        keys = common.select("indicator", "area")
        scores = {name: brier(common.select("indicator", "area", p=column), goal)
                  for name, column in (("ours", "p"), ("linear", "p_linear"),
                                       ("naive", "p_naive"), ("raw", "p_raw"))}
        n = keys.height
        ours_score, naive_score, linear_score = (scores["ours"][0], scores["naive"][0],
                                                 scores["linear"][0])
        label = "hold the current level" if improvement == 0 else f"improve by {improvement:.0%}"
        rows.append(f"| {label} | {n:,} | {ours_score:.4f} | {scores['raw'][0]:.4f} | "
                    f"{naive_score:.4f} | "
                    f"{linear_score:.4f} | {1 - ours_score / naive_score:+.1%} | "
                    f"{1 - ours_score / linear_score:+.1%} |")
    text = "\n".join([
        f"Measured {dt.date.today():%Y-%m-%d}. Series: {series.select('indicator', 'area').unique().height:,} "
        f"real district, county and England series from {series['indicator'].n_unique()} "
        f"OHID Fingertips and ONS indicators with a polarity; each cut {HOLD_OUT} points "
        f"before its end (at least {MIN_TRAIN} points to learn from) and the last point "
        "forecast. Brier score, lower is better; the last two columns are the skill score "
        "(1 − ours ÷ theirs; positive means JoinedUp is better).",
        "",
        *rows,
    ])
    print(text)
    write_section("Forecast calibration (Brier score of P(meet target))", text)


if __name__ == "__main__":
    main()
