"""Failed sign-ins are throttled per account and per address; sessions end when idle."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory, override_settings

from joinedup.web.views.account import client_address

SIGN_IN = "/account/sign-in/"
LOCKED = "There have been too many failed attempts to sign in to this account or from this address."


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def sign_in(client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(SIGN_IN, {"username": username, "password": password},
                       REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def limit() -> int:
    return settings.AXES_FAILURE_LIMIT


def test_the_limit_and_lockout_have_sensible_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS == ["joinedup.web.backends.LockableModelBackend"]


def test_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(
        db, client, passwords, limit):
    for _ in range(limit - 1):
        response = sign_in(client, "officer", "wrong")
        assert response.status_code == 200
        assert "Enter a correct username and password" in text(response)
    response = sign_in(client, "officer", "wrong")
    assert response.status_code == 429
    page = text(response)
    assert "There is a problem" in page and LOCKED in page
    assert "Wait 15 minutes and try again, or ask your partnership officer" in page
    assert "Traceback" not in page and "Enter a correct username" not in page

    response = sign_in(client, "officer", passwords["officer"])
    assert response.status_code == 429 and LOCKED in text(response)
    assert not signed_in(client)
    # The account stays locked from another address too.
    response = sign_in(client, "officer", passwords["officer"], address="198.51.100.7")
    assert response.status_code == 429 and not signed_in(client)


def test_a_different_account_from_the_same_address_is_throttled_too(
        db, client, passwords, limit):
    for _ in range(limit):
        sign_in(client, "officer", "wrong")
    response = sign_in(client, "pct.analyst", passwords["pct.analyst"])
    assert response.status_code == 429 and LOCKED in text(response)
    assert not signed_in(client)
    # From elsewhere that account is not locked: only the address was.
    response = sign_in(client, "pct.analyst", passwords["pct.analyst"], address="198.51.100.7")
    assert response.status_code == 302 and signed_in(client)


def test_the_lockout_ends_after_its_time(db, client, passwords, limit):
    for _ in range(limit):
        sign_in(client, "officer", "wrong")
    assert sign_in(client, "officer", passwords["officer"]).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME
        - dt.timedelta(minutes=1))
    response = sign_in(client, "officer", passwords["officer"])
    assert response.status_code == 302 and signed_in(client)


def test_fewer_failures_than_the_limit_are_forgotten_on_success(db, client, passwords, limit):
    for _ in range(limit - 1):
        sign_in(client, "officer", "wrong")
    assert sign_in(client, "officer", passwords["officer"]).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        sign_in(client, "officer", "wrong")
    assert sign_in(client, "officer", passwords["officer"]).status_code == 302


def test_the_administrations_sign_in_says_the_same(db, client, passwords, limit):
    for _ in range(limit):
        sign_in(client, "officer", "wrong")
    response = client.post("/admin/login/", {"username": "officer",
                                             "password": passwords["officer"]},
                           REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429 and LOCKED in text(response)


def test_api_tokens_are_unaffected_by_a_locked_address(db, client, token_for, limit):
    for _ in range(limit):
        sign_in(client, "officer", "wrong", address="127.0.0.1")
    token = token_for("steering")
    response = client.get("/api/exceptions", headers={"Authorization": f"Bearer {token}"},
                          REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200


def test_the_address_is_the_connections_unless_proxies_are_declared():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1",
                                   HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.44")
    assert client_address(request) == "10.0.0.1"
    with override_settings(PROXY_COUNT=1):
        assert client_address(request) == "192.0.2.44"
    with override_settings(PROXY_COUNT=2):
        assert client_address(request) == "203.0.113.9"
    with override_settings(PROXY_COUNT=3):
        assert client_address(request) == "10.0.0.1"


def test_sessions_end_after_thirty_idle_minutes(db, client, passwords, monkeypatch):
    from joinedup.web import sessions

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    clock = [1_000_000.0]
    monkeypatch.setattr(sessions.time, "time", lambda: clock[0])
    sign_in(client, "officer", passwords["officer"])
    first = client.get("/")
    assert first.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    clock[0] += 59  # within the minute: the session is not written again
    assert settings.SESSION_COOKIE_NAME not in client.get("/").cookies
    clock[0] += 1  # a minute on: the clock starts again
    assert client.get("/").cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60


def test_passwords_follow_djangos_validators(db, person):
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == ["UserAttributeSimilarityValidator", "MinimumLengthValidator",
                     "CommonPasswordValidator", "NumericPasswordValidator"]
    officer = person("officer")
    for weak in ("password1234", "short-1", "123456789012345", "officer12345"):
        with pytest.raises(ValidationError):
            validate_password(weak, officer)
    validate_password("a long and unusual pass phrase", officer)


def test_one_backend_so_people_can_be_found_by_permission(db):
    from joinedup.partnership.models import Person

    assert Person.objects.with_perm("partnership.manage_framework").filter(
        username="officer").exists()
