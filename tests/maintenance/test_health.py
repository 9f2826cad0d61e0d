"""`/health/` says whether the database answers, and nothing else."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from joinedup.maintenance import health

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_database_is_503_without_details(client, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection to server at 10.0.0.5 failed: password for "
                                   "user joinedup")

    monkeypatch.setattr(health, "connections", {"default": Unreachable()})
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert b"10.0.0.5" not in response.content and b"password" not in response.content


def test_only_reading_is_allowed(client):
    assert client.post("/health/").status_code == 405
