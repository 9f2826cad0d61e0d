"""Tests for joinedup.core.forecast: forecast to the target date, and P(meet target).

1. The vectorised results equal a slow per-series reference (tests/core/reference/
   forecast_reference.py) to 1e-9 on generated panels and on the demo's real series.
2. Independent references: statsmodels' OLS prediction intervals for the linear trend;
   statsmodels' ExponentialSmoothing and ETSModel for the damped trend with fixed α, β, φ;
   scipy.stats for P(meet target).
3. Behaviour: straight lines, levelling-off series, short series, widening intervals.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.forecast_reference import damped_run, reference_assess
from scipy import stats

from joinedup.core.forecast import assess_forecast, forecast_panel, output_columns
from joinedup.core.panel import build_panel
from joinedup.core.parameters import FORECAST_METHODS, ForecastParameters
from joinedup.demo.sources import DemoSources

TOLERANCE = 1e-9
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


def assert_matches_reference(frame: pl.DataFrame, parameters: ForecastParameters) -> None:
    got = assess_forecast(frame, parameters)
    expected = reference_assess(frame, parameters)
    assert got.height == len(expected)
    assert got.columns == [*KEYS, *output_columns(parameters)]
    sizes = frame.filter(pl.col("value").is_not_null()).group_by(KEYS).agg(
        pl.col("value").abs().max())
    scales = {tuple(key): size for *key, size in sizes.iter_rows()}
    numbers = output_columns(parameters)[:-2]
    for row in got.iter_rows(named=True):
        key = tuple(row[k] for k in KEYS)
        want = expected[key]
        where = f"series {key}: got {row}, reference {want}"
        assert row["forecast_method"] == want["forecast_method"], where
        assert row["forecast_reason"] == want["forecast_reason"], where
        size = 1.0 if key not in scales else max(scales[key], 1e-300)
        for column in numbers:
            a, b = row[column], want[column]
            if b is None:
                assert a is None, f"{column}: {where}"
                continue
            assert a is not None, f"{column}: {where}"
            allowed = TOLERANCE * (1.0 if column == "p_meet_target" else max(abs(b), size))
            assert abs(a - b) <= allowed, f"{column}: {a} vs {b}; {where}"


# 1. The reference, on generated panels ------------------------------------------------

SPACINGS = {"quarterly": None, "annual": 365, "monthly": 30, "irregular": None}


@st.composite
def series(draw, area: str) -> list[dict]:
    n = draw(st.integers(0, 40))
    spacing = draw(st.sampled_from(sorted(SPACINGS)))
    shape = draw(st.sampled_from(["flat", "line", "noisy", "walk", "levelling", "integers"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if spacing == "quarterly":
        starts = [date(2001 + (i * 3) // 12, 1 + (i * 3) % 12, 1) for i in range(n)]
    elif spacing == "irregular":
        gaps = rng.integers(0, 400, size=n) * (rng.random(n) > 0.1)  # some repeat a start
        starts = [BASE + timedelta(days=int(d)) for d in np.cumsum(gaps)]
    else:
        starts = [BASE + timedelta(days=SPACINGS[spacing] * i) for i in range(n)]
    days = np.array([(s - EPOCH).days for s in starts], dtype=float)
    level = rng.uniform(-100, 1000)
    slope = rng.normal(0, 0.05)
    rel = days - (days[0] if n else 0)
    values = {
        "flat": np.full(n, level),
        "line": level + slope * rel,
        "noisy": level + slope * rel + rng.normal(0, rng.uniform(0.1, 20), n),
        "walk": level + np.cumsum(rng.normal(rng.normal(0, 1), rng.uniform(0.1, 5), n)),
        "levelling": level + 50 * (1 - 0.7 ** np.arange(n)) + rng.normal(0, 0.5, n),
        "integers": rng.integers(0, 4, n).astype(float),
    }[shape]
    values = [float(v) for v in values]
    if n and draw(st.booleans()):
        for i in rng.choice(n, size=min(n, 3), replace=False):
            values[int(i)] = None
    polarity = draw(st.sampled_from(["up", "down", "none"]))
    known = [v for v in values if v is not None]
    spread = (max(known) - min(known)) if known else 1.0
    side = draw(st.sampled_from([None, "above", "below", "near", "last"]))
    last = known[-1] if known else 0.0
    target = {None: None, "above": last + spread + 1, "below": last - spread - 1,
              "near": last + rng.normal(0, spread / 4 + 0.01), "last": last}[side]
    ahead = draw(st.integers(-200, 3000))
    start = (starts[-1] if starts else BASE) + timedelta(days=ahead)
    if draw(st.integers(0, 19)) == 0:
        start = None
    return [{"indicator": "X", "area": area, "period_start": s,
             "period_end": s + timedelta(days=30 + i), "value": v, "polarity": polarity,
             "target": target, "forecast_start": start}
            for i, (s, v) in enumerate(zip(starts, values))]


@st.composite
def panels(draw) -> pl.DataFrame:
    rows = []
    for i in range(draw(st.integers(1, 6))):
        rows.extend(draw(series(f"A{i}")))
    return pl.DataFrame(rows, schema=SCHEMA)


parameter_sets = st.builds(
    ForecastParameters,
    methods=st.sampled_from([("linear", "damped"), ("linear",), ("damped",), ("drift",),
                             ("smoothing",), ("combined",), ("linear", "combined"),
                             ("linear", "damped", "drift", "smoothing", "combined")]),
    min_points=st.integers(3, 6),
    backtest_origins=st.integers(0, 4),
    alphas=st.sampled_from([(0.2, 0.5, 0.8), (0.3,), (0.1, 0.9)]),
    betas=st.sampled_from([(0.05, 0.2), (0.1,)]),
    phis=st.sampled_from([(0.8, 0.9, 0.98), (0.9,), (0.5, 1.0)]),
    levels=st.sampled_from([(80, 95), (50, 80, 99)]),
    calibrate=st.booleans(),
    tail_degrees=st.sampled_from([5, 1, 30]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=panels(), parameters=st.one_of(st.just(ForecastParameters()), parameter_sets))
def test_matches_reference_on_generated_panels(frame, parameters):
    assert_matches_reference(frame, parameters)


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


@pytest.mark.parametrize("parameters", [
    ForecastParameters(),
    ForecastParameters(min_points=3, backtest_origins=5),
    ForecastParameters(methods=("damped",), levels=(50, 90)),
])
def test_matches_reference_on_real_data(parameters):
    frame = real_frame()
    assert_matches_reference(frame, parameters)
    chosen = set(assess_forecast(frame, parameters)["forecast_method"].drop_nulls())
    assert chosen == set(parameters.methods)  # on real data, each method wins somewhere


# 2. Independent references --------------------------------------------------------------

IRREGULAR_DAYS = [0, 91, 180, 274, 370, 455, 560, 640, 731, 830, 900, 1010]
NOISY = [12.1, 12.9, 13.2, 14.8, 14.1, 15.9, 16.2, 16.0, 17.9, 18.4, 18.1, 19.7]


def test_linear_against_statsmodels_ols():
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools import add_constant

    rows = []
    for day, value in zip(IRREGULAR_DAYS, NOISY, strict=True):
        begin = BASE + timedelta(days=day)
        rows.append({"indicator": "X", "area": "A", "period_start": begin,
                     "period_end": begin + timedelta(days=90), "value": value,
                     "polarity": "up", "target": 21.0, "forecast_start": date(2008, 1, 1)})
    frame = pl.DataFrame(rows)
    got = assess_forecast(frame, ForecastParameters(methods=("linear",), calibrate=False)).row(
        0, named=True)
    t = np.array([(BASE + timedelta(days=d) - EPOCH).days for d in IRREGULAR_DAYS], float)
    t0 = float((date(2008, 1, 1) - EPOCH).days)
    fit = OLS(np.array(NOISY), add_constant(t)).fit()
    for level in (80, 95):
        table = fit.get_prediction(np.array([[1.0, t0]])).summary_frame(alpha=1 - level / 100)
        assert got["forecast"] == pytest.approx(table["mean"].iloc[0], rel=TOLERANCE)
        assert got[f"forecast_lower{level}"] == pytest.approx(table["obs_ci_lower"].iloc[0],
                                                              rel=TOLERANCE)
        assert got[f"forecast_upper{level}"] == pytest.approx(table["obs_ci_upper"].iloc[0],
                                                              rel=TOLERANCE)
    # P(meet) straight from scipy.stats, with the observation's standard error from OLS.
    summary = fit.get_prediction(np.array([[1.0, t0]])).summary_frame(alpha=0.05)
    df = fit.df_resid
    se = (summary["obs_ci_upper"].iloc[0] - summary["mean"].iloc[0]) / stats.t.ppf(0.975, df)
    expected = stats.t.sf(21.0, df, loc=summary["mean"].iloc[0], scale=se)
    assert got["forecast_method"] == "linear"
    assert got["p_meet_target"] == pytest.approx(expected, abs=TOLERANCE)
    assert 0.01 < got["p_meet_target"] < 0.99


DAMPED = [10.0, 12.5, 14.1, 16.8, 17.5, 19.6, 20.1, 21.9, 22.0, 23.6, 23.1, 24.8, 24.6,
          25.9, 25.2, 26.4, 26.0, 27.1]
ALPHA, BETA, PHI = 0.5, 0.2, 0.9
STEP = 100  # days, so that h steps ahead is exactly h × STEP days


def damped_frame(values, horizon: int, polarity="down", target=30.0) -> pl.DataFrame:
    last = BASE + timedelta(days=STEP * (len(values) - 1))
    return frame_of({"A": values}, polarity=polarity, target=target, step=STEP,
                    forecast_start=last + timedelta(days=STEP * horizon))


def test_damped_against_statsmodels_exponential_smoothing():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = np.array(DAMPED)
    # statsmodels' known initial states are ℓ₀, b₀ before its first observation; ours
    # start after the second point, so it gets y₃ … y_n with ℓ₀ = y₂, b₀ = y₂ − y₁.
    # Its smoothing_trend is β* of the component form b_t = β*(ℓ_t − ℓ_{t−1}) +
    # (1 − β*)φb_{t−1}; with ℓ_t − ℓ_{t−1} = φb_{t−1} + αe_t this is b_t = φb_{t−1} +
    # αβ*·e_t, so the error-correction β = αβ*, i.e. β* = β / α.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            y[2:], trend="add", damped_trend=True, initialization_method="known",
            initial_level=y[1], initial_trend=y[1] - y[0])
        fit = model.fit(smoothing_level=ALPHA, smoothing_trend=BETA / ALPHA,
                        damping_trend=PHI, optimized=False)
    _, _, sse, fitted = damped_run(list(y), ALPHA, BETA, PHI)
    np.testing.assert_allclose(fitted, fit.fittedvalues, rtol=TOLERANCE)
    assert sse == pytest.approx(fit.sse, rel=TOLERANCE)

    parameters = ForecastParameters(methods=("damped",), calibrate=False, alphas=(ALPHA,),
                                    betas=(BETA,),
                                    phis=(PHI,))
    statsmodels_forecast = fit.forecast(8)
    for horizon in range(1, 9):
        got = assess_forecast(damped_frame(DAMPED, horizon), parameters).row(0, named=True)
        assert got["forecast_method"] == "damped"
        assert got["forecast"] == pytest.approx(statsmodels_forecast[horizon - 1],
                                                rel=TOLERANCE)
    # σ² is the mean squared one-step error: at h = 1 the interval is f ± z σ.
    got = assess_forecast(damped_frame(DAMPED, 1), parameters).row(0, named=True)
    sigma = (got["forecast_upper95"] - got["forecast"]) / stats.norm.ppf(0.975)
    assert sigma**2 == pytest.approx(fit.sse / (len(y) - 2), rel=TOLERANCE)


def test_damped_intervals_against_statsmodels_ets_model():
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = np.array(DAMPED)
    # ETSModel is in error-correction form already: its smoothing_trend is our β. Its
    # prediction variance is the closed form of Hyndman et al. (2008) times the mean
    # squared one-step error: an independent check of our sum over c_j = α + βφ_j.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(pd.Series(y[2:]), error="add", trend="add", damped_trend=True,
                         initialization_method="known", initial_level=y[1],
                         initial_trend=y[1] - y[0])
        result = model.smooth([ALPHA, BETA, PHI])
        nobs = len(y) - 2
        table = {level: result.get_prediction(start=nobs, end=nobs + 9)
                 .summary_frame(alpha=1 - level / 100) for level in (80, 95)}
    parameters = ForecastParameters(methods=("damped",), calibrate=False, alphas=(ALPHA,),
                                    betas=(BETA,),
                                    phis=(PHI,))
    for horizon in range(1, 11):
        got = assess_forecast(damped_frame(DAMPED, horizon), parameters).row(0, named=True)
        for level in (80, 95):
            row = table[level].iloc[horizon - 1]
            assert got["forecast"] == pytest.approx(row["mean"], rel=TOLERANCE)
            assert got[f"forecast_lower{level}"] == pytest.approx(row["pi_lower"], rel=TOLERANCE)
            assert got[f"forecast_upper{level}"] == pytest.approx(row["pi_upper"], rel=TOLERANCE)
        # P(Y ≤ 30) from scipy.stats on statsmodels' predictive distribution.
        row = table[95].iloc[horizon - 1]
        sd = (row["pi_upper"] - row["mean"]) / stats.norm.ppf(0.975)
        assert got["p_meet_target"] == pytest.approx(stats.norm.cdf(30.0, row["mean"], sd),
                                                     abs=TOLERANCE)


def test_damped_grid_choice_is_the_least_squares_grid_point():
    parameters = ForecastParameters(methods=("damped",))
    got = assess_forecast(damped_frame(DAMPED, 3), parameters).row(0, named=True)
    best = min(((a, b, p) for a in parameters.alphas for b in parameters.betas
                for p in parameters.phis), key=lambda abp: damped_run(DAMPED, *abp)[2])
    level, trend, _, _ = damped_run(DAMPED, *best)
    phi = best[2]
    assert got["forecast"] == pytest.approx(level + (phi + phi**2 + phi**3) * trend,
                                            rel=TOLERANCE)


# 3. Behaviour ---------------------------------------------------------------------------

# Linear and drift both forecast a straight line exactly, so the combination gives them
# the whole weight and is exact too.
@pytest.mark.parametrize(("methods", "chosen"), [(("linear", "damped"), "linear"),
                                                 (("combined",), "combined")])
def test_a_straight_line_is_forecast_with_certainty(methods, chosen):
    line = [5.0 + 0.5 * i for i in range(12)]  # 0.5 a step; the forecast is 2 steps on
    for target, polarity, p in [(9.0, "up", 1.0), (12.0, "up", 0.0), (12.0, "down", 1.0),
                                (9.0, "down", 0.0)]:
        got = assess_forecast(frame_of({"A": line}, polarity=polarity, target=target,
                                       step=91, ahead=182),
                              ForecastParameters(methods=methods)).row(0, named=True)
        assert got["forecast_method"] == chosen
        assert got["forecast"] == pytest.approx(11.5, rel=1e-12)
        assert got["p_meet_target"] == p
        assert got["forecast_lower95"] == pytest.approx(got["forecast_upper95"], rel=1e-12)


def test_a_series_that_levels_off_prefers_damped():
    levelling = [100 - 60 * 0.7**i for i in range(14)]
    got = assess_forecast(frame_of({"A": levelling}, target=99.0),
                          ForecastParameters(methods=("linear", "damped"))).row(0, named=True)
    assert got["forecast_method"] == "damped"
    linear = assess_forecast(frame_of({"A": levelling}, target=99.0),
                             ForecastParameters(methods=("linear",))).row(0, named=True)
    # the damped trend levels off near 100; the straight line overshoots it
    assert got["forecast"] == pytest.approx(99.77976604661411)
    assert linear["forecast"] == pytest.approx(113.72342924445195)


def test_short_series_get_a_reason():
    frame = frame_of({"A": [1.0, 2.0, 3.0], "B": [1.0, None, 2.0, 3.0, None], "C": [],
                      "D": [None, None], "E": [1.0, 2.0, 3.0, 5.0]}, target=4.0)
    got = {row["area"]: row for row in assess_forecast(frame).iter_rows(named=True)}
    assert set(got) == {"A", "B", "D", "E"}  # C has no rows at all
    for area in ("A", "B", "D"):
        assert got[area]["forecast_reason"] == "fewer than 4 points"
        assert got[area]["forecast_method"] is None
        assert got[area]["forecast"] is None and got[area]["p_meet_target"] is None
    assert got["E"]["forecast_reason"] is None and got["E"]["forecast_method"] == "combined"
    # E: 1, 2, 3, 5 a year apart, forecast a year on: slope 6.5 / 5 = 1.3 through
    # (1.5, 2.75), so 2.75 + 1.3 × 2.5 = 6.0
    linear = assess_forecast(frame, ForecastParameters(methods=("linear",)))
    assert linear.filter(pl.col("area") == "E")["forecast"].item() == pytest.approx(6.0)
    five = assess_forecast(frame, ForecastParameters(min_points=5))
    assert five.filter(pl.col("area") == "E")["forecast_reason"].item() == "fewer than 5 points"


@pytest.mark.parametrize("method", FORECAST_METHODS)
def test_intervals_widen_with_the_horizon(method):
    parameters = ForecastParameters(methods=(method,))
    widths = []
    for steps in (1, 2, 4, 8, 16):
        got = assess_forecast(damped_frame(NOISY, steps), parameters).row(0, named=True)
        assert got["forecast_method"] == method
        widths.append(got["forecast_upper95"] - got["forecast_lower95"])
    assert all(a < b for a, b in zip(widths, widths[1:])), widths


def test_80_percent_intervals_lie_inside_the_95_percent_ones():
    got = assess_forecast(real_frame()).filter(pl.col("forecast").is_not_null())
    assert got.height == 325  # every series with at least 4 figures
    assert got.select(pl.col("^forecast_(lower|upper).*$").null_count()).row(0) == (0, 0, 0, 0)
    assert (got["forecast_lower95"] <= got["forecast_lower80"]).all()
    assert (got["forecast_lower80"] <= got["forecast"]).all()
    assert (got["forecast"] <= got["forecast_upper80"]).all()
    assert (got["forecast_upper80"] <= got["forecast_upper95"]).all()
    assert ((got["forecast_lower95"] < got["forecast_upper95"])
            | (got["forecast_lower95"] == got["forecast_upper95"])).all()
    p = got["p_meet_target"].drop_nulls()
    # those of the 325 with a target and a polarity other than none
    assert p.len() == 236 and ((p >= 0) & (p <= 1)).all()


def test_no_polarity_or_no_target_gives_no_probability():
    values = [3.0, 4.0, 4.5, 5.5, 6.0, 7.2]
    linear = ForecastParameters(methods=("linear",))
    none = assess_forecast(frame_of({"A": values}, polarity="none", target=8.0),
                           linear).row(0, named=True)
    untargeted = assess_forecast(frame_of({"A": values}, target=None), linear).row(0, named=True)
    # a straight line through 3, 4, 4.5, 5.5, 6, 7.2 a year apart: slope 14 / 17.5 = 0.8
    # through (2.5, 30.2 / 6), so one year on 30.2 / 6 + 0.8 × 3.5 = 7.8333...
    for got in (none, untargeted):
        assert got["forecast_method"] == "linear"
        assert got["forecast"] == pytest.approx(7.8333333) and got["p_meet_target"] is None


def test_only_the_listed_methods_compete():
    frame = real_frame()
    for method in FORECAST_METHODS:
        chosen = assess_forecast(frame, ForecastParameters(methods=(method,)))
        assert set(chosen["forecast_method"].drop_nulls()) == {method}


def test_missing_forecast_date_and_undated_spread():
    frame = frame_of({"A": [1.0, 2.0, 4.0, 3.0]}).with_columns(
        forecast_start=pl.lit(None, pl.Date))
    got = assess_forecast(frame).row(0, named=True)
    assert got["forecast_reason"] == "no forecast date" and got["forecast"] is None
    same_start = frame_of({"A": [1.0, 2.0, 4.0, 3.0]}).with_columns(
        period_start=pl.lit(BASE), period_end=pl.date_range(
            date(2005, 1, 1), date(2005, 1, 4), eager=True))
    only_linear = ForecastParameters(methods=("linear",))
    linear = assess_forecast(same_start, only_linear).row(0, named=True)
    assert linear["forecast_reason"] == "the points all start on the same date"
    either = assess_forecast(same_start, ForecastParameters(methods=("linear", "damped")))
    assert either.row(0, named=True)["forecast_method"] == "damped"
    # the combination goes on without the line that cannot be drawn
    assert assess_forecast(same_start).row(0, named=True)["forecast_method"] == "combined"


def test_forecast_panel_takes_polarity_as_words_or_signs():
    frame = real_frame().with_columns(
        pl.col("period_start").cast(pl.Int32).alias("t"))
    panel = build_panel(frame, KEYS, ("period_start", "period_end"), extra=("t",))
    last = frame.sort("period_start").group_by(KEYS).agg(
        pl.col("forecast_start").last().cast(pl.Int32).cast(pl.Float64),
        pl.col("target").last(), pl.col("polarity").last())
    last = panel.keys.join(last, on=KEYS, how="left", maintain_order="left")
    words = last["polarity"].to_numpy()
    signs = np.select([words == "up", words == "down"], [1, -1], 0)
    start = last["forecast_start"].to_numpy()
    target = last["target"].fill_null(np.nan).to_numpy()
    by_word = forecast_panel(panel, start, target, words, ForecastParameters())
    by_sign = forecast_panel(panel, start, target, signs, ForecastParameters())
    np.testing.assert_array_equal(by_word["p_meet_target"], by_sign["p_meet_target"])
    assert np.isfinite(by_word["p_meet_target"]).sum() == 236
    # The frame-level function is this, series by series.
    assessed = panel.keys.join(assess_forecast(frame), on=KEYS, how="left",
                               maintain_order="left")
    for column in output_columns():
        got = by_word[column]
        want = assessed[column].to_numpy()
        if got.dtype == object:
            assert got.tolist() == want.tolist(), column
        else:
            np.testing.assert_array_equal(got, want.astype(float), err_msg=column)


def test_empty_frame():
    frame = frame_of({}).head(0)
    got = assess_forecast(frame)
    assert got.height == 0 and got.columns == [*KEYS, *output_columns()]


def test_probability_is_monotone_in_the_target():
    values = [3.0, 4.1, 4.4, 5.6, 6.0, 7.2, 7.1, 8.3]
    ps = [assess_forecast(frame_of({"A": values}, target=target)).item(0, "p_meet_target")
          for target in (6.0, 8.0, 9.0, 10.0, 12.0)]
    assert all(a > b for a, b in zip(ps, ps[1:])), ps


def test_calibration_blends_the_backtest_misses_into_the_spread():
    import datetime as dt

    values = [10.0, 10.2, 10.1, 10.3, 10.2, 10.4, 10.3, 13.0, 10.5, 14.0]
    frame = pl.DataFrame({
        "indicator": ["i"] * 10, "area": ["a"] * 10,
        "period_start": [dt.date(2000 + i, 1, 1) for i in range(10)],
        "period_end": [dt.date(2001 + i, 1, 1) for i in range(10)],
        "value": values, "polarity": ["up"] * 10, "target": [11.0] * 10,
        "forecast_start": [dt.date(2012, 1, 1)] * 10})
    alpha, h = 0.5, 3  # one α, so the fit is plain; 2009 → 2012 is 3 steps
    parameters = ForecastParameters(methods=("smoothing",), alphas=(alpha,))

    def smooth(points):  # ℓ₁ = y₁, ℓ ← ℓ + α(y − ℓ): the level and the squared errors
        level, sse = points[0], 0.0
        for y in points[1:]:
            sse += (y - level) ** 2
            level += alpha * (y - level)
        return level, sse

    level, sse = smooth(values)
    model_sd = np.sqrt(sse / 9) * np.sqrt(1 + (h - 1) * alpha**2)
    misses = [values[k] - smooth(values[:k])[0] for k in (9, 8, 7)]  # origins 1, 2, 3
    backtest_sd = np.mean(np.abs(misses)) * np.sqrt(np.pi / 2) * np.sqrt(h)
    sd = np.sqrt((model_sd**2 + backtest_sd**2) / 2)

    raw = assess_forecast(frame, replace(parameters, calibrate=False)).row(0, named=True)
    calibrated = assess_forecast(frame, parameters).row(0, named=True)
    assert calibrated["forecast"] == raw["forecast"] == pytest.approx(level, rel=1e-12)
    assert raw["forecast_upper95"] - level == pytest.approx(stats.norm.ppf(0.975) * model_sd)
    law = stats.t(5, loc=level, scale=sd)
    assert calibrated["forecast_upper95"] == pytest.approx(law.ppf(0.975), rel=1e-12)
    assert calibrated["forecast_lower80"] == pytest.approx(law.ppf(0.1), rel=1e-12)
    assert calibrated["p_meet_target"] == pytest.approx(law.sf(11.0), abs=1e-12)
    # The jumps to 13 and 14 were missed out of sample: wider, so nearer one half.
    assert backtest_sd > model_sd
    assert abs(calibrated["p_meet_target"] - 0.5) < abs(raw["p_meet_target"] - 0.5)
