"""Status against target and direction of travel: vectorised results equal slow per-row loops."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from joinedup.core.direction import assess_direction
from joinedup.core.parameters import DirectionParameters, StatusParameters
from joinedup.core.periods import Period, parse_period, parse_periods
from joinedup.core.status import assess_status
from joinedup.demo.sources import DemoSources

KINDS = {
    "quarter": lambda i: f"{2000 + i // 4} Q{i % 4 + 1}",
    "year": lambda i: f"{2000 + i}",
    "financial_year": lambda i: f"{2000 + i}/{(2001 + i) % 100:02d}",
    "month": lambda i: f"{2000 + i // 12}-{i % 12 + 1:02d}",
    "span": lambda i: f"{2000 + i}-{2002 + i}",
    "day": lambda i: (dt.date(2000, 1, 1) + dt.timedelta(days=30 * i)).isoformat(),
}


@st.composite
def series_frames(draw):
    rows = []
    for s in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(sorted(KINDS)))
        positions = sorted(draw(st.sets(st.integers(0, 30), min_size=1, max_size=16)))
        polarity = draw(st.sampled_from(["up", "down", "none"]))
        for position in positions:
            value = draw(st.one_of(st.none(), st.sampled_from([10.0, 10.05, 10.2, 9.0, 0.0]),
                                   st.floats(-50, 50, allow_nan=False)))
            if draw(st.booleans()) and value is not None:
                half = draw(st.floats(0, 5, allow_nan=False))
                lower, upper = value - half, value + half
            else:
                lower = upper = None
            rows.append((f"i{s}", "a", KINDS[kind](position), value, lower, upper, polarity))
    frame = pl.DataFrame(rows, orient="row", schema={
        "indicator": pl.String, "area": pl.String, "period": pl.String, "value": pl.Float64,
        "lower_ci": pl.Float64, "upper_ci": pl.Float64, "polarity": pl.String})
    return _with_periods(frame.sample(fraction=1.0, shuffle=True, seed=draw(st.integers(0, 9))))


def _with_periods(frame: pl.DataFrame) -> pl.DataFrame:
    pieces = []
    for (_,), group in frame.with_row_index("_i").group_by("indicator", maintain_order=True):
        read = parse_periods(group["period"])
        pieces.append(group.with_columns(period_start=read["start"], period_end=read["end"],
                                         period_kind=read["kind"].cast(pl.String)))
    return pl.concat(pieces).sort("_i").drop("_i")


# --- direction -------------------------------------------------------------------------

def _reference_direction(frame: pl.DataFrame, parameters: DirectionParameters) -> list[tuple]:
    """One row at a time: find the earlier figures by hand and judge them."""
    rows = frame.to_dicts()
    out = []
    for row in rows:
        if row["value"] is None:
            out.append(("none", "none", "none"))
            continue
        own = [r for r in rows if r["indicator"] == row["indicator"] and r["area"] == row["area"]
               and r["value"] is not None]
        period = Period(row["period_start"], row["period_end"], row["period_kind"])
        previous = period.previous()
        if previous is None:
            earlier = [r for r in own if (r["period_start"], r["period_end"])
                       < (row["period_start"], row["period_end"])]
            before = max(earlier, key=lambda r: (r["period_start"], r["period_end"]),
                         default=None)
        else:
            before = next((r for r in own if (r["period_start"], r["period_end"])
                           == (previous.start, previous.end)), None)
        year = period.year_earlier()
        a_year = next((r for r in own if (r["period_start"], r["period_end"])
                       == (year.start, year.end)), None)
        judged_previous = _judge(row, before, parameters)
        judged_year = _judge(row, a_year, parameters)
        out.append((judged_previous, judged_year,
                    judged_year if a_year is not None else judged_previous))
    return out


def _judge(row, before, parameters) -> str:
    if before is None or row["polarity"] not in ("up", "down"):
        return "none"
    change = row["value"] - before["value"]
    cis = [row["lower_ci"], row["upper_ci"], before["lower_ci"], before["upper_ci"]]
    if parameters.use_confidence_intervals and all(c is not None for c in cis):
        counts = row["lower_ci"] > before["upper_ci"] or row["upper_ci"] < before["lower_ci"]
    else:
        counts = abs(change) > parameters.min_relative_change * abs(before["value"])
    if not counts:
        return "no_change"
    better = change > 0 if row["polarity"] == "up" else change < 0
    return "improving" if better else "worsening"


def _reference_runs(frame: pl.DataFrame, previous: list[str]) -> list[int]:
    rows = frame.with_columns(direction_previous=pl.Series(previous)).with_row_index("_i")
    runs = [0] * frame.height
    for (_, _), group in rows.filter(pl.col("value").is_not_null()).group_by(
            "indicator", "area"):
        count = 0
        for row in group.sort("period_start", "period_end").iter_rows(named=True):
            count = count + 1 if row["direction_previous"] == "worsening" else 0
            runs[row["_i"]] = count
    return runs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=series_frames(), use_ci=st.booleans())
def test_direction_equals_the_per_row_loop(frame, use_ci):
    parameters = DirectionParameters(use_confidence_intervals=use_ci)
    result = assess_direction(frame, parameters)
    expected = _reference_direction(frame, parameters)
    got = list(zip(result["direction_previous"], result["direction_year"], result["direction"],
                   strict=True))
    assert got == expected
    assert result["worsening_run"].to_list() == _reference_runs(
        frame, [e[0] for e in expected])


def test_direction_on_the_real_series():
    sources = DemoSources()
    polarity = {i["code"]: i["polarity"] for i in sources.catalogue["indicator"]}
    frame = sources.values.filter(pl.col("indicator").is_in(["HW 02", "HW 15", "EC 01", "NG 07"]))
    frame = frame.with_columns(
        polarity=pl.col("indicator").replace_strict(polarity),
        period_kind=parse_periods(frame["period"])["kind"].cast(pl.String))
    result = assess_direction(frame)
    expected = _reference_direction(frame, DirectionParameters())
    assert list(zip(result["direction_previous"], result["direction_year"],
                    result["direction"], strict=True)) == expected
    judged = result.filter(pl.col("direction") != "none")
    # the real data exercises the judgements: every figure but each series' first, in the
    # three indicators with a polarity (NG 07's is none)
    assert judged.height == 324


def test_confidence_intervals_decide_when_both_have_them():
    frame = _with_periods(pl.DataFrame({
        "indicator": ["a"] * 3, "area": ["x"] * 3, "period": ["2019", "2020", "2021"],
        "value": [70.0, 72.0, 76.0], "lower_ci": [68.0, 70.5, 74.5],
        "upper_ci": [72.0, 73.5, 77.5], "polarity": ["up"] * 3}))
    result = assess_direction(frame)
    # +2 points is far beyond 1%, but the intervals overlap: no real change
    assert result["direction"].to_list() == ["none", "no_change", "improving"]


def test_quarterly_data_compares_with_a_year_earlier_when_it_can():
    frame = _with_periods(pl.DataFrame({
        "indicator": ["a"] * 5, "area": ["x"] * 5,
        "period": ["2009 Q1", "2009 Q2", "2009 Q3", "2009 Q4", "2010 Q1"],
        "value": [10.0, 20.0, 15.0, 12.0, 11.0], "polarity": ["down"] * 5}))
    result = assess_direction(frame)
    assert result["direction_previous"][-1] == "improving"  # 12 → 11
    assert result["direction_year"][-1] == "worsening"  # 10 → 11
    assert result["direction"][-1] == "worsening"


# --- status ----------------------------------------------------------------------------

def _reference_status(frame: pl.DataFrame, targets: pl.DataFrame,
                      parameters: StatusParameters) -> list[tuple[str, str | None]]:
    """Each row's status and the kind of expected value it was judged against."""
    out = []
    target_rows = targets.to_dicts()
    for row in frame.to_dicts():
        matching = [t for t in target_rows if t["indicator"] == row["indicator"]
                    and t["area"] == row["area"] and t["period_end"] == row["period_end"]]
        # the same interval first, then the longest period, then a target before a milestone
        ranked = sorted(matching, key=lambda t: (t["period_start"] != row["period_start"],
                                                 t["period_start"],
                                                 (t["target_kind"] or "target") != "target"))
        chosen = ranked[0] if ranked else None
        kind = None if chosen is None else chosen["target_kind"] or "target"
        value = row["value"]
        if value is None or chosen is None or row["polarity"] not in ("up", "down"):
            out.append(("grey", kind))
            continue
        target = chosen["target"]
        tolerance = (chosen["tolerance"] if chosen["tolerance"] is not None
                     else abs(target) * parameters.default_tolerance)
        gap = value - target if row["polarity"] == "up" else target - value
        out.append(("green" if gap >= 0 else "amber" if gap >= -tolerance else "red", kind))
    return out


