"""Tests for joinedup.core.spc: XmR charts as NHSRplotthedots 0.2.2 draws them.

1. The vectorised code equals a slow per-series reference (tests/core/reference) on
   generated frames and on the real demonstration data.
2. The published values of the package's own tests (``_snaps/ptd_spc_standard.md``).
3. The package's unit cases for the rules, restated.
4. Priority, sides, parameters (run length, baseline, rebase), trial limits, assurance
   and edge cases.
"""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.spc_reference import reference_assess

from joinedup.core.panel import build_panel
from joinedup.core.parameters import SPCParameters
from joinedup.core.spc import (
    SIGNALS,
    assess_spc,
    merge_segments,
    part_of_run,
    rebase_segments,
    shift_ends,
    spc_panel,
    split_segments,
    trend_ends,
    two_in_three,
)
from joinedup.demo.sources import DemoSources

FIGURES = ("spc_mean", "spc_lower", "spc_upper", "spc_lower_2sigma", "spc_upper_2sigma")
CATEGORIES = ("spc_signal", "spc_side", "variation", "assurance", "spc_trial_limits")

# R: set.seed(123); rnorm(20)
RNORM_20 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
            0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
            0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
            0.70135590, -0.47279150]


def month(k: int) -> date:
    return date(2020 + k // 12, k % 12 + 1, 1)


def series_frame(values, polarity="up", target=None, indicator="I", area="A") -> pl.DataFrame:
    """One series of monthly values from January 2020."""
    n = len(values)
    return pl.DataFrame({
        "indicator": [indicator] * n, "area": [area] * n,
        "period_start": [month(k) for k in range(n)],
        "period_end": [month(k + 1) for k in range(n)],
        "value": values, "polarity": [polarity] * n, "target": [target] * n,
    }, schema={"indicator": pl.String, "area": pl.String, "period_start": pl.Date,
               "period_end": pl.Date, "value": pl.Float64, "polarity": pl.String,
               "target": pl.Float64})


def spc(values, parameters=SPCParameters(), **kwargs) -> pl.DataFrame:
    return assess_spc(series_frame(values, **kwargs), parameters)


def same_figure(got, want) -> bool:
    missing = lambda v: v is None or (isinstance(v, float) and math.isnan(v))  # noqa: E731
    if missing(got) or missing(want):
        return missing(got) and missing(want)
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300)


def assert_matches_reference(frame: pl.DataFrame, parameters: SPCParameters) -> None:
    got = assess_spc(frame, parameters)
    assert got.height == frame.height
    assert got.select(frame.columns).equals(frame)
    want = reference_assess(frame, parameters)
    for index, (g, w) in enumerate(zip(got.select(*FIGURES, *CATEGORIES).to_dicts(), want,
                                       strict=True)):
        for name in CATEGORIES:
            assert g[name] == w[name], (index, name, g, w)
        for name in FIGURES:
            assert same_figure(g[name], w[name]), (index, name, g[name], w[name])


# --- 1. against the reference -------------------------------------------------------

POINT = st.one_of(
    st.integers(-3, 3).map(float),  # ties, repeats, points exactly on the mean
    st.sampled_from([0.1, 0.2, 0.3, 0.7, 1e6, -1e6, 1e-9]),  # awkward sums, extreme jumps
    st.floats(-100, 100, allow_nan=False, allow_infinity=False),
)


@st.composite
def series_values(draw) -> list[float | None]:
    kind = draw(st.sampled_from(["mixed", "constant", "ramp", "steps"]))
    if kind == "constant":
        values = [draw(POINT)] * draw(st.integers(0, 40))
    elif kind == "ramp":
        values = sorted(draw(st.lists(POINT, max_size=40)), reverse=draw(st.booleans()))
    elif kind == "steps":  # level shifts: runs of one value on each side
        values = []
        for level in draw(st.lists(st.integers(-2, 2), max_size=6)):
            values += [float(level)] * draw(st.integers(1, 9))
        values = values[:40]
    else:
        values = draw(st.lists(POINT, max_size=40))
    gaps = draw(st.lists(st.integers(0, 11), min_size=len(values), max_size=len(values)))
    return [None if gap == 0 else v for v, gap in zip(values, gaps)]


