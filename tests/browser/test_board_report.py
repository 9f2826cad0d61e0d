"""The Board's report and its next meeting, as a Board member reads them in Chromium; the
management group's report with its charts; and the officer's meeting forms. axe-core
must find nothing wrong on any of them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

# Signing in is the same walk as in the returns flow.
from test_returns_flow import sign_in

pytestmark = pytest.mark.browser


def test_a_board_member_reads_the_boards_report_and_next_meeting(page, live_site, axe):
    sign_in(page, live_site, "board.member")
    page.goto(f"{live_site}/bodies/gsp-board/")
    expect(page.get_by_test_id("reporting-cycle")).to_have_text(
        "Meets 3 to 4 times a year"
        "Every red exception needs its owner's commentary before a pack can be issued.")
    assert axe(page) == []

    page.get_by_role("link", name="Exception report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exception report")
    expect(page.get_by_test_id("report-scope")).to_contain_text(
        "The Board sees only the red flags escalated by the management group")
    # Nothing is escalated in a freshly built demo: the report says so, and sums up the rest.
    expect(page.get_by_test_id("summary")).to_contain_text(
        "There are no exceptions for this report. Not shown: 6 indicators on track or "
        "improving;")
    expect(page.get_by_test_id("finance")).to_contain_text(
        "Partners' budgets for 2023/24: £408,712,441 in 313 lines")
    assert axe(page) == []

    page.get_by_label("Show exceptions for periods up to").select_option("2018")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("report-period")).to_contain_text(
        "Exceptions for periods ending by the end of 2018")
    assert axe(page) == []

    page.goto(f"{live_site}/bodies/gsp-board/")
    page.get_by_test_id("upcoming-meetings").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meeting on")
    expect(page.get_by_test_id("agenda-item")).to_have_count(6)
    expect(page.get_by_test_id("minute-form")).to_have_count(0)
    assert axe(page) == []


def test_the_management_groups_report_fetches_each_exceptions_charts(page, live_site, axe):
    sign_in(page, live_site, "board.member")
    page.goto(f"{live_site}/bodies/steering-group/report/")
    exceptions = page.get_by_test_id("exception")
    # The 54 exceptions of the demo, less the 4 on indicators a Board member may not see.
    expect(exceptions).to_have_count(50)
    # So many charts are fetched by the browser as they come into view, not drawn in the page.
    chart = exceptions.first.get_by_test_id("spc-chart").locator("img")
    expect(chart).to_have_attribute("alt", re.compile(r"^Control chart of .+ in Gateshead: "))
    fetched = page.request.get(live_site + chart.get_attribute("src"))
    assert (fetched.status, fetched.headers["content-type"]) == (
        200, "image/svg+xml; charset=utf-8")
    assert axe(page) == []


def test_the_officer_adds_a_meeting_and_writes_its_notes(page, live_site, axe):
    sign_in(page, live_site, "officer")
    page.goto(f"{live_site}/bodies/steering-group/")
    page.get_by_role("link", name="Add a meeting").click()
    assert axe(page) == []
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Date of the meeting must be a real date")
    assert axe(page) == []
    page.get_by_label("Day").fill("30")
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting on Friday 30 April 2027")
    page.get_by_role("link", name="Add notes for item 2, Finance").click()
    assert axe(page) == []
    page.get_by_label("Notes").fill("The pooled budget paper, from the finance officers.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.locator("#item-2")).to_contain_text(
        "The pooled budget paper, from the finance officers.")
    assert axe(page) == []
