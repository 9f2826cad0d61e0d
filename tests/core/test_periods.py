"""Tests for joinedup.core.periods: reading period labels, and stepping between periods.

The real labels come from tests/core/data/period_labels.csv (see the README there); the
vectorised helpers are checked against slow per-row loops over the scalar functions.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.core import periods as periods_module
from joinedup.core.periods import (
    KIND_DTYPE,
    Period,
    PeriodError,
    column_preference,
    order_periods,
    parse_period,
    parse_periods,
    previous_period,
    sort_key,
    year_earlier,
)

HERE = Path(__file__).parent
FIXTURE = HERE / "data" / "period_labels.csv"
DOCS = HERE.parents[1] / "docs" / "periods.md"
NO_STEP = ("day", "mid_year", "duration")


# --- independent constructors for the tests ------------------------------------------

def plus_months(day: date, months: int) -> date:
    """Obviously-correct month arithmetic: same day, clipped to the month's length."""
    year, month = day.year + (day.month - 1 + months) // 12, (day.month - 1 + months) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cy(y): return Period(date(y, 1, 1), date(y + 1, 1, 1), "calendar_year")
def fy(y): return Period(date(y, 4, 1), date(y + 1, 4, 1), "financial_year")
def ay(y): return Period(date(y, 9, 1), date(y + 1, 9, 1), "academic_year")
def month(y, m): return Period(date(y, m, 1), plus_months(date(y, m, 1), 1), "month")
def day(d): return Period(d, d + timedelta(days=1), "day")
def mid(y): return Period(date(y, 6, 30), date(y, 7, 1), "mid_year")
def cys(y, n): return Period(date(y, 1, 1), date(y + n, 1, 1), "calendar_years")
def fys(y, n): return Period(date(y, 4, 1), date(y + n, 4, 1), "financial_years")


def fq(y, q):
    start = plus_months(date(y, 4, 1), 3 * (q - 1))
    return Period(start, plus_months(start, 3), "financial_quarter")


def cq(y, q):
    start = date(y, 3 * q - 2, 1)
    return Period(start, plus_months(start, 3), "calendar_quarter")


years = st.integers(1900, 2100)
iso_texts = st.builds(
    lambda start, y, m, w, d: f"{start.isoformat()}/P" + "".join(
        f"{n}{unit}" for n, unit in ((y, "Y"), (m, "M"), (w, "W"), (d, "D")) if n),
    st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    st.integers(0, 3), st.integers(0, 20), st.integers(0, 3), st.integers(0, 40),
).filter(lambda text: not text.endswith("P"))
all_periods = st.one_of(
    years.map(cy), years.map(fy), years.map(ay),
    st.builds(fq, years, st.integers(1, 4)), st.builds(cq, years, st.integers(1, 4)),
    st.builds(month, years, st.integers(1, 12)),
    st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(day), years.map(mid),
    st.builds(cys, years, st.integers(2, 10)), st.builds(fys, years, st.integers(2, 10)),
    iso_texts.map(parse_period),
)


def as_frame(items: list[Period | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"start": [p and p.start for p in items], "end": [p and p.end for p in items],
         "kind": [p and p.kind for p in items]},
        schema={"start": pl.Date, "end": pl.Date, "kind": KIND_DTYPE})


def as_rows(items: list[Period | None]) -> list[tuple]:
    return [(p.start, p.end, p.kind, p.label) if p else (None, None, None, None)
            for p in items]


def slow_previous(p: Period | None) -> Period | None:
    return None if p is None or p.kind in NO_STEP else p.shift(-1)


def slow_year_earlier(p: Period | None) -> Period | None:
    return None if p is None else p.year_earlier()


# --- the real labels -----------------------------------------------------------------

def fixture_files() -> dict[str, list[str]]:
    frame = pl.read_csv(FIXTURE, infer_schema=False)
    return {source: group["label"].to_list()
            for (source,), group in frame.group_by("source_file", maintain_order=True)}


FILES = fixture_files()


def read_file_labels(source: str) -> pl.DataFrame:
    return parse_periods(pl.Series("period", FILES[source]))


