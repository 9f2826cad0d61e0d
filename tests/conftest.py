"""Shared fixtures: the demonstration partnership in the test database, and the personas.

The demo is built once per test session into the test database (SQLite or PostgreSQL,
whichever ``DATABASE_URL`` selects); each test then runs in a transaction that is rolled
back, so tests see the same partnership and cannot disturb each other.
"""

from __future__ import annotations

import pytest
from api_client import ApiClient
from personas import PERSONAS
from django.core.management import call_command

from joinedup.demo.sources import DemoSources
from joinedup.partnership.tokens import ApiToken

__all__ = ["PERSONAS"]


@pytest.fixture(scope="session")
def demo_sources() -> DemoSources:
    return DemoSources()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("demo", "--no-migrate", "--quiet", verbosity=0)


@pytest.fixture(scope="session")
def passwords(demo_sources) -> dict[str, str]:
    return {p["username"]: p["password"] for p in demo_sources.catalogue["person"]
            if p.get("password")}


@pytest.fixture
def person(db):
    from joinedup.partnership.models import Person

    def get(persona: str):
        return Person.objects.get(username=PERSONAS[persona])

    return get


@pytest.fixture
def client_as(client, person):
    """A test client signed in as a persona (or anonymous for ``None``)."""

    def make(persona: str | None):
        client.logout()
        if persona is not None:
            client.force_login(person(persona))
        return client

    return make


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
