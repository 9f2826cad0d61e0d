"""Tests for the forecast candidates added to linear and damped trend.

1. The random walk with drift and simple exponential smoothing kernels equal slow,
   per-series loops on random panels (ragged lengths, every backtest offset).
2. Published references: statsmodels' ARIMA(0,1,0) with drift, SimpleExpSmoothing and
   ETSModel with a fixed α, and FPP3's interval formulas.
3. The combination's weights, by hand and against a loop.
4. Calibration: on simulated random walks the 80% and 95% intervals hold about 80% and
   95%, within three standard errors of the simulation's own sampling.
"""

from __future__ import annotations

import math
import warnings
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats

from joinedup.core._forecast_candidates import (
    combination_weights,
    drift,
    smoothing_grid,
    smoothing_variance_factor,
)
from joinedup.core.forecast import assess_forecast, forecast_panel
from joinedup.core.panel import Panel
from joinedup.core.parameters import ForecastParameters

TOLERANCE = 1e-9
BASE = date(2004, 4, 1)
Y = [12.1, 12.9, 13.2, 14.8, 14.1, 15.9, 16.2, 16.0, 17.9, 18.4, 18.1, 19.7]


def ragged(rng, n_series=60, width=25) -> tuple[np.ndarray, np.ndarray]:
    """A panel of random walks of random lengths, left-aligned and NaN-padded."""
    lengths = rng.integers(0, width + 1, n_series)
    lengths[:3] = (width, 1, 2)
    values = 100 + np.cumsum(rng.normal(rng.normal(0, 1, (n_series, 1)), 2, (n_series, width)),
                             axis=1)
    values[np.arange(width)[None, :] >= lengths[:, None]] = np.nan
    return values, lengths


def frame_of(values, *, step=91, horizon=1, target=None, polarity="up") -> pl.DataFrame:
    last = BASE + timedelta(days=step * (len(values) - 1))
    return pl.DataFrame([
        {"indicator": "X", "area": "A", "period_start": BASE + timedelta(days=step * i),
         "period_end": BASE + timedelta(days=step * (i + 1)), "value": v,
         "polarity": polarity, "target": target,
         "forecast_start": last + timedelta(days=step * horizon)}
        for i, v in enumerate(values)])


# 1. Against slow per-series loops ------------------------------------------------------

def slow_drift(ys, steps):
    n = len(ys)
    c = (ys[-1] - ys[0]) / (n - 1)
    changes = [ys[i] - ys[i - 1] - c for i in range(1, n)]
    sigma = math.sqrt(sum(e * e for e in changes) / (n - 2)) if n >= 3 else math.nan
    return ys[-1] + steps * c, sigma * math.sqrt(steps * (1 + steps / (n - 1)))


def test_drift_equals_a_loop_over_series():
    rng = np.random.default_rng(5)
    values, lengths = ragged(rng)
    steps = rng.integers(1, 9, len(lengths))
    offsets = np.arange(1, 4)[:, None]
    fit_points = np.where(lengths[None, :] - offsets >= 2, lengths[None, :] - offsets, 0)
    backtest_steps = rng.integers(1, 4, fit_points.shape)
    got = drift(values, lengths, steps, fit_points, backtest_steps)
    for i, n in enumerate(lengths):
        ys = list(values[i, :n])
        if n >= 3:
            forecast, sd = slow_drift(ys, steps[i])
            assert got.forecast[i] == pytest.approx(forecast, rel=TOLERANCE)
            assert got.sd[i] == pytest.approx(sd, rel=TOLERANCE, abs=1e-12)
        else:
            assert np.isnan(got.sd[i])
        for origin in range(3):
            k = fit_points[origin, i]
            if k == 0:
                assert np.isnan(got.backtest[origin, i])
                continue
            forecast, _ = slow_drift(ys[:k], backtest_steps[origin, i])
            assert got.backtest[origin, i] == pytest.approx(ys[k] - forecast, rel=TOLERANCE,
                                                            abs=1e-9)


def slow_smoothing(ys, alphas):
    """(α, level, sse) of the α with the least sse, the first on a tie."""
    best = None
    for alpha in alphas:
        level, sse = ys[0], 0.0
        for y in ys[1:]:
            sse += (y - level) ** 2
            level += alpha * (y - level)
        if best is None or sse < best[2]:
            best = (alpha, level, sse)
    return best


