"""Filling in the history of an upload's changed figures touches those changes and no others.

On PostgreSQL the figures' table lock holds off other writers of figures, but not of
everything else: someone may change a target, and commit, while a big upload is writing.
Their change must come out exactly as they recorded it.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from joinedup.history.models import Change
from joinedup.returns import writing
from joinedup.returns.importing import import_table
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Target

from .helpers import GATESHEAD, latest, next_label, table

pytestmark = pytest.mark.django_db

CODES = ("HW 01", "HW 02")


def _rows(values: dict[str, float]) -> list[dict]:
    return [{"indicator": code, "area": GATESHEAD, "period": next_label(code),
             "value": str(value)} for code, value in values.items()]


def test_a_change_committed_meanwhile_keeps_its_own_after(person, monkeypatch):
    pct = person("pct")
    sent = {code: latest(code).value for code in CODES}
    first = import_table(table(_rows(sent)), source="first.csv", user=pct)
    assert first.saved and first.created == 2
    figures = DataValue.objects.filter(pk__in=first.value_ids)

    target = Target.objects.filter(indicator__code="HW 02").first()
    theirs = {"value": 41.5, "note": "agreed by the Board"}
    recorded = writing._record_changes

    def and_someone_else_commits(cursor, **kwargs):
        made = recorded(cursor, **kwargs)
        # another officer's change to a target, committed while the upload writes
        Change.objects.create(
            time=timezone.now(), actor="theme.lead", action=Change.Action.UPDATE,
            content_type=ContentType.objects.get_for_model(Target), object_id=target.pk,
            object_repr=str(target), before={"value": 40.0}, after=theirs,
            reason="Stretch target")
        return made

    monkeypatch.setattr(writing, "_record_changes", and_someone_else_commits)
    resent = {code: value + 1 for code, value in sent.items()}
    second = import_table(table(_rows(resent)), source="second.csv", user=pct)
    assert second.saved and second.changed == 2

    unrelated = Change.objects.get(reason="Stretch target")
    assert (unrelated.before, unrelated.after) == ({"value": 40.0}, theirs)
    # and the upload's own changes are filled in, from the figures as now saved
    for figure in figures.select_related("indicator"):
        change = Change.objects.for_object(figure).filter(action="update").get()
        assert (change.before["value"], change.after["value"]) == (
            sent[figure.indicator.code], resent[figure.indicator.code])
        assert change.after == figure.snapshot()


@pytest.mark.parametrize("microsecond", [525160, 500000, 1, 0])
def test_the_database_writes_a_figure_as_its_snapshot_does(microsecond):
    """Times whose microseconds end in zeros, or are zero, come out as isoformat() has them."""
    figure = latest("HW 01")
    when = dt.datetime(2026, 12, 2, 9, 21, 25, microsecond, tzinfo=dt.UTC)
    DataValue.objects.filter(pk=figure.pk).update(updated_at=when, submitted_at=None)
    figure.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {writing._snapshot_sql('v')} FROM {writing.q(writing.TABLE)} v "
                       "WHERE v.id = %s", [figure.pk])
        made = cursor.fetchone()[0]
    made = json.loads(made) if isinstance(made, str) else made
    assert made == figure.snapshot()
    assert made["updated_at"] == when.isoformat()
