"""API fixtures: personas' tokens, and a client that sends one."""

from __future__ import annotations

import pytest
from api_client import ApiClient

from joinedup.partnership.tokens import ApiToken


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
