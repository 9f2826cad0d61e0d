"""API fixtures: personas' tokens, and a client that sends one."""

from __future__ import annotations

import json

import pytest

from joinedup.partnership.tokens import ApiToken


class ApiClient:
    """The Django test client, speaking JSON to /api/ with an optional bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self._headers())

    def post(self, path: str, body):
        return self.client.post(path, json.dumps(body), content_type="application/json",
                                headers=self._headers())

    def patch(self, path: str, body):
        return self.client.patch(path, json.dumps(body), content_type="application/json",
                                 headers=self._headers())


@pytest.fixture
def token_for(person):
    """A new token for a persona: the token itself, as its holder would paste it."""

    def make(persona: str, **kwargs) -> str:
        return ApiToken.objects.issue(person(persona), "test", **kwargs)[1]

    return make


@pytest.fixture
def api(client, token_for):
    """``api(persona)``: a client with that persona's token; ``api(None)``: anonymous."""

    def make(persona: str | None) -> ApiClient:
        client.logout()
        return ApiClient(client, token_for(persona) if persona else None)

    return make
