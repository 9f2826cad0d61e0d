"""API tokens: made once and shown once, stored as a digest, refused when revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from joinedup.partnership.tokens import ApiToken
from joinedup.history.models import Change
from joinedup.strategy.models import Indicator

from api_client import ApiClient

pytestmark = pytest.mark.django_db


def codes_seen(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_token_made_by_the_command_is_printed_once_and_kept_only_as_a_digest(client):
    out, err = run("create", "pct.analyst", "--name", "Upload script")
    token = out.strip()
    # the mark, then 32 random bytes in URL-safe base64
    assert re.fullmatch(r"ju_[A-Za-z0-9_-]{43}", token)
    assert err == (f"Token {token[:11]}\u2026 made for pct.analyst. Keep it safe: it is not "
                   "shown again.\n")
    record = ApiToken.objects.get(person__username="pct.analyst")
    assert record.digest == hashlib.sha256(token.encode()).hexdigest()
    assert record.prefix == token[:11] and record.name == "Upload script"
    # nothing stored holds the token itself: not the record, not its history
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=record.pk).values().get()
                      .values())
    history = " ".join(str(c.after) for c in Change.objects.for_object(record))
    assert token not in stored and token not in history
    assert Change.objects.for_object(record).filter(action="create").exists()
    # the list shows the prefix, never the token
    listed, _ = run("list", "pct.analyst")
    assert listed == (f"{record.prefix}  pct.analyst      active   made {record.created:%Y-%m-%d}"
                      "  used never  Upload script\n")

    answer = ApiClient(client, token).get("/api/indicators", limit=500)
    seen = codes_seen(answer)
    # the token acts as the NHS analyst: everything but the police's restricted SC 02
    assert seen == set(Indicator.objects.values_list("code", flat=True)) - {"SC 02"}
    record.refresh_from_db()
    assert record.last_used is not None


def test_revoked_token_is_refused_with_the_reason(client):
    out, _ = run("create", "police.analyst")
    token = out.strip()
    assert ApiClient(client, token).get("/api/values", limit=1).status_code == 200
    revoked, _ = run("revoke", token[:11])
    assert revoked == f"Revoked {token[:11]}\u2026 of police.analyst.\n"
    again, _ = run("revoke", token)
    assert again == f"{token[:11]}\u2026 was already revoked.\n"
    record = ApiToken.objects.get(prefix=token[:11])
    refusal = (f"This API token ({token[:11]}\u2026) was revoked on "
               f"{timezone.localtime(record.revoked):%d %B %Y}. Ask for a new one.")
    for answer in (ApiClient(client, token).get("/api/indicators"),
                   ApiClient(client, token).post("/api/values/submit", {"ids": [1]})):
        assert answer.status_code == 401
        assert answer.json()["detail"] == refusal
        assert answer["WWW-Authenticate"] == 'Bearer realm="JoinedUp", error="invalid_token"'
    listed, _ = run("list")
    assert listed == (f"{token[:11]}  police.analyst   revoked  made {record.created:%Y-%m-%d}"
                      f"  used {record.last_used:%Y-%m-%d %H:%M}  API token\n")


def test_expired_unknown_and_malformed_tokens_are_refused(client, person, token_for):
    ended = timezone.now() - dt.timedelta(minutes=1)
    expired = token_for("pct", expires=ended)
    answer = ApiClient(client, expired).get("/api/indicators")
    assert answer.status_code == 401
    assert answer.json()["detail"] == (f"This API token ({expired[:11]}\u2026) expired on "
                                       f"{timezone.localtime(ended):%d %B %Y}. Ask for a new one.")

    answer = ApiClient(client, "ju_" + "x" * 43).get("/api/indicators")
    assert answer.status_code == 401
    assert answer.json()["detail"] == ("This API token is not recognised. Check that it was "
                                       "copied whole, or ask for a new one.")

    answer = client.get("/api/indicators", headers={"Authorization": "Basic cGN0OnB3"})
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Send the token as 'Authorization: Bearer <token>'."

    still_good = token_for("pct", expires=timezone.now() + dt.timedelta(days=1))
    assert ApiClient(client, still_good).get("/api/indicators").status_code == 200


def test_a_token_of_an_inactive_account_is_refused(client, person, token_for):
    token = token_for("board")
    board = person("board")
    board.is_active = False
    board.save()
    answer = ApiClient(client, token).get("/api/indicators")
    assert answer.status_code == 401
    assert answer.json()["detail"] == ("The account this API token belongs to is no longer "
                                       "active.")


def test_writes_need_a_token_even_when_signed_in(client_as):
    client = client_as("officer")
    answer = client.post("/api/values/submit", {"ids": [1]}, content_type="application/json")
    assert answer.status_code == 401
    assert answer.json()["detail"] == ("This needs an API token: send 'Authorization: Bearer "
                                       "<token>'. Make one with 'joinedup api-token create "
                                       "USERNAME'.")
    # reads work when signed in: the officer sees every indicator, the public's and the rest
    assert codes_seen(client.get("/api/indicators", {"limit": 500})) == set(
        Indicator.objects.values_list("code", flat=True))


def test_command_refuses_unknown_people_and_prefixes():
    with pytest.raises(CommandError) as refused:
        run("create", "nobody")
    assert str(refused.value) == "There is no person with the username 'nobody'."
    with pytest.raises(CommandError) as refused:
        run("revoke", "ju_nothing")
    assert str(refused.value) == ("No token starts 'ju_nothing'. 'joinedup api-token list' "
                                  "shows them.")
    with pytest.raises(CommandError) as refused:
        run("create", "pct.analyst", "--days", "0")
    assert str(refused.value) == "--days must be 1 or more."
    before = timezone.now()
    out, err = run("create", "pct.analyst", "--days", "30")
    after = timezone.now()
    record = ApiToken.objects.get(prefix=out.strip()[:11])
    # thirty days from the moment it was made
    assert before + dt.timedelta(days=30) <= record.expires <= after + dt.timedelta(days=30)
    assert err == (f"Token {record.prefix}\u2026 made for pct.analyst, expiring "
                   f"{record.expires:%d %B %Y}. Keep it safe: it is not shown again.\n")


def test_admin_makes_a_token_shows_it_once_and_revokes(admin_client, person):
    client = admin_client
    assert client.get("/admin/partnership/apitoken/").status_code == 200
    pct = person("pct")
    answer = client.post("/admin/partnership/apitoken/add/",
                         {"person": pct.pk, "name": "From admin",
                          "change_reason": "Quarterly upload script"}, follow=True)
    assert answer.status_code == 200
    record = ApiToken.objects.get(person=pct, name="From admin")
    shown = [str(m) for m in answer.context["messages"]]
    token = next(word for m in shown for word in m.split() if word.startswith("ju_"))
    assert ApiToken.objects.matching(token) == record
    client.post("/admin/partnership/apitoken/", {"action": "revoke", "_selected_action": [record.pk]})
    record.refresh_from_db()
    assert record.revoked is not None
    assert [c.reason for c in Change.objects.for_object(record).order_by("time", "pk")] == [
        "Quarterly upload script", "Revoked in the administration"]
    assert record.refusal() == (f"This API token ({record.prefix}\u2026) was revoked on "
                                f"{timezone.localtime(record.revoked):%d %B %Y}. Ask for a new "
                                "one.")
