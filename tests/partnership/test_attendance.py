"""Recording who came to a meeting: the body's keepers, after it starts, for its members,
each for the organisation they sat for at the time."""

from __future__ import annotations

import pytest
from django.utils import timezone

from joinedup.partnership.meetings import (
    Attendance,
    AttendanceRefused,
    record_attendance,
)
from joinedup.partnership.models import Meeting, Membership, Organisation, Person

pytestmark = pytest.mark.django_db


def past_steering_meeting() -> Meeting:
    return Meeting.objects.get(body__slug="steering-group", starts__lt=timezone.now())


def test_the_demo_records_its_held_meetings_attendance():
    meeting = past_steering_meeting()
    assert sorted(Attendance.objects.filter(meeting=meeting)
                  .values_list("person__username", "status")) == [
        ("adults.director", "apologies"), ("childrens.director", "attended"),
        ("officer", "attended"), ("pct.chief", "attended"), ("steering.member", "attended"),
        ("theme.lead", "attended")]
    upcoming = Meeting.objects.get(body__slug="steering-group", starts__gte=timezone.now())
    assert not Attendance.objects.filter(meeting=upcoming).exists()


def test_attendance_keeps_the_organisation_sat_for_at_the_time(person):
    meeting = past_steering_meeting()
    member = Person.objects.get(username="pct.chief")
    record_attendance(meeting, person("officer"), {member.pk: "absent"}, now=timezone.now())
    membership = Membership.objects.get(body=meeting.body, person=member)
    membership.organisation = Organisation.objects.get(slug="gateshead-health")
    membership.save()
    record_attendance(meeting, person("officer"), {member.pk: "attended"}, now=timezone.now())
    kept = Attendance.objects.get(meeting=meeting, person=member)
    assert (kept.status, kept.organisation.slug) == ("attended", "nhs-gateshead")


def test_only_the_bodys_keepers_record_and_all_or_nothing(person):
    meeting = past_steering_meeting()
    with pytest.raises(AttendanceRefused, match="Only the partnership officer and the "
                                                 "body's chair, vice-chair and officer"):
        record_attendance(meeting, person("steering"), {person("steering").pk: "absent"},
                          now=timezone.now())
    theme_lead = person("theme_lead")
    with pytest.raises(AttendanceRefused, match="Each mark must be one of attended, "
                                                 "apologies, absent, not 'late'"):
        record_attendance(meeting, person("officer"),
                          {theme_lead.pk: "absent", person("steering").pk: "late"},
                          now=timezone.now())
    assert Attendance.objects.get(meeting=meeting, person=theme_lead).status == "attended"
