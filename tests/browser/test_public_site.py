"""The public transparency site in Chromium, with and without JavaScript.

The partnership officer issues a Board pack and puts it on the public site. Then an
anonymous visitor, with no session, walks the public site: its home, the strategy, the
indicators, one indicator, a ward map and the packs, downloads the published pack exactly
as issued, and downloads the whole public data as one ZIP, which validates as a
Frictionless Data Package. axe-core must find nothing wrong on any page.
"""

from __future__ import annotations

import hashlib
import re
import zipfile

import frictionless
import pytest
from playwright.sync_api import expect

from test_returns_flow import sign_in

pytestmark = pytest.mark.browser


def publish_a_board_pack(browser, live_site) -> str:
    """The officer builds, issues and publishes an Excel pack; its SHA-256."""
    officer = browser.new_context(viewport={"width": 1280, "height": 900})
    page = officer.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_site, "officer")
    page.goto(live_site + "/bodies/gsp-board/packs/")
    page.get_by_role("radio", name="No meeting: a period only").check()
    page.get_by_label("Reporting period (optional)").fill("2020/21")
    page.get_by_role("button", name="Build an Excel pack").click()
    expect(page.get_by_role("link", name="Issue this pack")).to_be_visible(timeout=90_000)
    page.get_by_role("link", name="Issue this pack").click()
    page.get_by_role("button", name="Issue the pack and e-mail the members").click()
    expect(page.get_by_test_id("pack-issued")).to_contain_text("Issued", timeout=90_000)
    expect(page.get_by_test_id("pack-public")).to_have_text(
        "Not published: only the partners may read it.")
    page.get_by_role("button", name="Publish on the public site").click()
    expect(page.get_by_test_id("pack-public")).to_contain_text("Published on")
    sha = page.get_by_test_id("pack-sha256").inner_text()
    officer.close()
    return sha


def test_an_anonymous_visitor_walks_the_public_site_and_downloads_the_data(
        browser, live_site, axe, tmp_path):
    sha = publish_a_board_pack(browser, live_site)
    visitor = browser.new_context(viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = visitor.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_site + "/public/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gateshead Strategic Partnership")
    expect(page.get_by_test_id("public-vision")).to_contain_text("By 2030 Gateshead")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    assert axe(page) == []

    page.get_by_role("link", name="The strategy").click()
    expect(page.get_by_role("heading", level=2, name="Active and Healthy Gateshead")
           ).to_be_visible()
    assert axe(page) == []

    page.get_by_role("link", name="Public information").click()
    page.locator("main").get_by_role("link", name="Indicators", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public indicators")
    table = page.get_by_test_id("public-indicators")
    expect(table).to_contain_text("HW 02")
    expect(table).not_to_contain_text("SC 02")  # restricted to the police and the council
    assert axe(page) == []

    table.get_by_role("link", name="HW 02 Year 6 children with excess weight").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Year 6 children with excess weight")
    expect(page.get_by_test_id("public-figures")).to_be_visible()
    expect(page.get_by_test_id("public-status")).to_contain_text("Gateshead")
    assert axe(page) == []

    page.goto(live_site + "/public/maps/")
    assert axe(page) == []
    page.get_by_test_id("public-maps").get_by_role("link").first.click()
    expect(page.get_by_test_id("public-map").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("public-map-table")).to_be_visible()
    assert axe(page) == []

    page.goto(live_site + "/public/packs/")
    expect(page.get_by_test_id("public-packs")).to_contain_text(sha)
    assert axe(page) == []
    with page.expect_download() as waiting:
        page.get_by_test_id("public-pack-download").first.click()
    pack = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(pack)
    assert hashlib.sha256(pack.read_bytes()).hexdigest() == sha

    page.goto(live_site + "/public/")
    with page.expect_download() as waiting:
        page.get_by_test_id("package-zip").click()
    archive = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(archive)
    assert archive.name == "public-data.zip"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tmp_path / "package")
    report = frictionless.validate(str(tmp_path / "package" / "datapackage.json"))
    assert (report.valid, report.stats["errors"]) == (True, 0)
    assert visitor.cookies() == []
    visitor.close()


def test_the_public_pages_work_without_javascript(browser, live_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_site + "/public/")
    page.locator("main").get_by_role("link", name="Indicators", exact=True).click()
    page.get_by_role("link", name="HW 02 Year 6 children with excess weight").click()
    expect(page.get_by_test_id("public-trend").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("public-figures")).to_be_visible()
    page.goto(live_site + "/public/indicators/sc-04/map/")  # a figure for each of 17 periods
    form = page.get_by_test_id("public-map-form")
    form.get_by_label("Period").select_option(index=1)
    form.get_by_role("button", name="Show map").click()
    expect(page).to_have_url(re.compile(r"/public/indicators/sc-04/map/\?period="))
    expect(page.get_by_test_id("public-map").locator("svg")).to_be_visible()
    context.close()