def test_fixture_covers_the_expected_shapes():
    labels = {label for file_labels in FILES.values() for label in file_labels}
    for shape in ("2004-01-01/P1Y", "2015-11-16/P1Y", "2019-01-01/P5Y", "2011-01-01/P3Y",
                  "2014-04-01/P3Y", "2006-08-01/P1Y", "2002-04-01", "2008-04-16", "2016-17",
                  "2016/17", "2019", "2001-03", "2010-12", "2009-11", "mid-2019"):
        assert shape in labels
    assert len(FILES) == 45


@pytest.mark.parametrize("source", sorted(FILES))
def test_every_real_label_parses_read_as_its_file_column(source):
    frame = read_file_labels(source)
    assert frame.height == len(FILES[source])
    assert frame.null_count().row(0) == (0, 0, 0, 0, 0)
    # Distinct labels in a file are distinct intervals, and the short labels say so.
    assert frame.select(pl.struct("start", "end").n_unique()).item() == frame.height
    assert frame["label"].n_unique() == frame.height
    # In time order; within one file the kinds agree, so the labels sort as text too.
    timed = frame.sort("start", "end")
    assert timed["start"].is_sorted() and timed["start"].n_unique() == frame.height
    assert timed["label"].to_list() == sorted(frame["label"].to_list())
    assert order_periods(FILES[source]) == timed["period"].to_list()


@pytest.mark.parametrize(("source", "label", "start", "end", "kind", "canonical"), [
    ("indicators/fingertips_tdl/preventable_mortality_from_cancer.csv", "2001-03",
     date(2001, 1, 1), date(2004, 1, 1), "calendar_years", "2001-2003"),
    ("indicators/fingertips_tdl/preventable_mortality_from_cancer.csv", "2010-12",
     date(2010, 1, 1), date(2013, 1, 1), "calendar_years", "2010-2012"),
    ("indicators/fingertips_tdl/healthy_life_expectancy_at_birth.csv", "2009-11",
     date(2009, 1, 1), date(2012, 1, 1), "calendar_years", "2009-2011"),
    ("indicators/fingertips_tdl/slope_index_of_inequality.csv", "2010-12",
     date(2010, 1, 1), date(2013, 1, 1), "calendar_years", "2010-2012"),
    ("indicators/fingertips_tdl/admissions_falls.csv", "2016/17",
     date(2016, 4, 1), date(2017, 4, 1), "financial_year", "2016/17"),
    ("indicators/fingertips_tdl/deaths_at_home.csv", "2001",
     date(2001, 1, 1), date(2002, 1, 1), "calendar_year", "2001"),
    ("indicators/oflog/oflog_adult_social_care_measures.csv", "2016-17",
     date(2016, 4, 1), date(2017, 4, 1), "financial_year", "2016/17"),
    ("indicators/oflog/oflog_adult_social_care_measures.csv", "2019-20",
     date(2019, 4, 1), date(2020, 4, 1), "financial_year", "2019/20"),
    ("indicators/ons_els/gcses-in-english-and-maths.csv", "2016-09-01/P1Y",
     date(2016, 9, 1), date(2017, 9, 1), "academic_year", "AY 2016/17"),
    ("indicators/ons_els/homicide-offences.csv", "2014-04-01/P3Y",
     date(2014, 4, 1), date(2017, 4, 1), "financial_years", "2014/15-2016/17"),
    ("indicators/ons_els/healthy-life-expectancy.csv", "2011-01-01/P3Y",
     date(2011, 1, 1), date(2014, 1, 1), "calendar_years", "2011-2013"),
    ("indicators/ons_els/cigarette-smokers.csv", "2019-01-01/P5Y",
     date(2019, 1, 1), date(2024, 1, 1), "calendar_years", "2019-2023"),
    ("indicators/ons_els/claimant-count.csv", "2004-01-01/P1Y",
     date(2004, 1, 1), date(2005, 1, 1), "calendar_year", "2004"),
    ("indicators/ons_els/net-additions-to-the-housing-stock.csv", "2016-04-01/P1Y",
     date(2016, 4, 1), date(2017, 4, 1), "financial_year", "2016/17"),
    ("indicators/ons_els/adult-obesity-prevalence.csv", "2015-11-16/P1Y",
     date(2015, 11, 16), date(2016, 11, 16), "duration", "2015-11-16/P1Y"),
    ("indicators/ons_els/persistent-absences-for-all-pupils.csv", "2006-08-01/P1Y",
     date(2006, 8, 1), date(2007, 8, 1), "duration", "2006-08-01/P1Y"),
    ("indicators/ons_els/housing-affordability-ratio.csv", "2002-04-01",
     date(2002, 4, 1), date(2002, 4, 2), "day", "2002-04-01"),
    ("indicators/ons_els/gross-median-weekly-pay.csv", "2008-04-16",
     date(2008, 4, 16), date(2008, 4, 17), "day", "2008-04-16"),
    ("indicators/nhs/ae_attendances_trust_monthly_2016_2019.csv", "2017-03-01",
     date(2017, 3, 1), date(2017, 3, 2), "day", "2017-03-01"),
    ("population/mye_2019_2020_la_single_year_of_age.csv", "mid-2019",
     date(2019, 6, 30), date(2019, 7, 1), "mid_year", "mid-2019"),
    ("deprivation/iod2019_lad_summary_long.csv", "2019",
     date(2019, 1, 1), date(2020, 1, 1), "calendar_year", "2019"),
])
def test_real_labels_read_to_the_expected_interval(source, label, start, end, kind, canonical):
    frame = read_file_labels(source).filter(pl.col("period") == label)
    assert frame.select("start", "end", "kind", "label").rows() == [(start, end, kind, canonical)]


