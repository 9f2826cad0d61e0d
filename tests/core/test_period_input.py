"""Tests for joinedup.core.periods: ambiguous labels, bad input, and the documented forms."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from joinedup.core.periods import (
    FORMS,
    KINDS,
    Period,
    PeriodError,
    forms_markdown,
    parse_period,
    parse_periods,
)

HERE = Path(__file__).parent
DOCS = HERE.parents[1] / "docs" / "periods.md"


def cy(y):
    return Period(date(y, 1, 1), date(y + 1, 1, 1), "calendar_year")


# --- the YYYY-NN ambiguity ----------------------------------------------------------

@pytest.mark.parametrize(("text", "default", "as_month", "as_years"), [
    ("2019-04", "2019-04", "2019-04", "2019-04"),
    ("2015-16", "2015/16", "2015/16", "2015/16"),
    ("2015-17", "2015-2017", "2015-2017", "2015-2017"),
    ("2010-12", "2010-12", "2010-12", "2010-2012"),
    ("2001-03", "2001-03", "2001-03", "2001-2003"),
    ("2010-11", "2010-11", "2010-11", "2010/11"),
    ("1999-00", "1999/00", "1999/00", "1999/00"),
    ("2099-01", "2099-01", "2099-01", "2099-2101"),
    ("2015 - 17", "2015-2017", "2015-2017", "2015-2017"),
    ("2016 - 17", "2016/17", "2016/17", "2016/17"),
])
def test_prefer_settles_only_ambiguous_values(text, default, as_month, as_years):
    assert parse_period(text).label == default
    assert parse_period(text, prefer="month").label == as_month
    assert parse_period(text, prefer="year_range").label == as_years


@pytest.mark.parametrize(("labels", "expected"), [
    (["2009-11", "2010-12", "2011-13", "2012-14"], ["2009-2011", "2010-2012", "2011-2013",
                                                    "2012-2014"]),
    ([f"2019-{m:02d}" for m in range(1, 13)], [f"2019-{m:02d}" for m in range(1, 13)]),
    (["2010-11", "2011-12", "2012-13"], ["2010/11", "2011/12", "2012/13"]),
    (["2010-11", "2010-12"], ["2010-11", "2010-12"]),  # nothing settles it: months
    (["2010-12", "2015-17", "2019-04"], ["2010-12", "2015-2017", "2019-04"]),  # both: months
    # Only YYYY-NN labels are evidence: 2016/17 and 2015-2017 settle nothing.
    (["2010-12", "2016/17", "2015-2017"], ["2010-12", "2016/17", "2015-2017"]),
])
def test_column_inference(labels, expected):
    assert parse_periods(pl.Series(labels))["label"].to_list() == expected


def test_prefer_overrides_the_column():
    labels = pl.Series(["2010-12", "2011-13"])
    assert parse_periods(labels, prefer="month")["label"].to_list() == ["2010-12", "2011-2013"]
    months = pl.Series(["2010-12", "2019-04"])
    assert parse_periods(months, prefer="year_range")["label"].to_list() == \
        ["2010-2012", "2019-04"]
    with pytest.raises(PeriodError, match=re.escape(
            "prefer must be one of (None, 'month', 'year_range'), not 'years'")):
        parse_period("2019", prefer="years")


# --- bad input ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ("2019/Q5", "Q1 to Q4"), ("2019 Q5", "Q1 to Q4"), ("", "blank"), ("   ", "blank"),
    ("next year", "four digits"), ("2019-13", "13 is not a month"),
    ("2019/04", "for a month, write 2019-04"), ("2008/10", "second year must follow"),
    ("2019-02-30", "not a date"), ("2017-2015", "comes before"),
    ("2016-04-01/P", "empty or zero"), ("2016-04-01/P0D", "empty or zero"),
    ("2017-01-01/2016-01-01", "end comes before"), ("AY 2016/18", "one academic year"),
    ("2014/15-2012/13", "comes before"),
])
def test_bad_input_raises_a_helpful_error(text, reason):
    with pytest.raises(PeriodError) as raised:
        parse_period(text)
    message = str(raised.value)
    assert repr(text) in message and reason in message
    assert "2008/09" in message and "docs/periods.md" in message
    assert isinstance(raised.value, ValueError)


def test_non_text_is_refused_and_years_as_numbers_are_read():
    assert parse_period(2019) == cy(2019)
    with pytest.raises(PeriodError, match="must be text"):
        parse_period(None)


def test_parse_periods_errors_raise_names_the_rows():
    labels = pl.Series("period", ["2019", "2019-13", None, "next year", "2019-13"])
    with pytest.raises(PeriodError) as raised:
        parse_periods(labels)
    message = str(raised.value)
    assert "3 period label(s) in column 'period'" in message
    assert "row 2: '2019-13'" in message and "row 4: 'next year'" in message
    assert "row 5: '2019-13'" in message and "row 3" not in message


def test_parse_periods_lists_at_most_five_bad_rows():
    labels = pl.Series([f"bad {i}" for i in range(8)])
    with pytest.raises(PeriodError, match=r"row 5: 'bad 4'.*; and 3 more") as raised:
        parse_periods(labels)
    assert "row 6" not in str(raised.value)


def test_parse_periods_errors_null_gives_nulls():
    frame = parse_periods(pl.Series(["2019", "2019-13", None]), errors="null")
    assert frame.rows() == [("2019", date(2019, 1, 1), date(2020, 1, 1), "calendar_year",
                              "2019"), ("2019-13", None, None, None, None),
                            (None, None, None, None, None)]
    with pytest.raises(PeriodError, match=re.escape(
            "errors must be 'raise' or 'null', not 'ignore'")):
        parse_periods(pl.Series(["2019"]), errors="ignore")


def test_period_must_match_its_kind():
    with pytest.raises(PeriodError, match=re.escape(
            "2019-01-01 to 2019-03-01 (end excluded) is not a month")):
        Period(date(2019, 1, 1), date(2019, 3, 1), "month")
    with pytest.raises(PeriodError, match=re.escape(
            "2019-01-01 to 2020-01-01 (end excluded) is not a duration")):
        Period(date(2019, 1, 1), date(2020, 1, 1), "duration")  # that is a calendar year
    with pytest.raises(PeriodError, match=re.escape(
            "2019-01-01 to 2019-01-01 (end excluded) is not a day")):
        Period(date(2019, 1, 1), date(2019, 1, 1), "day")
    with pytest.raises(PeriodError, match=re.escape("'year' is not a kind of period")):
        Period(date(2019, 1, 1), date(2020, 1, 1), "year")


# --- the table of forms and its documentation ------------------------------------------

# The kind each example of a form with more than one possible kind reads as; an example
# not listed reads as its form's one kind.
EXAMPLE_KINDS = {
    "2019-04": "month", "2001-03": "month", "2010-12": "month",  # months unless told
    "2016-17": "financial_year", "2015 - 17": "calendar_years", "2016 - 17": "financial_year",
    "2016-04-01/P1Y": "financial_year", "2011-01-01/P3Y": "calendar_years",
    "2016-07-01/P3M": "calendar_quarter", "2016-09-01/2017-08-31": "academic_year",
    "2016-09-01 to 2017-08-31": "academic_year", "2015-11-16/P1Y": "duration",
    "2016-01-31/P1M": "duration", "2016-04-01/P18M": "duration", "2019-01-07/P1W": "duration",
    "2019-01-07/P7D": "duration",
}


def test_every_form_is_documented_and_its_examples_parse():
    docs = DOCS.read_text(encoding="utf-8")
    assert forms_markdown() in docs
    examples = [example for form in FORMS for example in (form.example, *form.also)]
    assert set(EXAMPLE_KINDS) <= set(examples)
    for form in FORMS:
        for example in (form.example, *form.also):
            assert f"`{example}`" in docs, example
            assert form.pattern.fullmatch(example), example
            expected = EXAMPLE_KINDS.get(example, form.kind)
            assert expected in KINDS, example
            assert parse_period(example).kind == expected, example
    assert {parse_period(example).kind for example in examples} == set(KINDS)


@pytest.mark.parametrize(("text", "label"), [
    ("  2009q3 ", "2009 Q3"), ("q3 2009", "2009 Q3"), ("ay 2016/17", "AY 2016/17"),
    ("2016/17 ay", "AY 2016/17"), ("APRIL 2019", "2019-04"), ("2015\u201317", "2015-2017"),
    ("2015 TO 2017", "2015-2017"), ("Mid-2019", "mid-2019"), ("mid 2019", "mid-2019"),
    ("2016-04-01/p1y", "2016/17"), ("2016-09-01 / 2017-08-31", "AY 2016/17"),
    ("2009-10 Q2", "2009/10 Q2"), ("2009/2010 Q2", "2009/10 Q2"), ("2008/2009", "2008/09"),
    ("1999/2000", "1999/00"), ("2014/15 - 16/17", "2014/15-2016/17"),
    ("2014/2015-2016/2017", "2014/15-2016/17"), ("1998/99-00/01", "1998/99-2000/01"),
    ("2001-01-01/P1Y", "2001"), ("2019-04-01/P1M", "2019-04"), ("2016-07-01/P3M", "2016 Q3"),
    ("2016-04-01/P3M", "2016 Q2"), ("2019-01-07/P7D", "2019-01-07/P1W"),
    ("2016-04-01/P18M", "2016-04-01/P1Y6M"), ("2016-09-05/2016-09-20", "2016-09-05/P16D"),
    ("2019-06-30/P1D", "2019-06-30"), ("2016-01-01/P2Y", "2016-2017"), ("2016-2017", "2016-2017"),
])
def test_liberal_forms(text, label):
    assert parse_period(text).label == label
