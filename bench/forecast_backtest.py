"""How well calibrated is P(meet target)? A backtest on real published series.

Every district, county and England series of the OHID Fingertips and ONS "Explore local
statistics" files (the public data the demo is cut from; pass its folder) is cut at an
origin two points before its end. Each method forecasts the last point from the points up
to the origin, and states the probability that it meets a target. Three targets per
series, as a partnership might set them: hold the current level, improve by 2%, improve
by 5% (in the indicator's good direction). The Brier score (mean squared difference
between the probability and what happened, 0 is perfect) judges each method:

- JoinedUp: the default forecast (``ForecastParameters()``: the combination of linear,
  damped, drift and simple smoothing weighted by backtest error, calibrated);
- naive: the last value carried forward, spread as a random walk (σ from past changes);
- drift: the random walk with drift alone, with its textbook interval (FPP3 §5.2, §5.5);
- linear: the least-squares trend alone, with its textbook prediction interval.

It also reports how often JoinedUp's 80% and 95% intervals held the held-out value, and
draws the reliability diagram (for each band of stated probability, how often the target
was met) to bench/forecast_reliability.svg.

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


BASELINES = {"drift": ForecastParameters(methods=("drift",), calibrate=False),
             "linear": ForecastParameters(methods=("linear",), calibrate=False)}
SKILL_GOAL = 0.0  # skill must be above this against every baseline
COVERAGE_GOAL = 3.0  # percentage points either side of nominal
BINS = 10


def forecasts(train, goal, parameters=ForecastParameters()) -> pl.DataFrame:
    frame = train.join(goal.select("indicator", "area", "target", "forecast_start"),
                       on=["indicator", "area"])
    return assess_forecast(frame, parameters)


def ours(train, goal, parameters=ForecastParameters()) -> pl.DataFrame:
    return forecasts(train, goal, parameters).select("indicator", "area", p="p_meet_target")


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


def scored(predictions: pl.DataFrame, goal: pl.DataFrame) -> pl.DataFrame:
    """The predictions with ``met`` (1.0 or 0.0): did the held-out value meet the target?"""
    met = pl.when(pl.col("polarity") == "up").then(pl.col("actual") >= pl.col("target")
                                                   ).otherwise(pl.col("actual") <= pl.col("target"))
    return (predictions.join(goal, on=["indicator", "area"]).drop_nulls("p")
            .filter(pl.col("p").is_not_nan()).with_columns(met=met.cast(pl.Float64)))


def brier(predictions: pl.DataFrame, goal: pl.DataFrame) -> tuple[float, int]:
    frame = scored(predictions, goal)
    return float(((frame["p"] - frame["met"]) ** 2).mean()), frame.height


def coverage(result: pl.DataFrame, goal: pl.DataFrame, level: int) -> float:
    """Percentage of held-out values inside the ``level``% interval."""
    joined = result.join(goal, on=["indicator", "area"]).drop_nulls("forecast")
    inside = ((pl.col(f"forecast_lower{level}") <= pl.col("actual"))
              & (pl.col("actual") <= pl.col(f"forecast_upper{level}")))
    return 100 * joined.select(inside.mean()).item()


def reliability(predictions: pl.DataFrame, goal: pl.DataFrame, label: str) -> pl.DataFrame:
    """Per band of stated probability (tenths): the mean stated, the share met, how many."""
    band = (pl.col("p") * BINS).floor().clip(0, BINS - 1)
    return (scored(predictions, goal).group_by(band.alias("band"))
            .agg(stated=pl.col("p").mean(), observed=pl.col("met").mean(), series=pl.len())
            .sort("band").with_columns(target=pl.lit(label)))


def reliability_chart(points: pl.DataFrame, path: Path) -> None:
    """The reliability diagram as SVG: stated probability against the share met."""
    import vl_convert

    diagonal = {"values": [{"stated": 0, "observed": 0}, {"stated": 1, "observed": 1}]}
    axis = {"type": "quantitative", "scale": {"domain": [0, 1]}}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "Reliability of P(meet target), held-out real series",
        "width": 360, "height": 360,
        "padding": {"left": 5, "top": 5, "bottom": 5, "right": 60},  # room for the legend's text
        "layer": [
            {"data": diagonal, "mark": {"type": "line", "color": "#999", "strokeDash": [4, 4]},
             "encoding": {"x": {"field": "stated", **axis}, "y": {"field": "observed", **axis}}},
            {"data": {"values": points.to_dicts()},
             "encoding": {
                 "x": {"field": "stated", **axis, "title": "stated probability (mean in band)"},
                 "y": {"field": "observed", **axis, "title": "share that met the target"},
                 "color": {"field": "target", "type": "nominal", "title": "target"}},
             "layer": [{"mark": "line"},
                       {"mark": {"type": "circle", "opacity": 0.8},
                        "encoding": {"size": {"field": "series", "type": "quantitative",
                                              "title": "series in band"}}}]},
        ],
    }
    path.write_text(vl_convert.vegalite_to_svg(spec))


def skill_status(skills: dict[str, float]) -> str:
    misses = [f"{skill:+.1%} against {name}" for name, skill in skills.items()
              if not skill > SKILL_GOAL]
    return "met" if not misses else "not met: " + ", ".join(misses)


def coverage_status(level: int, held: float) -> str:
    if abs(held - level) <= COVERAGE_GOAL:
        return "met"
    side = "too wide (held more than nominal)" if held > level else "too narrow"
    return f"not met: {held - level:+.1f} points, intervals {side}"


LABELS = {0.0: "hold the current level", 0.02: "improve by 2%", 0.05: "improve by 5%"}


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else REPO.parent / "shared/data")
    if not data.is_dir():
        raise SystemExit(f"no data folder at {data}: pass the path of the shared public data")
    series = load(data)
    train, truth = cut(series)
    keys = ["indicator", "area"]
    rows = ["| target | series | JoinedUp | naive (last value) | drift | linear trend "
            "| skill vs naive | vs drift | vs linear | goal: positive skill vs each |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    diagram, intervals = [], None
    for improvement in IMPROVEMENTS:
        goal = targets(train, truth, improvement)
        result = forecasts(train, goal)
        common = (result.select(*keys, p="p_meet_target")
                  .join(naive(train, goal), on=keys, suffix="_naive"))
        for name, parameters in BASELINES.items():
            common = common.join(ours(train, goal, parameters), on=keys, suffix=f"_{name}")
        common = common.drop_nans().drop_nulls()
        scores = {name: brier(common.select(*keys, p=column), goal)[0]
                  for name, column in (("JoinedUp", "p"), ("naive", "p_naive"),
                                       ("drift", "p_drift"), ("linear", "p_linear"))}
        skills = {name: 1 - scores["JoinedUp"] / scores[name]
                  for name in ("naive", "drift", "linear")}
        label = LABELS[improvement]
        rows.append(f"| {label} | {common.height:,} | {scores['JoinedUp']:.4f} | "
                    f"{scores['naive']:.4f} | {scores['drift']:.4f} | {scores['linear']:.4f} | "
                    + " | ".join(f"{skill:+.1%}" for skill in skills.values())
                    + f" | {skill_status(skills)} |")
        diagram.append(reliability(common.select(*keys, "p"), goal, label))
        if intervals is None:  # the intervals do not depend on the target
            judged = result.join(common.select(keys), on=keys)
            intervals = {level: coverage(judged, goal, level) for level in (80, 95)}
    reliability_chart(pl.concat(diagram), Path(__file__).resolve().parent
                      / "forecast_reliability.svg")
    band_rows = ["| target | " + " | ".join(f"{b / BINS:.1f}–{(b + 1) / BINS:.1f}"
                                             for b in range(BINS)) + " |",
                 "|---|" + "---|" * BINS]
    for label, frame in pl.concat(diagram).group_by("target", maintain_order=True):
        cells = {int(row["band"]): row for row in frame.iter_rows(named=True)}
        band_rows.append(f"| {label[0]} | " + " | ".join(
            f"{cells[b]['observed']:.2f} ({cells[b]['series']:,})" if b in cells else "–"
            for b in range(BINS)) + " |")
    text = "\n".join([
        f"Measured {dt.date.today():%Y-%m-%d}. Series: {series.select(keys).unique().height:,} "
        f"real district, county and England series from {series['indicator'].n_unique()} "
        f"OHID Fingertips and ONS indicators with a polarity; each cut {HOLD_OUT} points "
        f"before its end (at least {MIN_TRAIN} points to learn from) and the last point "
        "forecast. JoinedUp is the default forecast (the combination of linear, damped, "
        "drift and simple smoothing, weighted by backtest error, calibrated); the baselines "
        "are the last value carried forward as a random walk, the random walk with drift and "
        "the linear trend, each with its own textbook interval. Brier score, lower is "
        "better; skill is 1 − ours ÷ theirs (positive means JoinedUp is better).",
        "",
        *rows,
        "",
        f"Interval coverage, JoinedUp, the same {common.height:,} held-out values (the "
        "intervals do not depend on the target, so this holds for every target kind). Goal: "
        f"within ±{COVERAGE_GOAL:g} points of nominal.",
        "",
        "| interval | held | goal |",
        "|---|---|---|",
        *[f"| {level}% | {held:.1f}% | {coverage_status(level, held)} |"
          for level, held in intervals.items()],
        "",
        "Reliability: the share of series that met the target, by band of stated "
        "P(meet target) (how many series in brackets); a reliable forecast's share is near "
        "the band. Chart: [forecast_reliability.svg](forecast_reliability.svg).",
        "",
        *band_rows,
    ])
    print(text)
    write_section("Forecast calibration (Brier score of P(meet target))", text)


if __name__ == "__main__":
    main()
