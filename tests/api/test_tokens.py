"""API tokens: made once and shown once, stored as a digest, refused when revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from joinedup.partnership.tokens import ApiToken
from joinedup.history.models import Change
from joinedup.strategy.models import Indicator

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

def partners_only_codes() -> set[str]:
    """Indicators the public does not see: a token that works shows some of them."""
    return set(Indicator.objects.exclude(visibility="public").values_list("code", flat=True))


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
    assert token.startswith("ju_") and len(token) > 40
    assert "not shown again" in err
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
    assert record.prefix in listed and "active" in listed and token not in listed

    answer = ApiClient(client, token).get("/api/indicators", limit=500)
    seen = codes_seen(answer)
    assert seen & partners_only_codes(), "the token should act as the NHS analyst"
    record.refresh_from_db()
    assert record.last_used is not None


def test_revoked_token_is_refused_with_the_reason(client):
    out, _ = run("create", "police.analyst")
    token = out.strip()
    assert ApiClient(client, token).get("/api/values", limit=1).status_code == 200
    revoked, _ = run("revoke", token[:11])
    assert "Revoked" in revoked
    again, _ = run("revoke", token)
    assert "already revoked" in again
    for answer in (ApiClient(client, token).get("/api/indicators"),
                   ApiClient(client, token).post("/api/values/submit", {"ids": [1]})):
        assert answer.status_code == 401
        assert "revoked" in answer.json()["detail"]
        assert answer["WWW-Authenticate"].startswith("Bearer")
    listed, _ = run("list")
    assert f"{token[:11]}  police.analyst   revoked" in listed


def test_expired_unknown_and_malformed_tokens_are_refused(client, person, token_for):
    expired = token_for("pct", expires=timezone.now() - dt.timedelta(minutes=1))
    answer = ApiClient(client, expired).get("/api/indicators")
    assert answer.status_code == 401 and "expired" in answer.json()["detail"]

    answer = ApiClient(client, "ju_" + "x" * 43).get("/api/indicators")
    assert answer.status_code == 401 and "not recognised" in answer.json()["detail"]

    answer = client.get("/api/indicators", headers={"Authorization": "Basic cGN0OnB3"})
    assert answer.status_code == 401 and "Bearer" in answer.json()["detail"]

    still_good = token_for("pct", expires=timezone.now() + dt.timedelta(days=1))
    assert ApiClient(client, still_good).get("/api/indicators").status_code == 200


def test_a_token_of_an_inactive_account_is_refused(client, person, token_for):
    token = token_for("board")
    board = person("board")
    board.is_active = False
    board.save()
    answer = ApiClient(client, token).get("/api/indicators")
    assert answer.status_code == 401 and "no longer active" in answer.json()["detail"]


def test_writes_need_a_token_even_when_signed_in(client_as):
    client = client_as("officer")
    answer = client.post("/api/values/submit", {"ids": [1]}, content_type="application/json")
    assert answer.status_code == 401
    assert "needs an API token" in answer.json()["detail"]
    # reads work when signed in: the officer sees what the public does not
    assert codes_seen(client.get("/api/indicators", {"limit": 500})) >= partners_only_codes()


def test_command_refuses_unknown_people_and_prefixes():
    with pytest.raises(CommandError, match="no person"):
        run("create", "nobody")
    with pytest.raises(CommandError, match="No token starts"):
        run("revoke", "ju_nothing")
    with pytest.raises(CommandError, match="--days"):
        run("create", "pct.analyst", "--days", "0")
    out, err = run("create", "pct.analyst", "--days", "30")
    record = ApiToken.objects.get(prefix=out.strip()[:11])
    assert 29 <= (record.expires - timezone.now()).days <= 30 and "expiring" in err


def test_admin_makes_a_token_shows_it_once_and_revokes(admin_client, person):
    client = admin_client
    assert client.get("/admin/partnership/apitoken/").status_code == 200
    pct = person("pct")
    answer = client.post("/admin/partnership/apitoken/add/", {"person": pct.pk, "name": "From admin"},
                         follow=True)
    assert answer.status_code == 200
    record = ApiToken.objects.get(person=pct, name="From admin")
    shown = [str(m) for m in answer.context["messages"]]
    token = next(word for m in shown for word in m.split() if word.startswith("ju_"))
    assert ApiToken.objects.matching(token) == record
    client.post("/admin/partnership/apitoken/", {"action": "revoke", "_selected_action": [record.pk]})
    record.refresh_from_db()
    assert record.revoked is not None
    assert record.refusal() is not None