@st.composite
def frames(draw) -> pl.DataFrame:
    pieces = []
    for index in range(draw(st.integers(1, 8))):
        values = draw(series_values())
        polarity = draw(st.sampled_from(["up", "down", "none"]))
        target = draw(st.one_of(st.none(), st.integers(-4, 4).map(float),
                                st.floats(-200, 200, allow_nan=False)))
        pieces.append(series_frame(values, polarity, target, indicator=f"I{index % 3}",
                                   area=f"A{index}"))
    frame = pl.concat(pieces)
    order = draw(st.permutations(range(frame.height)))
    return frame[list(order)]


PARAMETERS = st.builds(
    SPCParameters,
    screen_outliers=st.booleans(),
    run_length=st.sampled_from([6, 7]),
    baseline_points=st.one_of(st.none(), st.integers(2, 6)),
    rebase_periods=st.lists(
        st.sampled_from(["2019-06", "2020-04", "2020-06-15", "2021-01", "2022-11", "2026"]),
        max_size=3, unique=True).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), PARAMETERS)
def test_equals_the_reference_on_generated_frames(frame, parameters):
    assert_matches_reference(frame, parameters)


@pytest.fixture(scope="module")
def demo_frame() -> pl.DataFrame:
    sources = DemoSources()
    polarity = {i["code"]: i["polarity"] for i in sources.catalogue["indicator"]}
    values = sources.values
    return values.with_columns(polarity=pl.col("indicator").replace_strict(polarity))


@pytest.mark.parametrize("parameters", [
    SPCParameters(),
    SPCParameters(run_length=6, screen_outliers=False),
    SPCParameters(baseline_points=5, rebase_periods=("2015/16", "2019")),
])
def test_equals_the_reference_on_the_demo_data(demo_frame, parameters):
    # a target per series at its median, and none for some, so every assurance occurs
    frame = demo_frame.with_columns(
        target=pl.when(pl.col("area").str.ends_with("1")).then(None)
        .otherwise(pl.col("value").median().over("indicator", "area") * 1.1))
    assert_matches_reference(frame, parameters)
    assert_matches_reference(demo_frame, parameters)


def test_demo_data_shows_every_kind_of_signal(demo_frame):
    result = assess_spc(demo_frame)
    assert set(result["spc_signal"]) == set(SIGNALS)


# --- 2. the package's published values ------------------------------------------------

def r_printed(value: float, printed: float) -> bool:
    """Equal to R's 7 significant digits."""
    return float(f"{value:.7g}") == printed


def daily_frame(values) -> pl.DataFrame:
    return series_frame(values).with_columns(
        period_start=pl.date_range(date(2020, 1, 2), date(2020, 1, 21), eager=True),
        period_end=pl.date_range(date(2020, 1, 3), date(2020, 1, 22), eager=True))


def test_published_limits_screened():
    r1 = assess_spc(daily_frame(RNORM_20))
    assert r_printed(r1["spc_mean"][0], 0.1416238)
    assert r_printed(r1["spc_lower"][0], -3.01138)
    assert r_printed(r1["spc_upper"][0], 3.294627)
    relative = np.sign(np.array(RNORM_20) - r1["spc_mean"][0])
    assert relative[:15].tolist() == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]
    # the printed outside_limits and close_to_limits (the first 8) are all FALSE
    first = r1.head(8)
    assert (first["value"] < first["spc_upper_2sigma"]).all()
    assert (first["value"] > first["spc_lower_2sigma"]).all()