@st.composite
def frames_with_targets(draw):
    frame = draw(series_frames())
    rows = []
    for row in frame.filter(pl.col("period_kind") != "day").to_dicts():
        if draw(st.booleans()):
            period = parse_period(row["period"])
            if draw(st.booleans()) and period.kind in ("calendar_year", "financial_year"):
                # a quarterly milestone ending on the same day as the annual figure
                end = period.end
                start = dt.date(end.year if end.month > 3 else end.year - 1,
                                (end.month - 4) % 12 + 1, 1)
                period = Period(start, end, "calendar_quarter")
            rows.append((row["indicator"], row["area"], period.start, period.end,
                         draw(st.floats(-50, 50, allow_nan=False)),
                         draw(st.one_of(st.none(), st.floats(0, 5, allow_nan=False))),
                         draw(st.sampled_from(["target", "milestone", None]))))
    targets = pl.DataFrame(rows, orient="row", schema={
        "indicator": pl.String, "area": pl.String, "period_start": pl.Date,
        "period_end": pl.Date, "target": pl.Float64, "tolerance": pl.Float64,
        "target_kind": pl.String})
    # A target and a milestone may share a period; two of one kind may not.
    return frame, targets.with_columns(_kind=pl.col("target_kind").fill_null("target")).unique(
        ["indicator", "area", "period_start", "period_end", "_kind"]).drop("_kind")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=frames_with_targets(), share=st.sampled_from([0.0, 0.05, 0.2]))