def test_fingertips_rolling_years_and_oflog_years_take_one_kind_per_file():
    rolling = sorted(source for source, labels in FILES.items() if "fingertips" in source
                     and any(len(x) == 7 and x[4] == "-" for x in labels))
    assert rolling == ["indicators/fingertips_tdl/healthy_life_expectancy_at_birth.csv",
                       "indicators/fingertips_tdl/preventable_mortality_from_cancer.csv",
                       "indicators/fingertips_tdl/slope_index_of_inequality.csv"]
    for source in rolling:
        assert set(read_file_labels(source)["kind"].to_list()) == {"calendar_years"}, source
    oflog = [source for source in FILES if "oflog" in source]
    assert oflog == ["indicators/oflog/oflog_adult_social_care_measures.csv"]
    assert set(read_file_labels(oflog[0])["kind"].to_list()) == {"financial_year"}
    # Read on their own, the ambiguous ones would be months.
    assert parse_period("2010-12").kind == "month"


@pytest.mark.parametrize("source", sorted(FILES))
def test_vectorised_steps_equal_the_per_row_loop_on_real_labels(source):
    frame = read_file_labels(source)
    scalar = [parse_period(x, column_preference(FILES[source])) for x in FILES[source]]
    assert frame.select("start", "end", "kind", "label").rows() == as_rows(scalar)
    assert previous_period(frame).rows() == as_rows([slow_previous(p) for p in scalar])
    assert year_earlier(frame).rows() == as_rows([slow_year_earlier(p) for p in scalar])


# --- round trip and words ------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(all_periods)
def test_label_round_trips_with_its_kind(period):
    again = parse_period(period.label)
    assert again == period and again.kind == period.kind and again.label == period.label
    assert (again.start, again.end) == (period.start, period.end)


@settings(max_examples=300, deadline=None)
@given(all_periods)
def test_describe_mentions_the_years(period):
    words = period.describe()
    assert str(period.start.year) in words and str(period.last_day.year) in words


@settings(max_examples=50, deadline=None)
@given(st.lists(all_periods, max_size=30))
def test_canonical_labels_read_back_as_a_column(items):
    labels = [p.label for p in items]
    assert parse_periods(pl.Series(labels, dtype=pl.String))["label"].to_list() == labels


def test_describe_examples():
    assert parse_period("2016/17").describe() == \
        "financial year 2016/17 (April 2016 to March 2017)"
    assert parse_period("2009/10 Q4").describe() == \
        "quarter 4 of financial year 2009/10 (January to March 2010)"
    assert parse_period("2009 Q3").describe() == "quarter 3 of 2009 (July to September 2009)"
    assert parse_period("2015-2017").describe() == \
        "3 calendar years 2015 to 2017 (January 2015 to December 2017)"
    assert parse_period("2015-11-16/P1Y").describe() == \
        "1 year from 16 November 2015 (16 November 2015 to 15 November 2016)"
    assert parse_period("1999/00").describe() == \
        "financial year 1999/00 (April 1999 to March 2000)"