def test_published_limits_with_an_outlier_screened_and_not():
    values = list(RNORM_20)
    values[14] = 10.0
    r2 = assess_spc(daily_frame(values))
    assert r_printed(r2["spc_mean"][0], 0.6694159)
    assert r_printed(r2["spc_lower"][0], -2.383666)
    assert r_printed(r2["spc_upper"][0], 3.722497)
    relative = np.sign(np.array(values) - r2["spc_mean"][0])
    assert relative[:14].tolist() == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]
    r3 = assess_spc(daily_frame(values), SPCParameters(screen_outliers=False))
    assert r_printed(r3["spc_mean"][0], 0.6694159)
    assert r_printed(r3["spc_lower"][0], -4.596625)
    assert r_printed(r3["spc_upper"][0], 5.935457)
    assert r3["spc_upper"][0] - r3["spc_lower"][0] > r2["spc_upper"][0] - r2["spc_lower"][0]


# --- 3. the package's unit cases for the rules ---------------------------------------

def row(values) -> np.ndarray:
    return np.array([values], dtype=float)


def test_seven_points_one_side_of_the_mean():
    assert shift_ends(row([1] * 6), 7)[0].tolist() == [False] * 6
    assert shift_ends(row([1] * 6 + [-1]), 7)[0].tolist() == [False] * 7
    assert np.flatnonzero(shift_ends(row([1] * 8 + [-1]), 7)[0]).tolist() == [6, 7]
    assert np.flatnonzero(shift_ends(row([-1] * 8 + [1]), 7)[0]).tolist() == [6, 7]
    assert np.flatnonzero(shift_ends(row([-1] + [1] * 8 + [-1]), 7)[0]).tolist() == [7, 8]
    assert not shift_ends(row([1, 1, 1, 0, 1, 1, 1, 1]), 7).any()  # on the mean breaks it


def test_seven_point_trend():
    assert trend_ends(row(range(1, 7)), 7)[0].tolist() == [0] * 6
    assert trend_ends(row([1, 2, 3, 3, 4, 5, 6]), 7)[0].tolist() == [0] * 7  # a tie breaks it
    assert trend_ends(row(range(1, 8)), 7)[0].tolist() == [0] * 6 + [1]
    assert trend_ends(row([2, *range(1, 8), 3]), 7)[0].tolist() == [0] * 7 + [1, 0]
    assert trend_ends(row(range(7, 0, -1)), 7)[0].tolist() == [0] * 6 + [-1]
    assert trend_ends(row([2, *range(7, 0, -1), 3]), 7)[0].tolist() == [0] * 7 + [-1, 0]


def test_part_of_a_run_marks_every_point_of_it():
    ends = np.array([[0, 0, 0, 0, 0, 0, 1, 0, 0]])
    assert part_of_run(ends, 7)[0].tolist() == [True] * 7 + [False] * 2
    ends = np.array([[0, 0, 0, 0, 0, 0, 0, -1, 1, 0]])
    assert part_of_run(ends, 7)[0].tolist() == [False] + [True] * 8 + [False]
    assert not part_of_run(np.zeros((1, 6)), 7).any()


def test_two_in_three():
    same_side = np.ones((1, 3))
    for close in ([1, 0, 1], [0, 1, 1], [1, 1, 0]):
        assert two_in_three(row(close), same_side)[0].tolist() == [True] * 3
    assert not two_in_three(np.zeros((1, 3)), same_side).any()
    ones = np.ones((1, 7))
    assert two_in_three(row([0, 0, 1, 0, 1, 0, 0]), ones)[0].astype(int).tolist() == \
        [0, 0, 1, 1, 1, 0, 0]
    assert two_in_three(row([0, 0, 1, 1, 0, 0, 0]), ones)[0].astype(int).tolist() == \
        [0, 1, 1, 1, 1, 0, 0]


def test_two_in_three_needs_all_three_on_one_side():
    for close in ([1, 0, 1], [0, 1, 1], [1, 1, 0]):
        assert not two_in_three(row(close), row([1, -1, 1])).any()
    assert not two_in_three(row([0, 0, 1, 0, 1, 0, 0]), row([1, -1] * 3 + [1])).any()
    assert not two_in_three(row([0, 0, 1, 1, 0, 0, 0]), row([-1, 1] * 3 + [-1])).any()


