"""Tests for joinedup.core.forecast: forecast to the target date, and P(meet target).

1. The vectorised results equal a slow per-series reference (tests/core/reference/
   forecast_reference.py) to 1e-9 on generated panels and on the demo's real series.
2. Independent references: statsmodels' OLS prediction intervals for the linear trend;
   statsmodels' ExponentialSmoothing and ETSModel for the damped trend with fixed α, β, φ;
   scipy.stats for P(meet target).
Behaviour (straight lines, levelling-off series, short series, widening intervals) is in
test_forecast_behaviour.py.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from forecast_frames import BASE, EPOCH, KEYS, NOISY, SCHEMA, damped_frame, real_frame
from reference.forecast_reference import damped_run, reference_assess
from scipy import stats

from joinedup.core.forecast import assess_forecast, output_columns
from joinedup.core.parameters import ForecastParameters

TOLERANCE = 1e-9


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
