"""A large table checked in parts, each written while the next is checked: the same
figures, the same history and the same problems as the table checked in one go."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from django.db import transaction
from django.utils import timezone

from joinedup.history.models import Change
from joinedup.returns import parts, reference, validation, writing
from joinedup.returns.importing import import_table
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

from .helpers import table

pytestmark = pytest.mark.django_db

WHOLE = 10**9  # rows a part: more than any table here, so the table is checked in one go
SENT_AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


class _Undone(Exception):
    pass


def _codes(officer, count=3):
    """Indicators the officer may send with approved figures in several areas."""
    sendable = Indicator.objects.sendable_by(officer).filter(
        values__state="approved").distinct().order_by("code")
    return list(sendable.values_list("code", flat=True)[:count])


def _areas(code, count=4):
    return list(DataValue.objects.filter(indicator__code=code, state="approved")
                .order_by("area__code").values_list("area__code", flat=True).distinct()[:count])


def _rows(officer):
    """New figures for 3 indicators × 4 areas × 6 months (some out of line with their
    series), changes to two approved figures, and an approved figure sent unchanged; in an
    order of no series."""
    rows = []
    for code in _codes(officer):
        for area in _areas(code):
            for month in range(1, 7):
                rows.append({"indicator": code, "area": area, "period": f"1900-{month:02d}",
                             "value": str(10 + month), "note": None})
    for code in _codes(officer)[:2]:
        figure = (DataValue.objects.filter(indicator__code=code, state="approved")
                  .order_by("pk").first())
        rows.append({"indicator": code, "area": figure.area.code, "period": figure.period,
                     "value": repr(figure.value * 1.01), "note": "revised"})
    kept = DataValue.objects.filter(indicator__code=_codes(officer)[2], state="approved",
                                    note="").order_by("pk").first()
    rows.append({"indicator": kept.indicator.code, "area": kept.area.code,
                 "period": kept.period, "value": repr(kept.value), "note": None})
    random.Random(14).shuffle(rows)
    return rows


def _stored_and_recorded(result, changes_before):
    """Every column of the figures sent and of the changes recorded (but the changes' ids,
    which PostgreSQL's sequence does not give back when a transaction is undone)."""
    figures = list(DataValue.objects.filter(pk__in=result.value_ids).order_by("pk").values())
    changes = [{k: v for k, v in c.items() if k != "id"}
               for c in Change.objects.filter(pk__gt=changes_before).order_by("pk").values()]
    return figures, changes


def _imported(rows, officer, rows_per_part, *, undo: bool):
    """Import the rows; what was stored and recorded, and the result; undone if ``undo``."""
    changes_before = Change.objects.order_by("-pk").values_list("pk", flat=True).first()
    seen = {}
    try:
        with transaction.atomic():
            result = import_table(table(rows), source="many.csv", user=officer,
                                  reason="ONS revision", note="bulk test",
                                  rows_per_part=rows_per_part)
            seen = {"result": result, "saved": _stored_and_recorded(result, changes_before)}
            if undo:
                raise _Undone
    except _Undone:
        pass
    return seen


def test_parts_store_and_record_what_the_whole_table_does(person, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: SENT_AT)
    officer = person("officer")
    rows = _rows(officer)
    counted = []
    split = parts.series_parts
    monkeypatch.setattr(parts, "series_parts", lambda *a: counted.append(split(*a)) or counted[-1])
    whole = _imported(rows, officer, WHOLE, undo=True)
    assert counted == []  # one part: checked in one go
    in_parts = _imported(rows, officer, 7, undo=False)
    assert len(counted[0]) > 5  # many parts
    expected, got = whole["result"], in_parts["result"]
    assert (got.saved, got.problems) == (True, [])
    assert (got.created, got.changed, got.unchanged) == (72, 2, 1)
    assert (got.created, got.changed, got.unchanged, got.value_ids) == (
        expected.created, expected.changed, expected.unchanged, expected.value_ids)
    figures, changes = in_parts["saved"]
    assert (figures, changes) == whole["saved"]
    # The run of created figures is recorded once, then each change on its own.
    assert [c["action"] for c in changes] == ["create", "update", "update"]
    assert changes[0]["after"] == {"figures": 72, "state": "draft", "source": "many.csv",
                                   "upload": None}
    # The figures out of line with their series took the note that confirms them.
    assert {f["note"] for f in figures} == {"", "bulk test", "revised"}


def test_a_bad_row_in_the_last_part_writes_nothing(person, monkeypatch):
    officer = person("officer")
    rows = _rows(officer)
    split = parts.series_parts(table(rows), reference.load(user=officer), 7)
    at = split[-1]["row"][0] - 2
    rows[at] = dict(rows[at], value="12,5")
    sent = []
    add = writing.Writer.add
    monkeypatch.setattr(writing.Writer, "add", lambda self, part: (sent.append(part.rows),
                                                                   add(self, part)))
    before = DataValue.objects.count(), Change.objects.count()
    result = import_table(table(rows), source="many.csv", user=officer, reason="ONS revision",
                          note="bulk test", rows_per_part=7)
    assert not result.saved
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (at + 2, "value", "'12,5' is not a number")]
    # The parts before the last were written, then undone.
    assert sent == [part.height for part in split[:-1]]
    assert (DataValue.objects.count(), Change.objects.count()) == before


