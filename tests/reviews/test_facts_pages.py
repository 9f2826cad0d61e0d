"""The facts page and the page on which a body's secretary records who came."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from joinedup.partnership.meetings import Attendance
from joinedup.partnership.models import Meeting, Person

pytestmark = pytest.mark.django_db

def words(response) -> str:
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def past_board_meeting() -> Meeting:
    return Meeting.objects.get(body__slug="gsp-board", starts__lt=timezone.now())


def test_the_officer_reads_the_facts_and_how_each_is_counted(client_as):
    response = client_as("officer").get(reverse("reviews:facts"))
    assert response.status_code == 200
    page = words(response)
    assert ("Attendance by sector and partner Members attended 11 of 14 places recorded "
            "(79%); 2 sent apologies and 1 was absent. How this is counted Of the places "
            "recorded") in page
    assert re.findall(r'data-fact="(\w+)"', response.content.decode()) == [
        "meetings", "attendance", "decisions", "flag_to_decision", "returns", "spend"]
    meeting = past_board_meeting()
    assert reverse("reviews:attendance", args=[meeting.pk]) in response.content.decode()


def test_a_bad_date_is_explained(client_as):
    response = client_as("officer").get(reverse("reviews:facts"), {"since": "last year"})
    assert response.status_code == 400
    assert "There is a problem Write the date as 2026-04-01, not “last year”." in words(response)


def test_the_facts_need_a_sign_in(client_as):
    response = client_as(None).get(reverse("reviews:facts"))
    assert response.status_code == 302


def test_the_secretary_records_who_came(client_as):
    meeting = past_board_meeting()
    chamber = Person.objects.get(username="chamber.rep")
    address = reverse("reviews:attendance", args=[meeting.pk])
    response = client_as("officer").post(address, {f"person-{chamber.pk}": "apologies"})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting, person=chamber).status == "apologies"
    page = client_as("officer").get(response["Location"])
    assert "The attendance is recorded." in words(page)


def test_a_member_who_does_not_keep_the_attendance_only_reads_it(client_as):
    meeting = past_board_meeting()
    address = reverse("reviews:attendance", args=[meeting.pk])
    page = client_as("board").get(address)
    assert 'data-testid="attendance-form"' not in page.content.decode()
    assert "Not recorded" not in words(page)
    chamber = Person.objects.get(username="chamber.rep")
    refused = client_as("board").post(address, {f"person-{chamber.pk}": "attended"})
    assert refused.status_code == 403
    assert Attendance.objects.get(meeting=meeting, person=chamber).status == "absent"
