"""After a large upload, PostgreSQL's planner is told how large the figures table now is."""

from __future__ import annotations

import pytest
from django.db import connection

from joinedup.returns import writing
from joinedup.returns.importing import import_table
from joinedup.returns.models import DataValue

from .helpers import GATESHEAD, latest, next_label, table

pytestmark = pytest.mark.django_db


def _send(person, codes):
    rows = [{"indicator": code, "area": GATESHEAD, "period": next_label(code),
             "value": str(latest(code).value)} for code in codes]
    return import_table(table(rows), source="two.csv", user=person("pct"))


def test_a_large_upload_refreshes_the_statistics_once_saved(person, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    monkeypatch.setattr(writing, "STATISTICS_AFTER", 2)
    with django_capture_on_commit_callbacks() as callbacks:
        assert _send(person, ["HW 01", "HW 02"]).saved
    assert writing.refresh_statistics in callbacks


def test_a_small_upload_leaves_them(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert _send(person, ["HW 01"]).saved
    assert writing.refresh_statistics not in callbacks


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_refreshing_gives_the_planner_the_table_as_it_is():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = 1 WHERE relname = 'returns_datavalue'")
        writing.refresh_statistics()
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'returns_datavalue'")
        assert cursor.fetchone()[0] == DataValue.objects.count()