def test_part_of_two_in_three_is_only_the_points_close_to_the_limits():
    def part(close):
        c = row(close)
        return (two_in_three(c, np.ones_like(c)) & (c == 1))[0].astype(int).tolist()

    assert part([1, 0, 1]) == [1, 0, 1]
    assert part([0, 1, 1]) == [0, 1, 1]
    assert part([0, 0, 1, 0, 1, 0, 0]) == [0, 0, 1, 0, 1, 0, 0]
    assert part([1, 0, 0, 1]) == [0, 0, 0, 0]
    assert part([1, 0, 0, 1, 1]) == [0, 0, 0, 1, 1]


def test_two_points_close_to_the_limits_on_opposite_sides_are_common_cause():
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    result = spc(values)
    assert result["spc_upper_2sigma"][0] < 5.5 < result["spc_upper"][0]
    assert set(result["spc_signal"]) == {"none"}
    assert set(result["variation"]) == {"common_cause"}


# --- 4. rules, sides and parameters ---------------------------------------------------

BASELINE = [10.0, 12.0] * 6  # mean 11, mean moving range 2: limits 5.68 and 16.32


def test_each_point_gets_its_highest_priority_rule():
    values = BASELINE + [11.5, 12, 12.5, 13, 13.5, 15, 17, 15.5, 12, 12]
    result = spc(values, SPCParameters(baseline_points=12), polarity="down")
    assert result["spc_upper"][0] == pytest.approx(16.32)
    assert result["spc_signal"].to_list() == (
        ["none"] * 11 + ["shift"] + ["trend"] * 6 + ["outside_limits", "two_in_three"]
        + ["shift"] * 2)
    assert set(result["spc_side"][11:]) == {"high"}
    assert set(result["variation"][11:]) == {"concern"}
    assert set(result["variation"][:11]) == {"common_cause"}


def test_a_falling_trend_is_low_on_both_sides_of_the_mean():
    values = BASELINE + [13, 12.5, 12, 11.5, 10.5, 10, 9.5]
    result = spc(values, SPCParameters(baseline_points=12), polarity="up")
    assert result["spc_signal"][12:].to_list() == ["trend"] * 7
    assert result["spc_side"][12:].to_list() == ["low"] * 7
    assert result["variation"][12:].to_list() == ["concern"] * 7
    assert result["spc_side"][11] == "none"  # 12 then 13: rising into the trend, not of it


def test_neutral_polarity_says_high_or_low():
    values = BASELINE + [30.0]
    result = spc(values, SPCParameters(baseline_points=12), polarity="none")
    assert result["variation"][-1] == "neutral_high"
    assert spc([-v for v in values], SPCParameters(baseline_points=12),
               polarity="none")["variation"][-1] == "neutral_low"
    assert spc(values, SPCParameters(baseline_points=12), polarity="up")["variation"][-1] == \
        "improvement"


def test_run_length_six_or_seven():
    rising = BASELINE + [10.5, 11, 11.5, 12, 12.5, 13]  # six rising, then stop
    assert spc(rising + [12.0])["spc_signal"].to_list() == ["none"] * 19
    six = spc(rising + [12.0], SPCParameters(run_length=6))["spc_signal"]
    assert six.to_list() == ["none"] * 12 + ["trend"] * 6 + ["none"]
    above = [1.0, 0.0] * 6 + [2.0] * 6 + [0.0]  # six points above the mean
    mean = sum(above) / len(above)
    assert all(v > mean for v in above[12:18])
    assert spc(above, SPCParameters(baseline_points=12))["spc_signal"].to_list() == \
        ["none"] * 19
    assert spc(above, SPCParameters(baseline_points=12, run_length=6))["spc_signal"] \
        .to_list() == ["none"] * 12 + ["shift"] * 6 + ["none"]


def test_baseline_points_fix_the_limits():
    values = BASELINE + [20.0, 22.0] * 6
    fixed = spc(values, SPCParameters(baseline_points=12))
    assert fixed["spc_mean"].unique().to_list() == [11.0]
    assert set(fixed["spc_signal"][12:]) == {"outside_limits"}
    moving = spc(values)
    assert moving["spc_mean"][0] == pytest.approx(16.0)


