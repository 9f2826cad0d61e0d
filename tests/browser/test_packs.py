"""A Board pack built in the background, issued, and downloaded, in Chromium.

The partnership officer builds the Board's PDF pack from the Board's packs page. The pack's
own page shows the work's progress and reloads itself (an HTTP ``Refresh`` header, no
JavaScript) until the file is there; the officer then issues it. A Board member finds the
issued pack and downloads it: the file is byte for byte the one whose SHA-256 the page
shows. axe-core must find nothing wrong on any of these pages, the progress page included.
"""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from test_returns_flow import sign_in

pytestmark = pytest.mark.browser

PACKS = "/bodies/gsp-board/packs/"


def test_the_officer_builds_and_issues_a_pack_and_a_board_member_downloads_it(
        browser, live_site, axe):
    officer = browser.new_context(viewport={"width": 1280, "height": 900})
    page = officer.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_site, "officer")
    page.goto(live_site + PACKS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Packs")
    assert axe(page) == []

    page.get_by_role("radio", name="No meeting: a period only").check()
    page.get_by_label("Reporting period (optional)").fill("2019/20")
    with page.expect_response(lambda r: r.request.method == "GET"
                              and "/packs/" in r.url and "/bodies/" not in r.url) as first:
        page.get_by_role("button", name="Build a PDF pack").click()
    # The first look at the pack finds the work waiting or under way, and the page says so,
    # and asks the browser to come back in five seconds.
    assert first.value.headers.get("refresh") == "5"
    expect(page.get_by_role("heading", level=1)).to_have_text("PDF pack for 2019/20")
    expect(page.get_by_test_id("progress-refresh")).to_contain_text(
        "This page refreshes itself every 5 seconds until the work is finished.")
    assert axe(page) == []

    # With no script running, the browser reloads the page until the file is there.
    download = page.get_by_test_id("download")
    expect(download).to_be_visible(timeout=90_000)
    expect(page.get_by_test_id("progress")).to_have_count(0)
    expect(download).to_have_text("Download gsp-board-2019-20-draft.pdf")
    assert axe(page) == []

    page.get_by_role("link", name="Issue this pack").click()
    assert axe(page) == []
    page.get_by_role("button", name="Issue the pack and e-mail the members").click()
    # Issuing builds the pack once more, in the background too.
    expect(page.get_by_test_id("pack-issued")).to_contain_text("Issued", timeout=90_000)
    issued_sha = page.get_by_test_id("pack-sha256").inner_text()
    assert len(issued_sha) == 64
    assert axe(page) == []
    officer.close()

    member = browser.new_context(viewport={"width": 1280, "height": 900},
                                 accept_downloads=True)
    page = member.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_site, "board.member")
    page.goto(live_site + PACKS)
    expect(page.get_by_test_id("who-builds")).to_have_text(
        "Packs are built and issued by the partnership officer and the chair, vice-chair and "
        "officer of Gateshead Strategic Partnership.")
    row = page.get_by_test_id("packs-table").get_by_role("row").filter(has_text="2019/20")
    expect(row).to_contain_text("Issued")
    assert axe(page) == []
    row.get_by_role("link", name="PDF pack for 2019/20").click()
    expect(page.get_by_test_id("pack-sha256")).to_have_text(issued_sha)
    assert axe(page) == []

    with page.expect_download() as waiting:
        page.get_by_test_id("download").click()
    got = waiting.value
    assert got.suggested_filename == "gsp-board-2019-20.pdf"
    content = open(got.path(), "rb").read()
    assert content[:5] == b"%PDF-"
    assert hashlib.sha256(content).hexdigest() == issued_sha
    member.close()
