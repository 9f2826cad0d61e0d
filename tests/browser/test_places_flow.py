"""A forum's chair at work on the places pages, in Chromium against the live server.

The chair of the East Area Forum opens Areas, then the forums, and chooses the forum's
outcomes: first four (refused, the reason in the error summary), then five, each with its
reason. He imports a residents' survey for two of the forum's wards, then opens the forum's
area profile, goes from an indicator on it to its map by ward, and reaches the map's table
of figures from the keyboard. axe-core must find nothing wrong on any page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from test_returns_flow import sign_in

pytestmark = pytest.mark.browser

CHAIR = "cllr.east"
CHOSEN = ["Fewer violent crimes", "Less harm from alcohol", "More people in work",
          "Young people in learning or work", "Enough affordable homes"]
SURVEY = (b"area,issue,consultation,collected_on,count,sample_size\n"
          b"E05001076,Street lighting,Felling lighting survey 2009,2009-05-01,96,240\n"
          b"E05001076,Speeding traffic,Felling lighting survey 2009,2009-05-01,71,240\n"
          b"E05001081,Street lighting,Felling lighting survey 2009,2009-05-01,55,180\n")


def test_a_forum_chair_chooses_outcomes_imports_priorities_and_reads_the_map(page, live_site,
                                                                              axe):
    sign_in(page, live_site, CHAIR)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Areas").click()
    page.get_by_role("link", name="Area forums, residents' priorities and operations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Forums, priorities and operations")
    assert axe(page) == []
    page.get_by_test_id("forums").get_by_role("link", name="East Area Forum").click()
    # The forum's page must be there before its boxes are listed (listing does not wait).
    expect(page.get_by_role("heading", level=1)).to_have_text("East Area Forum")
    form = page.get_by_test_id("choose-form")
    for box in form.get_by_role("checkbox").all():
        box.uncheck()
    for title in CHOSEN[:4]:
        form.get_by_role("checkbox", name=title, exact=True).check()
        form.get_by_label(f"Why it matters here: {title}").fill(f"Residents raise {title}.")
    form.get_by_role("button", name="Save the forum's outcomes").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text(
        "Choose five or six outcomes; 4 are chosen.")
    assert axe(page) == []
    form = page.get_by_test_id("choose-form")
    form.get_by_role("checkbox", name=CHOSEN[4], exact=True).check()
    form.get_by_label(f"Why it matters here: {CHOSEN[4]}").fill("Young families leave the area.")
    form.get_by_role("button", name="Save the forum's outcomes").click()
    chosen = page.get_by_test_id("chosen")
    for title in CHOSEN:
        expect(chosen).to_contain_text(title)
    assert axe(page) == []

    page.goto(f"{live_site}/places/priorities/")
    page.get_by_label("A file of residents' priorities").set_input_files(
        {"name": "lighting.csv", "mimeType": "text/csv", "buffer": SURVEY})
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_test_id("saved")).to_contain_text("3 priorities saved.")
    page.get_by_label("Area").first.select_option(label="Felling")
    page.get_by_role("button", name="Show").click()
    felling = page.get_by_role("region", name="Residents' priorities in Felling, Felling "
                                               "lighting survey 2009")
    expect(felling).to_contain_text("Street lighting")
    expect(felling).to_contain_text("40% ± 6.2 points")
    assert axe(page) == []

    page.goto(f"{live_site}/places/forums/east-area-forum/")
    page.get_by_role("link", name="East Gateshead's profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("East Gateshead")
    expect(page.get_by_test_id("profile-chosen")).to_contain_text(CHOSEN[0])
    assert axe(page) == []
    page.goto(f"{live_site}/indicators/ec-06/")
    page.get_by_role("link", name="Map by ward").first.click()
    expect(page.get_by_test_id("indicator-map")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("link", name="Skip to the table of the map's figures").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "The map's figures"
    expect(page.get_by_test_id("map-table")).to_contain_text("Felling")


def test_a_district_profile_and_an_operation_fit_a_phone(browser, live_site, axe):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live_site, CHAIR)
        page.goto(f"{live_site}/areas/E08000037/profile/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Gateshead")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert axe(page) == []
        page.goto(f"{live_site}/places/operations/goldfinch-felling-2014/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Operation Goldfinch: Felling and Heworth, April 2014 Illustrative")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert axe(page) == []
    finally:
        context.close()