def test_rebase_starts_new_limits_at_the_period():
    values = BASELINE + [20.0, 22.0] * 6
    result = spc(values, SPCParameters(rebase_periods=("2021-01",)))  # month 13
    assert result["spc_mean"].to_list() == [11.0] * 12 + [21.0] * 12
    assert set(result["spc_signal"]) == {"none"}
    assert not result["spc_trial_limits"].any()
    # a rebase date between periods takes effect at the next point
    between = spc(values, SPCParameters(rebase_periods=("2020-12-15",)))
    assert between["spc_mean"].to_list() == result["spc_mean"].to_list()
    # rebase dates before the first point or after the last change nothing
    none = spc(values, SPCParameters(rebase_periods=("2019", "2030-01")))
    assert none["spc_mean"].unique().to_list() == [16.0]


def test_trial_limits_under_twelve_points():
    assert spc(BASELINE[:11])["spc_trial_limits"].to_list() == [True] * 11
    assert spc(BASELINE)["spc_trial_limits"].to_list() == [False] * 12
    rebased = spc(BASELINE * 2, SPCParameters(rebase_periods=("2021-06",)))  # month 18
    assert rebased["spc_trial_limits"].to_list() == [False] * 17 + [True] * 7
    assert spc(BASELINE, SPCParameters(trial_points=20))["spc_trial_limits"].all()


@pytest.mark.parametrize(("polarity", "target", "assurance"), [
    ("up", 20.0, "fail"), ("up", 2.0, "pass"), ("up", 11.0, "hit_and_miss"),
    ("down", 20.0, "pass"), ("down", 2.0, "fail"), ("down", 16.0, "hit_and_miss"),
    ("none", 20.0, "none"), ("up", None, "none"), ("down", None, "none"),
])
def test_assurance(polarity, target, assurance):
    result = spc(BASELINE, polarity=polarity, target=target)
    assert result["assurance"].to_list() == [assurance] * 12


def test_assurance_uses_the_last_segment():
    values = BASELINE + [20.0, 22.0] * 6  # last segment's limits: 15.68 to 26.32
    rebased = SPCParameters(rebase_periods=("2021-01",))
    assert spc(values, rebased, target=14.0)["assurance"][0] == "pass"
    assert spc(values, target=14.0)["assurance"][0] == "hit_and_miss"


def test_a_point_exactly_on_the_mean_breaks_a_shift():
    # R's mean puts 0.2 exactly on the mean of 0.1, 0.2, 0.3; a plain sum / n would not
    values = [0.1, 0.2, 0.3] * 4 + [0.25] * 3 + [0.2] + [0.25] * 3
    result = spc(values, SPCParameters(baseline_points=3, run_length=6))
    assert result["spc_mean"][0] == 0.2
    assert result["spc_signal"].to_list() == ["none"] * 19
    # without the break, the 0.3 and the seven 0.25s after it are one run of eight
    assert spc(values[:15] + [0.25] + values[16:], SPCParameters(
        baseline_points=3, run_length=6))["spc_signal"].to_list() == ["none"] * 11 + ["shift"] * 8


def test_constant_series_has_no_limits_and_no_signal():
    result = spc([5.0] * 15, target=3.0)
    assert result["spc_mean"].to_list() == [5.0] * 15
    assert result["spc_upper"].null_count() == 15
    assert set(result["spc_signal"]) == {"none"}
    assert result["assurance"][0] == "hit_and_miss"  # R's case_when falls through
    unscreened = spc([5.0] * 15, SPCParameters(screen_outliers=False))
    assert unscreened["spc_upper"].to_list() == [5.0] * 15
    assert set(unscreened["spc_signal"]) == {"none"}


def test_short_and_missing_values():
    one = spc([4.0])
    assert one["spc_mean"][0] == 4.0 and one["spc_upper"][0] is None
    assert one["spc_trial_limits"][0] is True
    gappy = spc([1.0, None, 3.0, float("nan"), 2.0])
    assert gappy["spc_mean"].to_list() == [2.0, None, 2.0, None, 2.0]
    assert gappy["spc_signal"].to_list() == ["none"] * 5
    assert gappy["variation"].to_list() == ["common_cause", None, "common_cause", None,
                                            "common_cause"]
    assert gappy["spc_trial_limits"].to_list() == [True, None, True, None, True]
    assert gappy["assurance"].to_list() == ["none"] * 5