def test_status_equals_the_per_row_loop(data, share):
    frame, targets = data
    parameters = StatusParameters(default_tolerance=share)
    result = assess_status(frame, targets, parameters)
    assert list(zip(result["status"], result["status_target_kind"], strict=True)) == (
        _reference_status(frame, targets, parameters))
    assert result.height == frame.height


def test_status_uses_the_milestone_that_ends_with_an_annual_figure():
    frame = _with_periods(pl.DataFrame({
        "indicator": ["a", "a"], "area": ["x", "x"], "period": ["2009/10", "2010/11"],
        "value": [20.0, 19.0], "polarity": ["down", "down"]}))
    milestone = parse_period("2009/10 Q4")
    target = parse_period("2010/11")
    targets = pl.DataFrame({
        "indicator": ["a", "a"], "area": ["x", "x"], "period": ["2009/10 Q4", "2010/11"],
        "period_start": [milestone.start, target.start], "period_end": [milestone.end, target.end],
        "target": [19.5, 18.0], "tolerance": [None, 0.5]})
    result = assess_status(frame, targets)
    # 20.0 against 19.5 with 5% tolerance (0.975): amber; 19.0 against 18.0 ± 0.5: red
    assert result["status"].to_list() == ["amber", "red"]
    assert result["status_target_period"].to_list() == ["2009/10 Q4", "2010/11"]
    # a frame that does not say which are milestones holds targets only
    assert result["status_target_kind"].to_list() == ["target", "target"]
    kinds = assess_status(frame, targets.with_columns(target_kind=pl.Series(["milestone",
                                                                              "target"])))
    assert kinds["status_target_kind"].to_list() == ["milestone", "target"]