@pytest.mark.parametrize("alphas", [(0.2, 0.5, 0.8), (0.3,), (0.9, 0.1)])
def test_smoothing_equals_a_loop_over_series(alphas):
    rng = np.random.default_rng(11)
    values, lengths = ragged(rng)
    offsets = range(4)
    wanted = np.ones((4, len(lengths)), dtype=bool)
    got = smoothing_grid(values, lengths, offsets, wanted, alphas)
    for i, n in enumerate(lengths):
        for fit, offset in enumerate(offsets):
            k = n - offset
            if k < 1:
                assert np.isnan(got.level[fit, i])
                continue
            alpha, level, sse = slow_smoothing(list(values[i, :k]), alphas)
            assert got.alpha[fit, i] == alpha
            assert got.level[fit, i] == pytest.approx(level, rel=TOLERANCE)
            assert got.sse[fit, i] == pytest.approx(sse, rel=TOLERANCE, abs=1e-9)


def test_smoothing_skips_unwanted_fits_and_blocks_give_the_same_answer(monkeypatch):
    import joinedup.core._forecast_candidates as candidates

    rng = np.random.default_rng(3)
    values, lengths = ragged(rng, n_series=40)
    wanted = rng.random((3, 40)) < 0.7
    whole = smoothing_grid(values, lengths, range(3), wanted, (0.2, 0.5))
    monkeypatch.setattr(candidates, "BLOCK_CELLS", 7)  # blocks of 3 series
    blocked = smoothing_grid(values, lengths, range(3), wanted, (0.2, 0.5))
    np.testing.assert_array_equal(whole.level, blocked.level)
    assert np.isnan(whole.level[~wanted]).all()


# 2. Published references -----------------------------------------------------------------

def test_drift_against_statsmodels_arima_with_drift():
    from statsmodels.tsa.arima.model import ARIMA

    y = np.array(Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ARIMA(y, order=(0, 1, 0), trend="t").fit()
    # ARIMA(0,1,0) with drift is the random walk with drift; its maximum-likelihood drift
    # is the mean change (y_n − y_1)/(n − 1), found numerically, hence 1e-5.
    n = len(y)
    parameters = ForecastParameters(methods=("drift",), calibrate=False)
    for horizon in range(1, 6):
        got = assess_forecast(frame_of(Y, horizon=horizon), parameters).row(0, named=True)
        assert got["forecast_method"] == "drift"
        assert got["forecast"] == pytest.approx(fit.forecast(horizon)[-1], rel=1e-5)
        # σ² on n − 2 degrees of freedom, where ARIMA's likelihood divides by n − 1;
        # FPP3 §5.5: σ_h = σ·√(h(1 + h/(n − 1))).
        sigma2 = fit.params[1] * (n - 1) / (n - 2)
        half = stats.norm.ppf(0.975) * math.sqrt(sigma2 * horizon * (1 + horizon / (n - 1)))
        assert got["forecast_upper95"] - got["forecast"] == pytest.approx(half, rel=1e-4)
    # by hand: 12 points, drift (19.7 − 12.1)/11, two steps on
    got = assess_forecast(frame_of(Y, horizon=2), parameters).row(0, named=True)
    assert got["forecast"] == pytest.approx(19.7 + 2 * 7.6 / 11, rel=1e-12)


ALPHA = 0.3


def test_smoothing_against_statsmodels_simple_exp_smoothing():
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    y = np.array(Y)
    # statsmodels' known initial level ℓ₀ precedes its first observation: ours is the
    # level after the first point, so it gets y₂ … y_n with ℓ₀ = y₁.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = SimpleExpSmoothing(y[1:], initialization_method="known",
                                 initial_level=y[0]).fit(smoothing_level=ALPHA,
                                                         optimized=False)
    level, sse = slow_smoothing(Y, (ALPHA,))[1:]
    assert sse == pytest.approx(fit.sse, rel=TOLERANCE)
    parameters = ForecastParameters(methods=("smoothing",), alphas=(ALPHA,), calibrate=False)
    for horizon in (1, 3, 7):
        got = assess_forecast(frame_of(Y, horizon=horizon), parameters).row(0, named=True)
        assert got["forecast_method"] == "smoothing"
        assert got["forecast"] == pytest.approx(fit.forecast(horizon)[-1], rel=TOLERANCE)
        assert got["forecast"] == pytest.approx(level, rel=TOLERANCE)


