"""A delivery plan from its start to its agreement, in Chromium against the live server.

The chair of the Active and Healthy Gateshead Partnership opens Plans from the service
navigation and starts a plan for one of her theme's outcomes. She answers each question
that is not generated, tries to open the plan to challenge with no option on its short list
(refused, each reason in the error summary, linked to the box that puts it right), adds business as usual, do-minimum and another
option, chooses one with a reason, and opens it to challenge. A police analyst, for the Safer
Gateshead Partnership, comments on a gap. The lead's first try to agree is refused while the
comment is unanswered; she answers it and agrees the plan. On a phone-sized screen the list
of plans is no wider than the screen. axe-core must find nothing wrong on any page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from test_returns_flow import sign_in, sign_out

pytestmark = pytest.mark.browser

LEAD, ANALYST = "theme.lead", "police.analyst"
TITLE = "Healthy weight in Reception, started in the browser"
OUTCOME = "Children grow up a healthy weight"
#: The questions not generated, by key, with their stage.
QUESTIONS = {"priority": 1, "who-and-where": 1, "interventions": 4, "how": 5}
OPTIONS = [("Business as usual", "Keep the current healthy-weight service", "350000"),
           ("Do minimum", "Add brief advice from school nurses only", "390000"),
           ("Another option", "A family programme in every children's centre", "520000")]
PHONE = {"width": 375, "height": 800}


def errors(page):
    return page.get_by_test_id("form-errors")


def test_a_theme_lead_starts_a_plan_and_agrees_it_after_its_challenge(page, live_site, axe):
    sign_in(page, live_site, LEAD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery plans")
    assert axe(page) == []

    start = page.get_by_test_id("start-form")
    start.get_by_label("Title").fill(TITLE)
    expect(start.get_by_label("Active and Healthy Gateshead Partnership")).to_be_checked()
    start.get_by_label("Outcome").select_option(label=OUTCOME)
    start.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    summary = page.get_by_test_id("plan-summary")
    expect(summary).to_contain_text(f"Outcome: {OUTCOME}")
    expect(page.get_by_test_id("plan-state")).to_have_text("Draft")
    plan_address = page.url
    assert axe(page) == []

    for key, stage in QUESTIONS.items():
        question = page.locator(f'[data-question="{key}"]')
        question.get_by_role("textbox").fill(f"What the partnership knows on {key}.")
        question.get_by_role("button", name=f"Save the answer to stage {stage}").click()
        expect(page.locator(f'[data-question="{key}"]').get_by_role("textbox")).to_have_value(
            f"What the partnership knows on {key}.")

    page.get_by_role("button", name="Open to challenge").click()
    errors(page).get_by_role("link", name="The short list has no “business as usual” option",
                             exact=False).click()
    expect(page.get_by_test_id("option-form").get_by_label("Business as usual")).to_be_focused()
    expect(errors(page)).to_contain_text("The short list has no “business as usual” option")
    expect(errors(page)).to_contain_text("The short list has no “do minimum” option")
    expect(errors(page)).to_contain_text("Choose one option from the short list.")
    expect(errors(page)).to_contain_text("Say why the chosen option was chosen.")
    expect(errors(page)).not_to_contain_text("Stage 1")
    expect(page.get_by_test_id("plan-state")).to_have_text("Draft")
    assert axe(page) == []

    for kind, title, revenue in OPTIONS:
        form = page.get_by_test_id("option-form")
        form.get_by_label(kind, exact=True).check()
        form.get_by_label("Option", exact=True).fill(title)
        form.get_by_label("Revenue cost").fill(revenue)
        form.get_by_label("Expected effect").fill(f"What {title.lower()} would do.")
        form.get_by_label("Risks").fill("Families may not take it up.")
        form.get_by_role("button", name="Add the option").click()
        expect(page.get_by_test_id("options")).to_contain_text(title)
    assert axe(page) == []

    choose = page.get_by_test_id("choose-form")
    choose.get_by_label(OPTIONS[2][1]).check()
    choose.get_by_label("Why this option").fill("It reaches the families in the wards where "
                                                "excess weight is highest.")
    choose.get_by_role("button", name="Record the choice").click()
    expect(page.get_by_test_id("choice-reason")).to_have_text(
        "It reaches the families in the wards where excess weight is highest.")
    page.get_by_role("button", name="Open to challenge").click()
    expect(page.get_by_test_id("plan-state")).to_have_text("Open to challenge")
    assert axe(page) == []

    sign_out(page)
    sign_in(page, live_site, ANALYST)
    page.goto(plan_address)
    comment = page.get_by_test_id("comment-form")
    expect(comment).to_contain_text("You comment as Safer Gateshead Partnership.")
    assert axe(page) == []
    comment.get_by_label("A gap").check()
    comment.get_by_label("Comment", exact=True).fill(
        "Nothing for families in temporary accommodation.")
    comment.get_by_role("button", name="Send the comment").click()
    card = page.locator("[data-comment]")
    expect(card).to_contain_text("Safer Gateshead Partnership on a gap")
    expect(card).to_contain_text("Not answered yet")
    assert axe(page) == []

    sign_out(page)
    sign_in(page, live_site, LEAD)
    page.goto(plan_address)
    page.get_by_role("button", name="Agree the plan").click()
    expect(errors(page)).to_have_text(
        "There is a problem Safer Gateshead Partnership's comment on a gap is not answered yet.",
        use_inner_text=True)
    expect(page.get_by_test_id("plan-state")).to_have_text("Open to challenge")
    assert axe(page) == []

    errors(page).get_by_role("link").click()
    expect(page.get_by_label("Your answer to Safer Gateshead Partnership")).to_be_focused()
    page.get_by_label("Your answer to Safer Gateshead Partnership").fill(
        "Added to stage 4: the centres will reach families through the housing team.")
    page.get_by_role("button", name="Answer the comment").click()
    expect(page.locator("[data-comment]")).to_contain_text("through the housing team")
    page.get_by_role("button", name="Agree the plan").click()
    expect(page.get_by_test_id("plan-state")).to_contain_text("Agreed, by Helen Okafor on")
    expect(errors(page)).to_have_count(0)
    assert axe(page) == []


def test_the_plans_fit_a_phone(browser, live_site, axe):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_site, LEAD)
        page.goto(f"{live_site}/plans/")
        expect(page.get_by_test_id("plan-list")).to_be_visible()
        expect(page.get_by_test_id("start-form")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        assert axe(page) == []
    finally:
        context.close()
