"""Input checks name row and column; flags speak plainly and cover every condition."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.core.flags import fixed, missing_returns, raise_flags
from joinedup.core.periods import parse_period
from joinedup.core.schemas import FrameError, check_polarity, check_targets, check_values


def problems(error: FrameError) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in error.problems]


def test_values_problems_name_their_row_and_column():
    frame = pl.DataFrame({
        "indicator": ["a", "a", "a", "b", "", "c"],
        "area": ["x", "x", "x", "y", "z", "x"],
        "period": ["2019", "2019", "next year", "2020/21", "2019", "2019"],
        "value": ["1,234.5", "12", "3", "", "4", "inf"],
        "numerator": ["5", "5", "5", "5", "5", "5"],
        "denominator": ["10", "10", "1", "10", "10", "10"],
    })
    with pytest.raises(FrameError) as caught:
        check_values(frame)
    # Row 3's blank value is a suppressed figure, not a problem; the rest are listed by row,
    # then column.
    assert problems(caught.value) == [
        (1, "period", "'2019' repeats the same indicator, area and period as row 0"),
        (2, "numerator", "the numerator is larger than the denominator"),
        (2, "period", "'next year' is not a period JoinedUp can read: a period is written "
                      "with its year in four digits, such as 2019 or 2019/20"),
        (4, "indicator", "a value is needed here"),
        (5, "value", "'inf' is not a number"),
    ]


def test_values_accept_what_real_exports_contain():
    frame = pl.DataFrame({"indicator": [" a "], "area": ["x"], "period": ["2009Q3"],
                          "value": [" 1,234,567.5 "]})
    checked = check_values(frame)
    assert checked["value"][0] == 1234567.5
    assert checked["indicator"][0] == "a"
    assert checked["period_label"][0] == "2009 Q3"
    assert checked["period_start"][0] == dt.date(2009, 7, 1)


def test_a_blank_value_is_kept_as_missing():
    checked = check_values(pl.DataFrame({"indicator": ["a"], "area": ["x"], "period": ["2019"],
                                         "value": [""]}))
    assert checked["value"][0] is None


def test_missing_columns_and_empty_files_are_explained():
    with pytest.raises(FrameError, match="must have the column\\(s\\) value; found indicator"):
        check_values(pl.DataFrame({"indicator": ["a"], "area": ["x"], "period": ["2019"]}))
    with pytest.raises(FrameError, match="has no rows"):
        check_values(pl.DataFrame(schema={c: pl.String for c in
                                          ("indicator", "area", "period", "value")}))


def test_polarity_and_targets_checks():
    with pytest.raises(FrameError) as caught:
        check_polarity(pl.DataFrame({"indicator": ["a", "b", "a"],
                                     "polarity": ["Up", "higher", "down"]}))
    assert problems(caught.value) == [
        (1, "polarity", "'higher' must be up, down or none"),
        (2, "indicator", "'a' is listed more than once"),
    ]
    with pytest.raises(FrameError) as caught:
        check_targets(pl.DataFrame({"indicator": ["a", "a"], "area": ["x", "x"],
                                    "period": ["2019", "2020"], "target": ["", "5"],
                                    "tolerance": ["1", "-1"]}))
    assert problems(caught.value) == [
        (0, "target", "a value is needed here"),
        (1, "tolerance", "a tolerance cannot be negative"),
    ]


def test_targets_may_say_which_are_milestones():
    checked = check_targets(pl.DataFrame({
        "indicator": ["a"] * 3, "area": ["x"] * 3, "period": ["2009/10 Q4", "2010/11", "2011/12"],
        "target": ["1", "2", "3"], "target_kind": [" Milestone", "target", ""]}))
    assert checked["target_kind"].to_list() == ["milestone", "target", None]
    with pytest.raises(FrameError) as caught:
        check_targets(pl.DataFrame({"indicator": ["a"], "area": ["x"], "period": ["2019"],
                                    "target": ["5"], "target_kind": ["goal"]}))
    assert problems(caught.value) == [(0, "target_kind", "'goal' must be target or milestone")]


def python_fixed(value: float, decimals: int) -> str:
    scaled = math.floor(abs(value) * 10.0 ** decimals + 0.5)
    text = str(scaled).rjust(decimals + 1, "0")
    number = text if decimals == 0 else f"{text[:-decimals]}.{text[-decimals:]}"
    return ("-" if value < 0 and scaled > 0 else "") + number


@settings(max_examples=300, deadline=None)
@given(value=st.floats(-1e9, 1e9, allow_nan=False), decimals=st.integers(0, 4))
def test_fixed_decimals_match_a_per_value_formatter(value, decimals):
    got = pl.select(fixed(pl.lit(value), pl.lit(decimals)))[0, 0]
    assert got == python_fixed(value, decimals)
    # and agree with Python's own formatting away from exact halves
    if abs(abs(value) * 10 ** decimals % 1 - 0.5) > 1e-6:
        assert float(got) == float(f"{value:.{decimals}f}")


def latest(**overrides) -> pl.DataFrame:
    row = {
        "indicator": "HW 02", "area": "E08000037", "period": "2017/18",
        "period_kind": "financial_year", "value": 36.8, "status": "red",
        "status_target": 33.4, "status_target_period": "2017/18 Q4",
        "status_target_kind": "milestone", "spc_signal": "trend",
        "variation": "concern", "assurance": "fail", "outlier": True, "outlier_score": 5.0,
        "p_meet_target": 0.38, "forecast_period": "2019/20", "target": 33.0,
        "worsening_run": 3, "title": "Childhood obesity", "area_name": "Gateshead",
        "unit": "%", "decimals": 1,
    }
    row.update(overrides)
    return pl.DataFrame([row])


def test_every_condition_raises_its_flag_in_plain_words():
    flags = raise_flags(latest())
    reasons = dict(zip(flags["kind"], flags["reason"], strict=True))
    assert set(reasons) == {"red", "concern", "likely_to_miss", "consistently_fails", "outlier"}
    assert reasons["likely_to_miss"] == ("Childhood obesity (Gateshead): 3 years worsening; 62% "
                                         "chance of missing the 2019/20 target of 33.0%.")
    assert reasons["red"] == ("Childhood obesity (Gateshead): 3 years worsening; 36.8% in "
                              "2017/18 is worse than the 2017/18 Q4 milestone of 33.4%, beyond "
                              "the tolerance.")
    assert reasons["outlier"] == ("Childhood obesity (Gateshead): the 2017/18 figure of 36.8% "
                                  "is unusual against the series' other figures; its owner "
                                  "should confirm or correct it before it is reported.")


def test_a_red_figure_judged_against_the_target_itself_says_target():
    flags = raise_flags(latest(period="2010/11", value=36.9, status_target=36.5,
                               status_target_period="2010/11", status_target_kind="target",
                               worsening_run=1))
    red = flags.filter(pl.col("kind") == "red")["reason"].to_list()
    assert red == ["Childhood obesity (Gateshead): 36.9% in 2010/11 is worse than the 2010/11 "
                   "target of 36.5%, beyond the tolerance."]


def test_no_flags_when_all_is_well():
    calm = latest(status="green", variation="common_cause", assurance="pass", outlier=False,
                  p_meet_target=0.9, worsening_run=0)
    assert raise_flags(calm).height == 0


def test_missing_and_late_returns():
    quarter = parse_period("2009/10 Q2")
    expected = pl.DataFrame({
        "indicator": ["a", "b"], "area": ["x", "x"], "period": ["2009/10 Q2"] * 2,
        "period_start": [quarter.start] * 2, "period_end": [quarter.end] * 2,
        "deadline": [dt.date(2009, 10, 31)] * 2, "owner": ["NHS Gateshead", "Police"]})
    values = pl.DataFrame({"indicator": ["a"], "area": ["x"], "period_start": [quarter.start],
                           "period_end": [quarter.end], "value": [1.0]})
    late = missing_returns(expected, values, as_at=dt.date(2009, 11, 10))
    assert late["reason"].to_list() == [
        "b (x): the 2009/10 Q2 return from Police is 10 days late (due 31 October 2009)."]
    assert missing_returns(expected, values, as_at=dt.date(2009, 10, 31)).height == 0
    next_day = missing_returns(expected, values, as_at=dt.date(2009, 11, 1))
    assert next_day["reason"].to_list() == [
        "b (x): the 2009/10 Q2 return from Police is 1 day late (due 31 October 2009)."]


def _reference_flags(row: dict) -> dict[str, str]:
    """One series at a time, with Python's own formatting."""
    steps = {"financial_year": "years", "calendar_quarter": "quarters", "month": "months"}
    def amount(value):
        number = python_fixed(value, row["decimals"])
        return f"{number}%" if row["unit"] == "%" else f"{number} {row['unit']}"
    lead = f"{row['title']} ({row['area_name']}): "
    worse = (f"{row['worsening_run']} {steps.get(row['period_kind'], 'periods')} worsening; "
             if row["worsening_run"] >= 3 else "")
    out = {}
    if row["status"] == "red":
        out["red"] = (f"{lead}{worse}{amount(row['value'])} in {row['period']} is worse than "
                      f"the {row['status_target_period']} {row['status_target_kind']} of "
                      f"{amount(row['status_target'])}, beyond the tolerance.")
    if row["p_meet_target"] is not None and row["p_meet_target"] < 0.5:
        out["likely_to_miss"] = (f"{lead}{worse}"
                                 f"{python_fixed((1 - row['p_meet_target']) * 100, 0)}% "
                                 f"chance of missing the {row['forecast_period']} target of "
                                 f"{amount(row['target'])}.")
    if row["outlier"]:
        out["outlier"] = (f"{lead}the {row['period']} figure of {amount(row['value'])} is "
                          "unusual against the series' other figures; its owner should "
                          "confirm or correct it before it is reported.")
    return out


@settings(max_examples=150, deadline=None)
@given(value=st.floats(-1e5, 1e5, allow_nan=False), target=st.floats(-1e5, 1e5, allow_nan=False),
       p=st.one_of(st.none(), st.floats(0, 1)), run=st.integers(0, 6),
       decimals=st.integers(0, 3), unit=st.sampled_from(["%", "per 100,000", "years"]),
       status=st.sampled_from(["red", "amber", "green", "grey"]), outlier=st.booleans(),
       kind=st.sampled_from(["financial_year", "calendar_quarter", "month", "duration"]),
       target_kind=st.sampled_from(["target", "milestone"]))
def test_flag_reasons_equal_the_per_row_wording(value, target, p, run, decimals, unit, status,
                                                outlier, kind, target_kind):
    row = latest(value=value, status_target=target, target=target, p_meet_target=p,
                 worsening_run=run, decimals=decimals, unit=unit, status=status,
                 outlier=outlier, period_kind=kind, variation="common_cause",
                 assurance="pass", status_target_kind=target_kind)
    expected = _reference_flags(row.row(0, named=True))
    flags = raise_flags(row)
    # common-cause variation and a passing assurance raise nothing else
    assert dict(zip(flags["kind"], flags["reason"], strict=True)) == expected