def test_smoothing_intervals_against_statsmodels_ets_model():
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = np.array(Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(pd.Series(y[1:]), error="add", trend=None,
                         initialization_method="known", initial_level=y[0])
        result = model.smooth([ALPHA])
        nobs = len(y) - 1
        table = {level: result.get_prediction(start=nobs, end=nobs + 7)
                 .summary_frame(alpha=1 - level / 100) for level in (80, 95)}
    parameters = ForecastParameters(methods=("smoothing",), alphas=(ALPHA,), calibrate=False)
    for horizon in range(1, 9):
        got = assess_forecast(frame_of(Y, horizon=horizon, target=16.0),
                              parameters).row(0, named=True)
        for level in (80, 95):
            row = table[level].iloc[horizon - 1]
            assert got["forecast"] == pytest.approx(row["mean"], rel=TOLERANCE)
            assert got[f"forecast_lower{level}"] == pytest.approx(row["pi_lower"], rel=TOLERANCE)
            assert got[f"forecast_upper{level}"] == pytest.approx(row["pi_upper"], rel=TOLERANCE)
        row = table[95].iloc[horizon - 1]
        sd = (row["pi_upper"] - row["mean"]) / stats.norm.ppf(0.975)
        assert got["p_meet_target"] == pytest.approx(stats.norm.sf(16.0, row["mean"], sd),
                                                     abs=TOLERANCE)


def test_smoothing_variance_factor_is_fpp3s():
    alpha = np.array([0.2, 0.5, 0.8])
    np.testing.assert_allclose(smoothing_variance_factor(alpha, np.array([1, 4, 10])),
                               [1.0, 1 + 3 * 0.25, 1 + 9 * 0.64], rtol=TOLERANCE)


# 3. The combination --------------------------------------------------------------------

def test_combination_weights_by_hand():
    squared = np.array([[1.0, 1.0, 0.0, 2.0, np.nan],
                        [4.0, 1.0, 3.0, np.nan, np.nan],
                        [0.25, 1.0, 0.0, 2.0, np.nan],
                        [np.nan, 1.0, 5.0, 2.0, np.nan]])
    fitted = np.array([[True, True, True, True, True],
                       [True, True, True, True, False],
                       [True, True, True, False, True],
                       [True, False, True, True, True]])
    got = combination_weights(squared, fitted, np.full(5, 1e-12))
    expected = np.array([
        [1 / 5.25, 1 / 3, 1 / 2, 1 / 2, 1 / 3],  # inverse errors 1, 1/4, 4 → ÷ 5.25
        [0.25 / 5.25, 1 / 3, 0, 0, 0],  # second series: candidate 4 is not fitted
        [4 / 5.25, 1 / 3, 1 / 2, 0, 1 / 3],  # third: two exact fits share the weight
        [0, 0, 0, 1 / 2, 1 / 3]])  # fourth: 4 has no known error; fifth: none known
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE, atol=1e-15)


def test_combination_weights_equal_a_loop():
    rng = np.random.default_rng(8)
    squared = rng.exponential(1.0, (4, 200))
    squared[rng.random((4, 200)) < 0.1] = np.nan
    squared[rng.random((4, 200)) < 0.05] = 0.0
    fitted = rng.random((4, 200)) < 0.9
    got = combination_weights(squared, fitted, np.full(200, 1e-9))
    for i in range(200):
        known = [j for j in range(4) if fitted[j, i] and not math.isnan(squared[j, i])]
        perfect = [j for j in known if math.sqrt(squared[j, i]) <= 1e-9]
        if perfect:
            raw = {j: 1.0 for j in perfect}
        elif known:
            raw = {j: 1 / squared[j, i] for j in known}
        else:
            raw = {j: 1.0 for j in range(4) if fitted[j, i]}
        total = sum(raw.values())
        for j in range(4):
            assert got[j, i] == pytest.approx(raw.get(j, 0.0) / total if total else 0.0,
                                              rel=TOLERANCE)


