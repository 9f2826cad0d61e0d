"""Optional two-factor sign-in (TOTP) for officers and administrators."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.history.models import Change

SIGN_IN = "/account/sign-in/"
CODE_PAGE = "/account/sign-in/code/"
SETTINGS_PAGE = "/account/two-factor/"


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


@pytest.fixture
def officer_with_app(person):
    officer = person("officer")
    return TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)


def test_an_officer_turns_it_on_with_a_code_from_the_app(client_as, person):
    client = client_as("officer")
    page = client.get(SETTINGS_PAGE)
    assert page.status_code == 200
    assert "Two-factor sign-in is off" in text(page)
    assert '<svg role="img" aria-label="QR code holding the setup key"' in page.content.decode()
    assert 'style="' not in page.content.decode()
    device = TOTPDevice.objects.get(user=person("officer"), confirmed=False)

    wrong = client.post(SETTINGS_PAGE, {"code": "000000" if code_for(device) != "000000"
                                        else "111111"})
    assert "The code is not right" in text(wrong)
    assert not TOTPDevice.objects.filter(user=person("officer"), confirmed=True).exists()
    time.sleep(1.1)  # a wrong code makes the next wait a second

    turned_on = client.post(SETTINGS_PAGE, {"code": code_for(device)}, follow=True)
    assert "Two-factor sign-in is on" in text(turned_on)
    change = Change.objects.filter(action="create", object_id=device.pk).latest("time")
    assert change.after == {"person": "officer", "two_factor_sign_in": True}
    assert "key" not in str(change.after)
    # Still signed in, and verified, so the pages open.
    assert client.get("/").status_code == 200


def test_with_it_on_the_password_alone_does_not_open_the_pages(
        client, passwords, officer_with_app):
    response = client.post(SIGN_IN, {"username": "officer", "password": passwords["officer"],
                                     "next": "/risks/"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 302 and page["Location"].startswith(CODE_PAGE)
    assert client.get("/admin/").status_code == 302
    assert client.get("/risks/")["Location"] == f"{CODE_PAGE}?next=%2Frisks%2F"

    asked = client.get(f"{CODE_PAGE}?next=/risks/")
    assert asked.status_code == 200 and "Enter the code from your authenticator app" in text(asked)
    wrong = client.post(CODE_PAGE, {"code": "12345x", "next": "/risks/"})
    assert "There is a problem" in text(wrong)
    assert "Enter the 6-digit code your authenticator app shows now" in text(wrong)
    assert client.get("/risks/").status_code == 302

    right = client.post(CODE_PAGE, {"code": code_for(officer_with_app), "next": "/risks/"})
    assert (right.status_code, right["Location"]) == (302, "/risks/")
    assert client.get("/risks/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_the_administrations_sign_in_needs_the_code_too(client, passwords, officer_with_app):
    client.post("/admin/login/?next=/admin/", {"username": "officer",
                                              "password": passwords["officer"]})
    assert client.get("/admin/")["Location"].startswith(CODE_PAGE)


def test_wrong_codes_are_throttled(client, passwords, officer_with_app):
    client.post(SIGN_IN, {"username": "officer", "password": passwords["officer"]})
    client.post(CODE_PAGE, {"code": "000000" if code_for(officer_with_app) != "000000"
                            else "111111"})
    refused = client.post(CODE_PAGE, {"code": code_for(officer_with_app)})
    assert "The last code was wrong, so wait a few seconds" in text(refused)
    assert client.get("/risks/").status_code == 302
    time.sleep(1.1)
    assert client.post(CODE_PAGE, {"code": code_for(officer_with_app)}).status_code == 302
    assert client.get("/risks/").status_code == 200


def test_without_it_the_password_is_enough(client, passwords, db):
    client.post(SIGN_IN, {"username": "officer", "password": passwords["officer"]})
    assert client.get("/risks/").status_code == 200


def test_it_is_for_officers_and_administrators(client_as):
    assert client_as("officer").get(SETTINGS_PAGE).status_code == 200
    assert client_as("board").get(SETTINGS_PAGE).status_code == 404


def test_api_tokens_need_no_code(api, officer_with_app):
    assert api("officer").get("/api/exceptions").status_code == 200


def test_turning_it_off_needs_a_code_and_is_recorded(client_as, officer_with_app):
    client = client_as("officer")
    assert client.get("/risks/").status_code == 302  # force_login is not verified
    from django_otp import DEVICE_ID_SESSION_KEY
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = officer_with_app.persistent_id
    session.save()
    off = client.post(SETTINGS_PAGE, {"code": code_for(officer_with_app)}, follow=True)
    assert "Two-factor sign-in is off" in text(off)
    assert not TOTPDevice.objects.filter(user=officer_with_app.user, confirmed=True).exists()
    assert Change.objects.filter(action="delete", object_id=officer_with_app.pk).exists()