@pytest.mark.parametrize("parameters", [SPCParameters(),
                                        SPCParameters(rebase_periods=("2020-02",))])
def test_empty_frames(parameters):
    empty = assess_spc(series_frame([]), parameters)
    assert empty.height == 0
    assert empty.columns == [*series_frame([]).columns, *FIGURES, *CATEGORIES]
    nothing = assess_spc(series_frame([None, None]), parameters)
    assert nothing["spc_signal"].to_list() == ["none", "none"]
    assert nothing["spc_mean"].null_count() == 2


def test_rows_keep_their_order_and_series_stay_apart():
    frame = pl.concat([series_frame(BASELINE + [30.0], area="A"),
                       series_frame([1.0, 2.0] * 7, area="B", polarity="down")])
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)
    assert assess_spc(shuffled).sort("area", "period_start").equals(
        assess_spc(frame).sort("area", "period_start"))
    result = assess_spc(frame)
    assert result.filter(area="A")["spc_signal"][-1] == "outside_limits"
    assert result.filter(area="B")["spc_mean"].unique().to_list() == [1.5]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="polarity"):
        assess_spc(series_frame([1.0, 2.0], polarity="higher"))
    frame = series_frame([1.0, 2.0]).with_columns(target=pl.Series([1.0, 2.0]))
    with pytest.raises(ValueError, match="target changes"):
        assess_spc(frame)
    with pytest.raises(ValueError, match="run_length"):
        assess_spc(series_frame([1.0]), SPCParameters(run_length=1))


def test_segments_split_and_merge_back():
    rng = random.Random(3)
    lengths = np.array([5, 0, 3, 8])
    values = np.full((4, 8), np.nan)
    segment = np.zeros((4, 8), dtype=np.int64)
    for i, n in enumerate(lengths):
        values[i, :n] = [rng.random() for _ in range(n)]
        segment[i, :n] = np.cumsum([rng.random() < 0.3 for _ in range(n)])
    split, segments = split_segments(values, lengths, segment)
    assert segments.lengths.sum() == lengths.sum()
    assert np.array_equal(merge_segments(split, segments), values, equal_nan=True)


def test_spc_panel_on_matrices():
    frame = pl.concat([series_frame(BASELINE + [30.0], area="A"),
                       series_frame(BASELINE * 2, area="B")])
    panel = build_panel(frame.with_columns(_day=pl.col("period_start").cast(pl.Int32)),
                        ["indicator", "area"], ["period_start"], extra=["_day"])
    segment = rebase_segments(panel.extra["_day"], panel.lengths,
                              [(date(2021, 1, 1) - date(1970, 1, 1)).days])
    result = spc_panel(panel, np.array([1, -1]), np.array([np.nan, 100.0]),
                       SPCParameters(), segment)
    assert result["segment"][1].tolist() == [0] * 12 + [1] * 12
    assert result["segment"][0].tolist()[:13] == [0] * 12 + [1]
    assert result["signal"].shape == panel.values.shape
    assert result["assurance"].tolist() == [0, 1]  # none; down with target above: pass
    assert result["trial"][0, 12] and not result["trial"][1, 12]


@pytest.mark.parametrize("rebased", [False, True])
def test_spc_panel_leaves_the_panel_alone(rebased):
    frame = series_frame(BASELINE + [20.0, 22.0])
    panel = build_panel(frame, ["indicator", "area"], ["period_start"])
    before = panel.values.copy()
    segment = np.zeros(panel.values.shape, dtype=np.int64) if rebased else None
    result = spc_panel(panel, np.array([1]), np.array([np.nan]),
                       SPCParameters(baseline_points=4), segment)
    assert np.array_equal(panel.values, before)
    assert result["mean"][0, 0] == 11.0
