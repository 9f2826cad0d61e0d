"""Chart time axes: no more labels than fit, and each label says its year."""

from __future__ import annotations

import datetime as dt
import re

from joinedup.common import charts


def yearly_points(first: int, last: int) -> list[dict]:
    return [{"start": f"{year}-04-01", "value": float(year % 7), "variation": "common",
             "outlier": False, "mean": 3.0, "lower": 0.0, "upper": 6.0, "lower_2sigma": 1.0,
             "upper_2sigma": 5.0} for year in range(first, last + 1)]


def test_twenty_years_are_labelled_every_third_year():
    starts = [dt.date(year, 4, 1) for year in range(2004, 2024)]
    assert charts.time_axis(starts) == {
        "format": "%Y", "tickCount": {"interval": "year", "step": 3}}
    # half a page wide, a pack's chart has room for five
    assert charts.time_axis(starts, yearly=True, most=5) == {
        "format": "%Y", "tickCount": {"interval": "year", "step": 4}}


def test_quarters_over_more_than_three_years_are_labelled_by_the_year():
    starts = [dt.date(2009 + q // 4, 1 + 3 * (q % 4), 1) for q in range(20)]
    assert charts.time_axis(starts) == {
        "format": "%Y", "tickCount": {"interval": "year", "step": 1}}


def test_two_years_of_quarters_are_labelled_by_month_and_year():
    starts = [dt.date(2024 + q // 4, 1 + 3 * (q % 4), 1) for q in range(8)]
    assert charts.time_axis(starts) == {
        "format": "%b %Y", "tickCount": {"interval": "month", "step": 3}}


def test_an_spc_chart_of_twenty_years_shows_seven_year_labels():
    svg = charts.render_svg(charts.spc_chart(yearly_points(2004, 2023), unit="%"),
                            label="A test chart")
    # every third year from the first, rather than all twenty run together
    assert re.findall(r">(\d{4})</text>", str(svg)) == [
        "2004", "2007", "2010", "2013", "2016", "2019", "2022"]
