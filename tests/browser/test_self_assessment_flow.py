"""Two Board members score the 7S self-assessment in Chromium, and the officer reads the
results: the radar, the table of the same figures, and the facts of partnership working
beside them.

The Board's voluntary sector member first submits with a question unscored and is shown
the problem with every answer kept; then both she and the partnership officer (the
Board's officer) submit. axe-core must find nothing wrong on any page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from joinedup.demo.sources import DemoSources
from joinedup.reviews.questionnaire import load_questionnaire

pytestmark = pytest.mark.browser
QUESTIONNAIRE = load_questionnaire()
PEOPLE = {p["username"]: p for p in DemoSources().catalogue["person"]}
SCORES = {"board.member": "2 Just starting", "officer": "4 In place and working"}
COMMENT = "The Board's packs show the red flags and what is being done about them."
EVIDENCE = "/bodies/gsp-board/packs/"


def sign_in(page, live_site, username):
    page.goto(f"{live_site}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PEOPLE[username]["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name=re.compile("^Sign out")).click()


def open_the_scoring_form(page, live_site, axe):
    page.goto(f"{live_site}/health-check/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The 7S self-assessment")
    assert axe(page) == []
    page.get_by_role("link", name=re.compile("^Score this round")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your scores:")


def score_every_question(page, score: str, *, leave_out: int | None = None):
    radios = page.get_by_role("radio", name=score, exact=True)
    count = radios.count()
    assert count == 16
    for index in range(count):
        if index != leave_out:
            radios.nth(index).check()


def test_two_board_members_score_and_the_officer_reads_the_results(page, live_site, axe):
    # The voluntary sector's Board member leaves the last question out at first.
    sign_in(page, live_site, "board.member")
    open_the_scoring_form(page, live_site, axe)
    assert axe(page) == []
    score_every_question(page, SCORES["board.member"], leave_out=15)
    steering = page.get_by_role("group", name=QUESTIONNAIRE.question("steering-2").text)
    steering.get_by_label("Comment on steering-2").fill(COMMENT)
    steering.get_by_label("Evidence for steering-2").fill(EVIDENCE)
    page.get_by_role("button", name="Submit your scores").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Score systems-3 before you submit: choose from 1 to 5.")
    assert axe(page) == []
    expect(steering.get_by_label("Comment on steering-2")).to_have_value(COMMENT)
    expect(steering.get_by_label(SCORES["board.member"])).to_be_checked()
    # The error's link takes her to the question; she scores it and submits.
    summary.get_by_role("link").click()
    page.get_by_role("radio", name=SCORES["board.member"], exact=True).nth(15).check()
    page.get_by_role("button", name="Submit your scores").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Your scores for")
    expect(page.get_by_test_id("rounds")).to_contain_text("Submitted")
    assert axe(page) == []
    sign_out(page)

    # The partnership officer, the Board's officer, scores too.
    sign_in(page, live_site, "officer")
    open_the_scoring_form(page, live_site, axe)
    score_every_question(page, SCORES["officer"])
    page.get_by_role("button", name="Submit your scores").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your scores for")

    # The officer opens this year's results: the radar, the table and the facts beside it.
    page.get_by_role("link", name=re.compile(r"self-assessment results$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results:")
    expect(page.get_by_test_id("responses")).to_contain_text(
        "11 of the 12 members of the Board and the management group have submitted")
    radar = page.get_by_role("img", name=re.compile("^Radar chart of the mean score of each "
                                                    "element"))
    expect(radar).to_be_visible()
    table = page.get_by_test_id("by-element")
    expect(table.get_by_role("rowheader")).to_have_count(7)
    expect(table).to_contain_text("Voluntary and community sector")
    facts = page.get_by_test_id("facts-beside")
    expect(facts.get_by_role("heading", name="Facts of partnership working")).to_be_visible()
    comments = page.get_by_test_id("question-steering-2")
    comments.get_by_text(re.compile("comments? and evidence")).click()
    expect(comments).to_contain_text(f"GVOC (2): {COMMENT}")
    expect(comments.get_by_role("link", name=EVIDENCE)).to_be_visible()
    assert axe(page) == []
