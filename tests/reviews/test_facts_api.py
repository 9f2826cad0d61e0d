"""The facts and meeting attendance through the API."""

from __future__ import annotations

import pytest
from django.utils import timezone

from joinedup.history.models import Change
from joinedup.partnership.meetings import Attendance
from joinedup.partnership.models import Meeting, Person

pytestmark = pytest.mark.django_db


def past_board_meeting() -> Meeting:
    return Meeting.objects.get(body__slug="gsp-board", starts__lt=timezone.now())


def test_the_officer_reads_the_facts_with_their_definitions(api):
    today = timezone.localdate()
    answer = api("officer").get("/api/facts", until=today.isoformat())
    assert answer.status_code == 200
    body = answer.json()
    assert body["until"] == today.isoformat()
    assert [f["key"] for f in body["facts"]] == [
        "meetings", "attendance", "decisions", "flag_to_decision", "returns", "spend"]
    attendance = body["facts"][1]
    assert attendance["values"] == {"recorded": 14, "attended": 11, "apologies": 2,
                                    "absent": 1, "rate": 11 / 14}
    assert attendance["definition"].startswith("Of the places recorded at the meetings held")
    sectors = attendance["breakdowns"][0]
    assert [c["key"] for c in sectors["columns"]] == [
        "sector", "recorded", "attended", "apologies", "absent", "rate"]
    assert sectors["rows"][-1] == {"sector": "All", "recorded": 14, "attended": 11,
                                   "apologies": 2, "absent": 1, "rate": 11 / 14}


def test_an_anonymous_caller_gets_no_facts(api):
    body = api(None).get("/api/facts").json()
    assert body["facts"] == []


@pytest.mark.parametrize("params, column, detail", [
    ({"since": "1 April 2026"}, "since",
     "since must be a date written as 2026-04-01, not '1 April 2026'."),
    ({"until": "2026-02-30"}, "until",
     "until must be a date written as 2026-04-01, not '2026-02-30'."),
    ({"since": "2015-05-01", "until": "2015-04-01"}, "since",
     "since (2015-05-01) must not be after until (2015-04-01)."),
])
def test_bad_dates_are_refused_with_a_sentence(api, params, column, detail):
    answer = api("officer").get("/api/facts", **params)
    assert answer.status_code == 422
    assert answer.json() == {"detail": detail, "problems": [
        {"row": None, "column": column, "message": detail, "severity": "error"}]}


def test_a_period_ending_after_today_is_refused(api):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    answer = api("officer").get("/api/facts", until=tomorrow.isoformat())
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        f"until cannot be after today ({timezone.localdate().isoformat()}): the facts are "
        "about what has happened.")


def test_partners_read_who_came_and_only_keepers_may_say(api):
    meeting = past_board_meeting()
    read = api("pct").get(f"/api/facts/meetings/{meeting.pk}/attendance").json()
    assert read["may_record"] is False
    assert sorted((a["organisation"], a["status"]) for a in read["attendance"]) == [
        ("GVOC", "attended"), ("Gateshead College", "apologies"),
        ("Gateshead Council", "attended"), ("Gateshead Council", "attended"),
        ("Gateshead Housing Company", "attended"), ("NE Chamber", "absent"),
        ("NHS Gateshead", "attended"), ("Northumbria Police", "attended")]
    assert api(None).get(f"/api/facts/meetings/{meeting.pk}/attendance").status_code == 404
    chamber = Person.objects.get(username="chamber.rep")
    refused = api("board").put(f"/api/facts/meetings/{meeting.pk}/attendance",
                               {"marks": [{"person": chamber.pk, "status": "attended"}]})
    assert refused.status_code == 403
    assert Attendance.objects.get(meeting=meeting, person=chamber).status == "absent"


def test_the_officer_corrects_an_absence_with_history(api):
    meeting = past_board_meeting()
    chamber = Person.objects.get(username="chamber.rep")
    answer = api("officer").put(f"/api/facts/meetings/{meeting.pk}/attendance",
                                {"marks": [{"person": chamber.pk, "status": "apologies"}]})
    assert answer.status_code == 200
    assert Attendance.objects.get(meeting=meeting, person=chamber).status == "apologies"
    change = Change.objects.filter(action="update", object_repr__startswith=str(chamber)).first()
    assert (change.actor, change.before["status"], change.after["status"]) == (
        "officer", "absent", "apologies")


def test_attendance_for_a_non_member_or_a_future_meeting_is_refused(api):
    meeting = past_board_meeting()
    outsider = Person.objects.get(username="police.analyst")
    answer = api("officer").put(f"/api/facts/meetings/{meeting.pk}/attendance",
                                {"marks": [{"person": outsider.pk, "status": "attended"}]})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        f"Person {outsider.pk} is not a member of Gateshead Strategic Partnership.")
    upcoming = Meeting.objects.get(body__slug="gsp-board", starts__gte=timezone.now())
    chair = Person.objects.get(username="council.leader")
    answer = api("officer").put(f"/api/facts/meetings/{upcoming.pk}/attendance",
                                {"marks": [{"person": chair.pk, "status": "attended"}]})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        f"{upcoming} has not happened yet: record who came after it starts.")
    assert not Attendance.objects.filter(meeting=upcoming).exists()
