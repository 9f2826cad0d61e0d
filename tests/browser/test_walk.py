"""Each persona signs in and walks overview → theme → indicator → area in Chromium.

On every page the test checks what the persona must see and must not see, and axe-core
must report no accessibility violations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from joinedup.demo.sources import DemoSources

pytestmark = pytest.mark.browser
CATALOGUE = DemoSources().catalogue
PASSWORDS = {p["username"]: p["password"] for p in CATALOGUE["person"] if p.get("password")}
TITLES = {i["code"]: i["title"] for i in CATALOGUE["indicator"]}
INDICATORS = {i["code"]: i for i in CATALOGUE["indicator"]}
ORGANISATIONS = {o["slug"]: o["name"] for o in CATALOGUE["organisation"]}
POLARITY = {"up": "Higher is better", "down": "Lower is better", "none": "No judgement"}


@dataclass
class Walk:
    username: str | None
    signed_in_as: str
    theme: str
    indicator: str
    area: str
    hidden: list[str] = field(default_factory=list)
    shown_elsewhere: dict[str, str] = field(default_factory=dict)


WALKS = [
    Walk(None, "", "Active and Healthy Gateshead", "HW 02", "Gateshead",
         hidden=["HW 15", "SC 02", "CY 07", "NG 06"]),
    Walk("officer", "Priya Shaw, Gateshead Council", "Safer Gateshead", "SC 02", "Northumbria",
         shown_elsewhere={"/themes/narrowing-the-gap/": "NG 06"}),
    Walk("pct.analyst", "Tom Richardson, NHS Gateshead", "Active and Healthy Gateshead", "HW 15",
         "Gateshead", hidden=["SC 02"],
         shown_elsewhere={"/themes/children-and-young-people/": "CY 07"}),
    Walk("police.analyst", "Gemma Lowes, Northumbria Police", "Safer Gateshead", "SC 02",
         "Northumbria", hidden=["CY 07", "NG 06"]),
    Walk("theme.lead", "Helen Okafor, Gateshead Council", "Active and Healthy Gateshead",
         "HW 15", "Gateshead", hidden=["NG 06"],
         shown_elsewhere={"/themes/safer-gateshead/": "SC 02"}),
    Walk("board.member", "Sandra Kerr, GVOC", "Narrowing the gap", "NG 01", "Bridges",
         hidden=["SC 02", "CY 07", "NG 06"]),
]


def sign_in(page, live_site, username, axe):
    page.goto(f"{live_site}/account/sign-in/")
    assert axe(page) == []
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()


def assert_hidden(page, walk: Walk):
    content = page.locator("main").inner_text()
    for code in walk.hidden:
        assert code not in content, f"{walk.username} sees {code} on {page.url}"
        assert TITLES[code] not in content, f"{walk.username} sees {TITLES[code]} on {page.url}"


@pytest.mark.parametrize("walk", WALKS, ids=[w.username or "public" for w in WALKS])
def test_persona_walks_overview_theme_indicator_area(walk, page, live_site, axe):
    if walk.username:
        sign_in(page, live_site, walk.username, axe)
        expect(page.get_by_test_id("signed-in-as")).to_have_text(
            f"Signed in as {walk.signed_in_as}")
    else:
        page.goto(live_site + "/")
        expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()

    # overview
    expect(page.get_by_role("heading", level=1)).to_have_text("Gateshead Strategic Partnership")
    expect(page.get_by_role("heading", name="Themes")).to_be_visible()
    expect(page.get_by_test_id("layers")).to_contain_text("Steering Group")
    assert_hidden(page, walk)
    assert axe(page) == []

    # theme
    page.get_by_role("link", name=walk.theme, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(walk.theme)
    expect(page.get_by_test_id("outcome-indicators").first).to_be_visible()
    assert_hidden(page, walk)
    assert axe(page) == []

    # indicator
    title = TITLES[walk.indicator]
    page.get_by_role("link", name=f"{walk.indicator} {title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    item = INDICATORS[walk.indicator]
    expect(page.get_by_test_id("polarity")).to_have_text(POLARITY[item["polarity"]])
    expect(page.get_by_test_id("owner")).to_have_text(ORGANISATIONS[item["owner"]])
    expect(page.get_by_test_id("values-table")).to_be_visible()
    assert_hidden(page, walk)
    assert axe(page) == []

    # area
    page.locator("main").get_by_role("link", name=walk.area, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(walk.area)
    expect(page.get_by_test_id("area-details")).to_be_visible()
    assert_hidden(page, walk)
    assert axe(page) == []

    # what this persona may see elsewhere, and what they may not reach at all
    for url, code in walk.shown_elsewhere.items():
        page.goto(live_site + url)
        expect(page.locator("main")).to_contain_text(f"{code} {TITLES[code]}")
    for code in walk.hidden:
        response = page.goto(f"{live_site}/indicators/{code.lower().replace(' ', '-')}/")
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_area_page_map_and_indicator_chart_are_described(page, live_site):
    page.goto(f"{live_site}/areas/E08000037/")
    expect(page.get_by_role("img", name="Map of Gateshead showing its 22 ward boundaries, "
                            "shaded by locality. The areas are listed beneath the map.")
           ).to_be_visible()
    page.goto(f"{live_site}/indicators/hw-02/")
    chart = page.get_by_test_id("trend-chart").get_by_role("img")
    expect(chart).to_have_attribute("aria-label", "Line chart of Year 6 children with excess "
                                    "weight over time for Gateshead, Newcastle upon Tyne, South "
                                    "Tyneside, Sunderland, England; diamonds mark the targets. "
                                    "The figures are in the table below.")


def test_keyboard_user_can_skip_to_content_and_reach_the_navigation(page, live_site):
    page.goto(live_site + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()

    page.goto(live_site + "/")
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if reached[-1] == "Themes":
            break
    assert reached[-1] == "Themes", reached
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Themes")


def test_every_page_works_without_javascript(browser, live_site, axe):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_site}/account/sign-in/")
    page.get_by_label("Username").fill("pct.analyst")
    page.get_by_label("Password").fill(PASSWORDS["pct.analyst"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Tom Richardson")
    page.get_by_role("link", name="Themes", exact=True).click()
    page.get_by_role("link", name="Children and young people").click()
    page.get_by_role("link", name=f"CY 07 {TITLES['CY 07']}").click()
    expect(page.get_by_test_id("trend-chart").locator("svg")).to_be_visible()
    page.get_by_role("link", name="Areas", exact=True).click()
    page.get_by_role("link", name="Bridges").click()
    expect(page.get_by_test_id("area-map").locator("svg")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    context.close()


def test_a_wrong_password_is_explained_accessibly(page, live_site, axe):
    page.goto(f"{live_site}/account/sign-in/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password")
    expect(page).to_have_title("Error: Sign in – Gateshead Strategic Partnership – JoinedUp")
    assert axe(page) == []
