"""With the Content Security Policy on, Chromium refuses nothing the pages ask for: no
script, style or image is blocked, so the policy costs the pages nothing."""

from __future__ import annotations

import pytest

from joinedup.demo.sources import DemoSources

pytestmark = pytest.mark.browser
PASSWORDS = {p["username"]: p["password"] for p in DemoSources().catalogue["person"]
             if p.get("password")}
PUBLIC_PAGES = [
    "/",                             # the overview
    "/indicators/hw-02/",            # an indicator with its charts
    "/indicators/ng-07/map/",        # a map by ward
    "/areas/E08000037/profile/",     # an area's profile
    "/api/docs",                     # the API's browsable docs, which run a script
    "/account/sign-in/",
]
OFFICERS_PAGES = ["/bodies/gsp-board/report/", "/risks/", "/resources/"]


def watch_console(page) -> list[str]:
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None)
    page.on("pageerror", lambda error: refusals.append(f"{page.url}: {error}"))
    return refusals


def test_no_page_breaks_the_content_security_policy(page, live_site, axe):
    refusals = watch_console(page)
    for path in PUBLIC_PAGES:
        response = page.goto(live_site + path)
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert axe(page) == []  # axe-core runs on the sign-in page without weakening the policy
    page.goto(f"{live_site}/account/sign-in/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORDS["officer"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_site}/")
    for path in OFFICERS_PAGES:
        assert page.goto(live_site + path).status == 200, path
        page.wait_for_load_state("networkidle")
    assert refusals == []


def test_a_refusal_would_be_seen(page, live_site):
    """The watch above would see a refusal: an inline script on our pages is blocked."""
    refusals = watch_console(page)
    page.goto(live_site + "/")
    page.evaluate("""() => { const s = document.createElement('script');
                              s.textContent = 'window.ran = true';
                              document.body.append(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran === undefined")
    assert any("Content Security Policy" in refusal for refusal in refusals)