def test_the_combined_forecast_is_the_weighted_mean_of_the_four():
    frame = frame_of(Y, horizon=3, target=20.0)
    single = {method: assess_forecast(frame, ForecastParameters(methods=(method,),
                                                               calibrate=False))
              .row(0, named=True)
              for method in ("linear", "damped", "drift", "smoothing")}
    combined = assess_forecast(frame, ForecastParameters(calibrate=False)).row(0, named=True)
    assert combined["forecast_method"] == "combined"
    # the weights from each method's misses at the last three points, refitted by hand
    parameters = ForecastParameters()
    squared = {}
    for method in single:
        misses = []
        for k in (11, 10, 9):
            one = assess_forecast(frame_of(Y[:k], horizon=1),
                                  ForecastParameters(methods=(method,), calibrate=False))
            misses.append(Y[k] - one["forecast"].item())
        squared[method] = np.mean(np.square(misses))
    total = sum(1 / e for e in squared.values())
    weights = {method: (1 / e) / total for method, e in squared.items()}
    assert parameters.backtest_origins == 3
    assert combined["forecast"] == pytest.approx(
        sum(weights[m] * single[m]["forecast"] for m in single), rel=TOLERANCE)
    # its spread is the weighted mean of theirs (normal laws)
    z = stats.norm.ppf(0.975)
    spread = sum(weights[m] * (single[m]["forecast_upper95"] - single[m]["forecast"])
                 for m in ("damped", "drift", "smoothing"))
    linear_sd = ((single["linear"]["forecast_upper95"] - single["linear"]["forecast"])
                 / stats.t.ppf(0.975, len(Y) - 2))
    spread += weights["linear"] * z * linear_sd
    assert combined["forecast_upper95"] - combined["forecast"] == pytest.approx(
        spread, rel=TOLERANCE)


# 4. Calibration ------------------------------------------------------------------------

def walks(rng, n_series, length, horizon, tails) -> tuple[Panel, np.ndarray, np.ndarray]:
    """Random walks with drift, steps Student's t on ``tails`` degrees of freedom, a
    quarter apart; the held-out value ``horizon`` quarters after the last."""
    scale = rng.uniform(0.2, 3.0, (n_series, 1))
    steps = scale * rng.standard_t(tails, (n_series, length + horizon))
    values = 50 + np.cumsum(steps + rng.normal(0, 0.3, (n_series, 1)), axis=1)
    t = np.tile(np.arange(length, dtype=float) * 91, (n_series, 1))
    panel = Panel(values[:, :length].copy(), np.full(n_series, length), pl.DataFrame(),
                  np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), {"t": t})
    return panel, values[:, -1], t[:, -1] + 91 * horizon


def test_calibrated_intervals_hold_their_level_on_random_walks():
    """Twenty quarters, forecast two on (as the real-data backtest in bench/ does)."""
    n_series = 4000
    panel, actual, start = walks(np.random.default_rng(20), n_series, 20, 2, tails=5)
    got = forecast_panel(panel, start, np.full(n_series, np.nan), np.ones(n_series))
    assert set(got["forecast_method"]) == {"combined"}
    for level in (80, 95):
        inside = ((got[f"forecast_lower{level}"] <= actual)
                  & (actual <= got[f"forecast_upper{level}"]))
        nominal = level / 100
        # three standard errors of a proportion estimated from n_series walks
        allowed = 3 * math.sqrt(nominal * (1 - nominal) / n_series)
        assert abs(inside.mean() - nominal) <= allowed, (level, inside.mean())


def test_calibrated_probability_is_reliable_on_random_walks():
    """Of the walks given P(meet) in a band, about that share meet the target."""
    n_series = 4000
    rng = np.random.default_rng(21)
    panel, actual, start = walks(rng, n_series, 20, 2, tails=5)
    target = panel.values[:, -1] + rng.normal(0, 2, n_series)
    got = forecast_panel(panel, start, target, np.ones(n_series))
    p, met = got["p_meet_target"], actual >= target
    # Brier score against the coin toss of the naive forecast at its own last value
    assert np.mean((p - met) ** 2) < 0.25
    for low, high in ((0.0, 0.3), (0.3, 0.7), (0.7, 1.0)):
        band = (p >= low) & (p < high)
        expected, share = p[band].mean(), met[band].mean()
        allowed = 3 * math.sqrt(expected * (1 - expected) / band.sum())
        assert abs(share - expected) <= allowed, (low, high, share, expected, band.sum())