@pytest.mark.parametrize(("text", "months"), [
    ("2019", 12), ("2009 Q3", 3), ("2019-04", 1), ("2015-2017", 36),
    ("2014/15-2016/17", 36), ("2015-11-16/P1Y", 12), ("2016-04-01/P18M", 18),
    ("2016-01-31/P1M", 1), ("2008-04-16", None), ("mid-2019", None),
    ("2019-01-07/P1W", None),
])
def test_months(text, months):
    assert parse_period(text).months == months


# --- equality, order, steps ----------------------------------------------------------

def test_equality_and_order_are_by_interval_across_kinds():
    assert parse_period("2009/10 Q2") == parse_period("2009 Q3")
    assert parse_period("2009/10 Q2").label == "2009/10 Q2"
    assert parse_period("2009 Q3").label == "2009 Q3"
    assert parse_period("2016-04-01/P1Y") == parse_period("2016/17") == fy(2016)
    assert parse_period("2016-04-01/P1Y").kind == "financial_year"
    assert len({parse_period("2009/10 Q2"), parse_period("2009 Q3")}) == 1
    assert parse_period("2016/17") < parse_period("2016/17 Q2") < parse_period("2017")
    assert parse_period("2016 Q1") < parse_period("2016")  # same start: the shorter first
    assert sorted([parse_period(x) for x in ("2017", "mid-2016", "2016/17", "2015-2017")]) \
        == [cys(2015, 3), fy(2016), mid(2016), cy(2017)]
    assert parse_period("2019") != "2019"
    with pytest.raises(TypeError, match="'<' not supported between instances of 'Period' and "
                                        "'str'"):
        _ = parse_period("2019") < "2020"


def test_order_periods_and_sort_key():
    labels = ["2010-12", "2009-11", "2011-13", "2010-12"]
    assert order_periods(labels) == ["2009-11", "2010-12", "2010-12", "2011-13"]
    assert order_periods(["2017", "2016/17", "2016 Q2", "2016-04-01/P1Y"]) == \
        ["2016 Q2", "2016/17", "2016-04-01/P1Y", "2017"]
    assert sorted(["2019-04", "Feb 2019", "2019"], key=sort_key) == \
        ["2019", "Feb 2019", "2019-04"]


@pytest.mark.parametrize(("text", "n", "expected"), [
    ("2009/10 Q1", -1, "2008/09 Q4"), ("2009/10 Q4", 1, "2010/11 Q1"),
    ("2009 Q1", -1, "2008 Q4"), ("2019-01", -1, "2018-12"), ("2019-12", 1, "2020-01"),
    ("1999/00", 1, "2000/01"), ("2000/01", -1, "1999/00"), ("1999 Q4", 1, "2000 Q1"),
    ("1999/00 Q4", 1, "2000/01 Q1"), ("1999-12", 1, "2000-01"), ("AY 1999/00", 2, "AY 2001/02"),
    ("2015-2017", -1, "2012-2014"), ("2014/15-2016/17", -1, "2011/12-2013/14"),
    ("1998/99-1999/00", 1, "2000/01-2001/02"), ("2019", -3, "2016"), ("2019", 0, "2019"),
])
def test_shift(text, n, expected):
    shifted = parse_period(text).shift(n)
    assert shifted.label == expected and shifted.kind == parse_period(text).kind


@pytest.mark.parametrize(("text", "expected"), [
    ("2009/10 Q2", "2008/09 Q2"), ("2009 Q3", "2008 Q3"), ("2000-01", "1999-01"),
    ("2000/01", "1999/00"), ("2015-2017", "2014-2016"), ("2014/15-2016/17", "2013/14-2015/16"),
    ("mid-2019", "mid-2018"), ("2015-11-16/P1Y", "2014-11-16/P1Y"),
    ("2016-02-29", "2015-02-28"), ("2017-02-28", "2016-02-28"),
    ("2016-01-31/P1M", "2015-01-31/P1M"), ("2016-02-01/P28D", "2015-02-01/P27D"),
    ("2016-02-28/P2D", "2015-02-28"),  # a duration that has become a single day
])
def test_year_earlier(text, expected):
    assert parse_period(text).year_earlier().label == expected