def test_the_target_comes_before_a_milestone_for_the_same_period():
    frame = _with_periods(pl.DataFrame({
        "indicator": ["a"], "area": ["x"], "period": ["2010/11 Q4"], "value": [19.0],
        "polarity": ["down"]}))
    quarter = parse_period("2010/11 Q4")
    for order in (["milestone", "target"], ["target", "milestone"]):
        targets = pl.DataFrame({
            "indicator": ["a", "a"], "area": ["x", "x"], "period": ["2010/11 Q4"] * 2,
            "period_start": [quarter.start] * 2, "period_end": [quarter.end] * 2,
            "target": [18.5 if kind == "milestone" else 18.0 for kind in order],
            "target_kind": order})
        result = assess_status(frame, targets).row(0, named=True)
        assert (result["status_target_kind"], result["status_target"]) == ("target", 18.0)


def test_status_is_grey_without_polarity_value_or_target():
    frame = _with_periods(pl.DataFrame({
        "indicator": ["a", "b", "c"], "area": ["x"] * 3, "period": ["2019"] * 3,
        "value": [1.0, None, 1.0], "polarity": ["none", "up", "up"]}))
    year = parse_period("2019")
    targets = pl.DataFrame({"indicator": ["a", "b"], "area": ["x", "x"],
                            "period_start": [year.start] * 2, "period_end": [year.end] * 2,
                            "target": [1.0, 1.0]})
    assert assess_status(frame, targets)["status"].to_list() == ["grey", "grey", "grey"]


@pytest.mark.parametrize("polarity,value,expected", [
    ("up", 100.0, "green"), ("up", 95.0, "amber"), ("up", 94.9, "red"),
    ("down", 100.0, "green"), ("down", 105.0, "amber"), ("down", 105.1, "red"),
])
def test_default_tolerance_is_five_percent_of_the_target(polarity, value, expected):
    year = parse_period("2019")
    frame = pl.DataFrame({"indicator": ["a"], "area": ["x"], "period_start": [year.start],
                          "period_end": [year.end], "value": [value], "polarity": [polarity]})
    targets = pl.DataFrame({"indicator": ["a"], "area": ["x"], "period_start": [year.start],
                            "period_end": [year.end], "target": [100.0]})
    assert assess_status(frame, targets)["status"][0] == expected


def test_the_regular_fast_path_finds_what_looking_back_finds():
    import numpy as np

    from joinedup.core import direction
    from joinedup.core.panel import build_panel

    sources = DemoSources()
    compared = 0
    for code in ("HW 15", "EC 04", "HW 02"):  # monthly, annual, financial years
        frame = sources.values.filter(pl.col("indicator") == code).with_columns(
            polarity=pl.lit("up"))
        prepared = direction.period_columns(frame)
        panel = build_panel(prepared, ["indicator", "area"], ["period_start", "period_end"],
                            extra=direction.PERIOD_COLUMNS)
        start_month, start_day = direction.calendar(panel.extra["_start_day"])
        end_month, end_day = direction.calendar(panel.extra["_end_day"])
        step = np.where((start_day == 1) & (end_day == 1), end_month - start_month, -1)
        positions = np.broadcast_to(np.arange(panel.width)[None, :], panel.values.shape)
        slow = direction._lookback(panel, positions, start_month, start_day, end_month,
                                   end_day, step)
        regular = direction._regular_step(panel, start_month, end_month, step)
        assert regular is not None, code  # no gaps in these series: the fast path applies
        fast = direction._regular_lookback(panel, positions, regular)
        assert np.array_equal(slow[0], fast[0]) and np.array_equal(slow[1], fast[1]), code
        compared += 1
    assert compared == 3
