"""Every change to recorded data keeps who, when, before, after and why."""

from __future__ import annotations

import pytest

from joinedup.history.models import Change
from joinedup.history.recording import record_bulk, recorded_as
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Target

pytestmark = pytest.mark.django_db


def test_an_edit_records_the_person_reason_and_both_versions(person):
    officer = person("officer")
    target = Target.objects.filter(indicator__code="HW 02").first()
    old = target.value
    with recorded_as(officer, reason="Board agreed a stretch target"):
        target.value = old - 1
        target.save()
    change = Change.objects.for_object(target).first()
    assert change.person == officer
    assert change.actor == "officer"
    assert change.action == Change.Action.UPDATE
    assert change.reason == "Board agreed a stretch target"
    assert change.changed_fields() == [("value", old, old - 1)]


def test_saving_without_a_change_records_nothing():
    target = Target.objects.first()
    before = Change.objects.count()
    target.save()
    assert Change.objects.count() == before


def test_create_and_delete_are_recorded(person):
    value = DataValue.objects.filter(area__code="E08000037").first()
    with recorded_as(person("pct"), reason="Withdrawn: duplicate return"):
        pk = value.pk
        value.delete()
    change = Change.objects.filter(object_id=pk, action="delete").get()
    assert change.before["value"] == value.value
    assert change.after is None
    assert change.reason == "Withdrawn: duplicate return"


def test_bulk_changes_are_recorded_in_one_go(person):
    values = list(DataValue.objects.filter(indicator__code="EC 04")[:3])
    updated = []
    for value in values:
        before = value.snapshot()
        value.value += 1
        updated.append((before, value))
    DataValue.objects.bulk_update(values, ["value"])
    with recorded_as(person("officer"), reason="Revised by the publisher"):
        assert record_bulk(updated=updated) == 3
    changes = Change.objects.filter(reason="Revised by the publisher")
    assert changes.count() == 3
    assert all(c.after["value"] == c.before["value"] + 1 for c in changes)


def test_web_requests_are_attributed_to_the_signed_in_person(client_as, person):
    client = client_as("officer")
    target = Target.objects.filter(indicator__code="HW 02").first()
    response = client.post(
        f"/admin/strategy/target/{target.pk}/change/",
        {
            "indicator": target.indicator_id, "area": target.area_id, "period": target.period,
            "value": target.value + 0.5, "kind": target.kind,
            "baseline_period": target.baseline_period, "baseline_value": target.baseline_value,
            "tolerance": "", "reward_grant": target.reward_grant or "",
            "illustrative": "on" if target.illustrative else "",
            "milestones-TOTAL_FORMS": 0, "milestones-INITIAL_FORMS": 0,
            "milestones-MIN_NUM_FORMS": 0, "milestones-MAX_NUM_FORMS": 1000,
            "change_reason": "Agreed at the Steering Group",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = Change.objects.for_object(target).first()
    assert change.person == person("officer")
    assert change.reason == "Agreed at the Steering Group"
    assert change.after["value"] == target.value + 0.5


def test_only_officers_read_the_whole_change_log(person):
    target = Target.objects.filter(indicator__code="HW 02").first()
    with recorded_as(person("officer"), reason="Agreed at the Board"):
        target.value -= 1
        target.save()
    change = Change.objects.get(reason="Agreed at the Board")
    officer = Change.objects.visible_to(person("officer"))
    assert change in officer
    assert list(officer.order_by("pk")) == list(Change.objects.order_by("pk"))
    # others read only the history of figures they may see (``Change.visible_to``)
    board = Change.objects.visible_to(person("board"))
    assert change not in board
    assert set(board.values_list("content_type__model", flat=True).distinct()) == {
        "datavalue", "charterentry", "documentversion"}
