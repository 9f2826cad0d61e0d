"""The risk register as a theme lead keeps it, in Chromium against the live server.

The chair of the Active and Healthy Gateshead Partnership opens Risks from the service
navigation, reads the heat map and the proposal awaiting her, opens the healthy weight
reward risk, adds a mitigation linked to the action that delivers it, scores the risk
(first without a reason, which is refused and shown by the field, then with one), and
overrides the forecast's likelihood, saying why. A police analyst on another theme
partnership finds the children's restricted risk nowhere. On a phone-sized screen the
register is no wider than the screen. axe-core must find nothing wrong on any page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from test_returns_flow import sign_in, sign_out

pytestmark = pytest.mark.browser

LEAD = "theme.lead"
RISK = "Healthy weight reward grant lost"
RESTRICTED = "A child known to several agencies comes to serious harm"
PHONE = {"width": 375, "height": 800}


def test_a_theme_lead_keeps_a_risk(page, live_site, axe):
    sign_in(page, live_site, LEAD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Risks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The risk register")
    expect(page.get_by_test_id("heat-map")).to_be_visible()
    banner = page.get_by_role("region", name="Awaiting your decision")
    expect(banner).to_contain_text(f"{RISK}: likelihood 4 on record, 5 proposed")
    assert axe(page) == []

    page.get_by_test_id("register").get_by_role("link", name=RISK).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(RISK)
    assert axe(page) == []

    form = page.get_by_test_id("control-form")
    form.get_by_label("Mitigation").check()
    form.get_by_label("What it is").fill("Weigh-in clinics in every children's centre")
    form.get_by_label("Offer a family weight-management programme in every children's centre",
                      exact=False).first.check()
    form.get_by_role("button", name="Add it").click()
    controls = page.get_by_test_id("controls")
    expect(controls).to_contain_text("Weigh-in clinics in every children's centre")

    score = page.get_by_test_id("score-form")
    score.get_by_label("Likelihood now").select_option("4")
    score.get_by_label("Impact now").select_option("5")
    score.get_by_role("button", name="Record the score").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Say why the score is what it is.")
    assert axe(page) == []
    score = page.get_by_test_id("score-form")
    score.get_by_label("Why this score").fill("Losing the grant would cut the pooled budget.")
    score.get_by_role("button", name="Record the score").click()
    expect(page.get_by_test_id("score-now")).to_contain_text("20, Extreme")
    expect(page.get_by_test_id("score-history")).to_contain_text(
        "Losing the grant would cut the pooled budget.")

    proposal = page.get_by_test_id("proposal")
    proposal.get_by_label("Override it").check()
    proposal.get_by_label("Why").fill("The 2019/20 figures are not in yet.")
    proposal.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("decided")).to_contain_text(
        "overridden, likelihood 4 kept: “The 2019/20 figures are not in yet.” (Helen Okafor)")
    expect(page.get_by_test_id("proposal")).to_have_count(0)
    assert axe(page) == []

    sign_out(page)
    sign_in(page, live_site, "police.analyst")
    page.goto(f"{live_site}/risks/")
    expect(page.get_by_test_id("register")).not_to_contain_text(RESTRICTED)
    assert axe(page) == []


def test_the_register_fits_a_phone(browser, live_site, axe):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_site, LEAD)
        page.goto(f"{live_site}/risks/")
        expect(page.get_by_test_id("heat-map")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        assert axe(page) == []
    finally:
        context.close()
