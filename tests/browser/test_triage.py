"""The Steering Group triages an exception in Chromium, with the keyboard.

The Steering Group member opens the triage page from the navigation, chooses one exception,
judges it a performance issue with a remedial plan, and reads the success message; the
exception's own page then shows the decision and its plan. axe-core must find nothing
wrong on either page.
"""

from __future__ import annotations

import datetime as dt
import pytest
from playwright.sync_api import expect

from joinedup.demo.sources import DemoSources

pytestmark = pytest.mark.browser
CATALOGUE = DemoSources().catalogue
PEOPLE = {p["username"]: p for p in CATALOGUE["person"]}
STEERING = "steering.member"
EXCEPTION = "HW 02 2017/18"
TITLE = next(i["title"] for i in CATALOGUE["indicator"] if i["code"] == "HW 02")
LAYER = "Active and Healthy Gateshead Partnership"
OWNER = "Tom Richardson"
NOTE = "Off track for three years running: the partnership must act."
DUE = dt.date(dt.date.today().year + 2, 3, 31)


def sign_in(page, live_site, username):
    page.goto(f"{live_site}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PEOPLE[username]["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def press_into(page, locator, keys: str):
    """Type into a field reached with the keyboard, as a person would."""
    locator.focus()
    page.keyboard.type(keys)


def test_the_steering_group_triages_an_exception_with_the_keyboard(page, live_site, axe):
    sign_in(page, live_site, STEERING)
    page.get_by_role("link", name="Triage", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage exceptions")
    assert axe(page) == []

    # Choose the exception: its box, ticked with the space bar.
    box = page.get_by_role("checkbox", exact=True, name=f"Decide on {EXCEPTION} ({LAYER}) with "
                           "the form at the end")
    expect(box).to_have_count(1)
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()

    # The decision: a performance issue, with its remedial plan.
    performance = page.get_by_role("radio", name="Performance issue: a remedial plan")
    performance.focus()
    page.keyboard.press("Space")
    expect(performance).to_be_checked()
    plan = page.get_by_role("group", name="For a performance issue: the remedial plan")
    owner = plan.get_by_label("Plan owner", exact=True)
    owner.focus()
    owner.select_option(label=f"{OWNER}, {PEOPLE['pct.analyst']['job_title']}")
    press_into(page, page.get_by_label("Actions", exact=True), "Audit school nursing referrals")
    page.keyboard.press("Enter")
    page.keyboard.type("Extend the healthy weight programme")
    press_into(page, page.get_by_label("Day", exact=True), str(DUE.day))
    press_into(page, page.get_by_label("Month", exact=True), str(DUE.month))
    press_into(page, page.get_by_label("Year", exact=True), str(DUE.year))
    press_into(page, page.get_by_label("Why", exact=True), NOTE)
    page.get_by_role("button", name="Take this decision").focus()
    page.keyboard.press("Enter")

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(
        f"{EXCEPTION}: a performance issue for {LAYER}, with a remedial plan owned by {OWNER}, "
        "to review in 2018/19.")
    # The link's name ends with the layer, visually hidden, so it is matched from the start.
    link = page.get_by_role("link", name=f"{EXCEPTION}: {TITLE}")
    card = page.get_by_test_id("exception").filter(has=link)
    expect(card.get_by_test_id("decision")).to_contain_text("Performance issue")
    expect(card.get_by_test_id("decision")).to_contain_text(NOTE)
    assert axe(page) == []

    # The exception's page: the decision, its plan, and its history.
    card.get_by_role("link", name=f"{EXCEPTION}: {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"HW 02 {TITLE}")
    expect(page.get_by_test_id("current-decision")).to_contain_text(NOTE)
    actions = page.get_by_test_id("actions").locator("tbody tr")
    expect(actions).to_have_count(2)
    expect(actions.first).to_contain_text("Audit school nursing referrals")
    expect(actions.first).to_contain_text(f"{DUE.day} {DUE:%B %Y}")
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("progress")).to_have_text(
        "No figure since the plan yet; the 2018/19 figure will show whether it is working.")
    assert axe(page) == []