def test_vectorised_steps_at_month_ends_and_centuries():
    items = [parse_period(x) for x in (
        "2016-02-28/P2D", "2016-01-31/P1M", "2016-02-29", "2017-02-28", "2016-02-01/P28D",
        "2016-02-29/P1Y", "2016-03-31/P1M", "1999/00 Q4", "2000-01", "1999/00",
        "1998/99-1999/00", "1999-2001", "mid-2000", "2000-02-29/P3D")]
    frame = as_frame(items)
    assert previous_period(frame).rows() == as_rows([slow_previous(p) for p in items])
    assert year_earlier(frame).rows() == as_rows([slow_year_earlier(p) for p in items])
    assert year_earlier(frame)["kind"][0] == "day"


def test_previous():
    assert parse_period("2009/10 Q1").previous().label == "2008/09 Q4"
    for text in ("2008-04-16", "mid-2019", "2015-11-16/P1Y"):
        assert parse_period(text).previous() is None
        with pytest.raises(PeriodError, match="no regular step"):
            parse_period(text).shift(1)


def test_month_end_arithmetic():
    jan31 = parse_period("2016-01-31/P1M")
    assert (jan31.start, jan31.end) == (date(2016, 1, 31), date(2016, 2, 29))
    assert jan31.kind == "duration" and jan31.months == 1
    assert parse_period(jan31.label) == jan31
    assert parse_period("2015-01-31/P1M").end == date(2015, 2, 28)
    assert parse_period("2016-03-31/P1M").end == date(2016, 4, 30)
    assert parse_period("2016-02-29/P1Y").end == date(2017, 2, 28)
    assert parse_period("2016-01-31/P1M").year_earlier().end == date(2015, 2, 28)
    assert parse_period("2016-01-30/P30D").label == "2016-01-30/P1M"


@settings(max_examples=200, deadline=None)
@given(all_periods, st.integers(-30, 30))
def test_shift_by_n_is_n_single_steps(period, n):
    if period.kind in NO_STEP:
        return
    stepped = period
    for _ in range(abs(n)):
        stepped = stepped.shift(1 if n > 0 else -1)
    assert period.shift(n) == stepped and period.shift(n).kind == period.kind
    assert period.shift(n).shift(-n) == period


# --- vectorised helpers against per-row loops -----------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), all_periods), max_size=40))
def test_vectorised_steps_equal_the_per_row_loop(items):
    frame = as_frame(items)
    assert previous_period(frame).rows() == as_rows([slow_previous(p) for p in items])
    assert year_earlier(frame).rows() == as_rows([slow_year_earlier(p) for p in items])
    assert previous_period(frame).schema == year_earlier(frame).schema == {
        "start": pl.Date, "end": pl.Date, "kind": KIND_DTYPE, "label": pl.String}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), all_periods.map(lambda p: p.label),
                          st.sampled_from(["2010-12", "2015-17", "2019-04", "2001-03",
                                           "2016-17", " 2009q3 ", "Apr 2019"])),
                max_size=40))
def test_parse_periods_equals_the_per_row_loop(labels):
    prefer = column_preference(labels)
    frame = parse_periods(pl.Series(labels, dtype=pl.String))
    assert frame["period"].to_list() == labels
    expected = [parse_period(x, prefer) if x is not None else None for x in labels]
    assert frame.select("start", "end", "kind", "label").rows() == as_rows(expected)


def test_parse_periods_reads_each_distinct_label_once(monkeypatch):
    calls = []
    real = periods_module.parse_period
    monkeypatch.setattr(periods_module, "parse_period",
                        lambda text, prefer=None: calls.append(text) or real(text, prefer))
    labels = pl.Series(["2019", None, "2016/17", "2019", "2016/17"] * 1000)
    frame = parse_periods(labels)
    assert sorted(calls) == ["2016/17", "2019"]
    assert frame.height == 5000 and frame["start"].null_count() == 1000
    assert frame.schema == {"period": pl.String, "start": pl.Date, "end": pl.Date,
                            "kind": KIND_DTYPE, "label": pl.String}
    assert parse_periods(pl.Series([], dtype=pl.String)).height == 0