def test_problems_found_in_parts_are_those_of_the_whole_table(person):
    officer = person("officer")
    rows = _rows(officer)
    rows[3] = dict(rows[3], value="-")  # not a number
    rows.append(dict(rows[10]))  # a repeated row, at the end
    rows[20] = dict(rows[20], area="E99999999")  # an unknown area
    rows = [dict(r, note=None) for r in rows]  # no row's note confirms an outlier
    results = [import_table(table(rows), source="many.csv", user=officer, rows_per_part=size)
               for size in (WHOLE, 5)]
    assert [str(p) for p in results[1].problems] == [str(p) for p in results[0].problems]
    assert not results[1].saved
    assert {p.column for p in results[1].problems} >= {"value", "area", ""}


def test_judging_parts_finds_what_judging_the_whole_finds(person):
    officer = person("officer")
    rows = [dict(r, note=None) for r in _rows(officer)]  # no note confirms an outlier
    checks = reference.load(user=officer, reason="ONS revision")
    whole = validation.check(table(rows), checks, file="many.csv")
    figures = reference.figures_of(list(checks.indicators["indicator_id"]),
                                   list(checks.areas["area_id"]))
    judged = [parts.check_part(part, checks, figures, file="many.csv")
              for part in parts.series_parts(table(rows), checks, 7)]
    assert sum(p.is_error for p in whole.problems) == 0 and len(whole.warnings) > 0
    assert sorted(str(p) for c in judged for p in c.problems) == sorted(
        str(p) for p in whole.problems)
    in_parts = pl.concat([c.rows for c in judged]).sort("row")
    assert in_parts.equals(whole.rows.sort("row"))


def test_series_stay_whole_and_come_in_index_order(person):
    officer = person("officer")
    rows = _rows(officer) + [{"indicator": "XX 99", "area": "E08000037", "period": "2020",
                              "value": "1"}]
    checks = reference.load(user=officer)
    split = parts.series_parts(table(rows), checks, 10)
    indicators = dict(checks.indicators.select("code", "indicator_id").iter_rows())
    areas = dict(checks.areas.select("code_key", "area_id").iter_rows())
    series = [{(indicators.get(i), areas.get(a)) for i, a in part.select("indicator", "area")
               .iter_rows()} for part in split]
    # The unknown indicator's row comes last, alone.
    assert series[-1] == {(None, areas["E08000037"])}
    # Every series sits in one part, and each part's series follow the part before's.
    known = [sorted(s) for s in series[:-1]]
    assert all(before[-1] < after[0] for before, after in zip(known, known[1:]))
    # Each part keeps its rows in the table's order, and every row is in a part.
    assert all(part["row"].is_sorted() for part in split)
    assert pl.concat(split)["row"].sort().to_list() == list(range(2, len(rows) + 2))
