"""Meetings: the agenda in slot order, the Board's minutes on escalated exceptions through
the meeting's page, and the partnership officer adding meetings and writing agenda notes."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from joinedup.exceptions.decisions import triage
from joinedup.exceptions.models import BoardDecision, IndicatorException
from joinedup.history.models import Change
from joinedup.partnership.models import AgendaSlot, Meeting, Organisation
from joinedup.partnership.roles import MINUTE_REFUSAL

pytestmark = pytest.mark.django_db

BOARD_AGENDA = [
    "Items for decision",
    "Performance exceptions escalated by the Steering Group",
    "Finance: partners' resources against the priorities",
    "Risks to the partnership's outcomes",
    "Topic debate: healthy weight across the life course",
    "Partnership matters",
]


def words(response) -> str:
    """What a reader hears of a page: its text without tags or charts, spaces collapsed."""
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def next_meeting(slug: str) -> Meeting:
    return Meeting.objects.get(body__slug=slug, starts__gte=timezone.now())


@pytest.fixture
def escalated(person) -> IndicatorException:
    found = IndicatorException.objects.get(indicator__code="HW 02", period="2017/18")
    triage([found.pk], person("steering"), "escalate", "Rising for three years.",
           recommendation="Pool the partners' healthy weight budgets under one plan.",
           board_asked_for="resources")
    found.refresh_from_db()
    return found


def minute_post(exception, **fields) -> dict:
    prefix = f"minute-{exception.pk}-"
    return {"exception": str(exception.pk), **{prefix + k: v for k, v in fields.items()}}


def test_a_board_member_reads_the_next_meeting_and_its_escalated_exception(client_as,
                                                                           escalated):
    meeting = next_meeting("gsp-board")
    response = client_as("board").get(meeting.get_absolute_url())
    assert response.status_code == 200
    page = words(response)
    local = timezone.localtime(meeting.starts)
    assert f"Date and time {local:%A} {local.day} {local:%B %Y} at 14:00" in page
    assert "Place Civic Centre, Gateshead" in page
    assert f"Period it looks at {meeting.period}" in page
    titles = re.findall(r'id="item-\d+-title">(.*?)</h3>', response.content.decode())
    assert [html.unescape(t) for t in titles] == [f"{n}. {title}" for n, title in
                                                  enumerate(BOARD_AGENDA, start=1)]
    assert re.findall(r'data-exception="(\d+)"', response.content.decode()) == [
        str(escalated.pk)]
    assert ("Recommendation to the Board Pool the partners' healthy weight budgets under one "
            "plan. The Board is asked for a move of resources.") in page
    assert ("Reward target HW 02 33 by 2019/20: £500,000 at stake; a 12% chance of meeting "
            "it, so £58,200 expected and £441,800 at risk.") in page
    # A Board member sees the unrestricted register: 10 of the demo's 13 risks.
    assert ("10 risks in the partnership's register; 3 above the appetite for its "
            "category.") in page
    assert ("Awaiting Helen Okafor: the forecast proposes likelihood 5 for “Healthy weight "
            "reward grant lost” (likelihood 4 on record; P(miss) 0.88 for HW 02 target "
            "2019/20).") in page
    assert page.count("Nothing is behind this item yet: no notes or papers have been added.") \
        == 3
    assert "Record the Board's decision" not in page
    assert "Add notes" not in page


def test_the_officer_minutes_a_board_decision_through_the_meeting(client_as, person,
                                                                  escalated):
    meeting = next_meeting("gsp-board")
    council = Organisation.objects.get(slug="gateshead-council")
    client = client_as("officer")
    minute = "The council will lead a joint healthy weight plan, reporting in six months."
    response = client.post(meeting.get_absolute_url(), minute_post(
        escalated, outcome="action_agreed", minute=minute, partner=str(council.pk),
        due_day="30", due_month="6", due_year="2027"))
    assert response.status_code == 302
    assert response["Location"] == f"{meeting.get_absolute_url()}#exception-{escalated.pk}"
    decision = BoardDecision.objects.get(exception=escalated)
    assert (decision.outcome, decision.partner, decision.due, decision.minute,
            decision.meeting, decision.recorded_by, decision.amount) == (
        "action_agreed", council, dt.date(2027, 6, 30), minute, meeting, person("officer"),
        None)
    change = Change.objects.for_object(decision).get()
    assert (change.action, change.actor, change.reason) == ("create", "officer", minute)
    assert minute in words(client.get(escalated.get_absolute_url()))
    shown = words(client.get(meeting.get_absolute_url()))
    assert (f"Action agreed with a partner : Gateshead Council, by 30 June 2027. {minute} "
            "Minuted at the meeting of") in shown


def test_resources_to_move_keep_their_amount(client_as, escalated):
    meeting = next_meeting("gsp-board")
    client_as("officer").post(meeting.get_absolute_url(), minute_post(
        escalated, outcome="move_resources", minute="Move £250,000 from the NHS to schools.",
        amount="£250,000"))
    decision = BoardDecision.objects.get(exception=escalated)
    assert (decision.outcome, str(decision.amount), decision.partner) == (
        "move_resources", "250000.00", None)
    report = words(client_as("board").get("/bodies/gsp-board/report/"))
    assert "Resources to be moved : £250,000. Move £250,000 from the NHS to schools." in report


def test_an_agreed_action_without_a_partner_is_refused_and_nothing_is_lost(client_as,
                                                                          escalated):
    meeting = next_meeting("gsp-board")
    response = client_as("officer").post(meeting.get_absolute_url(), minute_post(
        escalated, outcome="action_agreed", minute="The council will act."))
    assert response.status_code == 200
    page = words(response)
    assert ("There is a problem An agreed action needs the partner who will act and a due "
            "date.") in page
    assert '<details class="govuk-details" open>' in response.content.decode()
    assert ">The council will act.</textarea>" in response.content.decode()
    assert BoardDecision.objects.count() == 0


def test_a_board_member_may_not_minute(client_as, escalated):
    meeting = next_meeting("gsp-board")
    response = client_as("board").post(meeting.get_absolute_url(), minute_post(
        escalated, outcome="noted", minute="Noted."))
    assert response.status_code == 403
    assert f"The decision was not recorded {MINUTE_REFUSAL}" in words(response)
    assert BoardDecision.objects.count() == 0


def test_the_steering_groups_meeting_lists_every_open_exception_without_minutes(client_as,
                                                                                person):
    meeting = next_meeting("steering-group")
    response = client_as("officer").get(meeting.get_absolute_url())
    listed = {int(pk) for pk in re.findall(r'data-exception="(\d+)"',
                                           response.content.decode())}
    assert listed == set(IndicatorException.objects.values_list("pk", flat=True))
    assert len(listed) == 54
    page = words(response)
    assert "Record the Board's decision" not in page
    assert "1. Performance exceptions to triage" in page
    posted = client_as("officer").post(meeting.get_absolute_url(), {"exception": "1"})
    assert posted.status_code == 403
    assert "Decisions are not minuted at meetings of Steering Group." in words(posted)


def test_the_officer_adds_a_meeting_with_the_usual_agenda(client_as):
    client = client_as("officer")
    form = words(client.get("/bodies/gsp-board/meetings/new/"))
    assert "Add a meeting" in form
    response = client.post("/bodies/gsp-board/meetings/new/", {
        "date_day": "17", "date_month": "3", "date_year": "2027", "time": "10:30",
        "place": "Gateshead Civic Centre", "period": "2026/27 q3"})
    made = Meeting.objects.get(body__slug="gsp-board", place="Gateshead Civic Centre")
    assert response.status_code == 302
    assert response["Location"] == made.get_absolute_url()
    assert (timezone.localtime(made.starts).replace(tzinfo=None), made.period) == (
        dt.datetime(2027, 3, 17, 10, 30), "2026/27 Q3")
    assert list(made.slots.values_list("order", "kind")) == [
        (1, "decision"), (2, "exceptions"), (3, "finance"), (4, "risks"), (5, "topic"),
        (6, "partnership")]
    change = Change.objects.for_object(made).get()
    assert (change.actor, change.reason) == (
        "officer", "Meeting of Gateshead Strategic Partnership added with its default agenda")
    again = client.post("/bodies/gsp-board/meetings/new/", {
        "date_day": "17", "date_month": "3", "date_year": "2027", "time": "10:30"})
    assert again.status_code == 200
    assert ("Gateshead Strategic Partnership already has a meeting at that date and time"
            in words(again))
    assert Meeting.objects.filter(body__slug="gsp-board").count() == 3


def test_a_meeting_needs_a_real_date_and_a_period(client_as):
    response = client_as("officer").post("/bodies/gsp-board/meetings/new/", {
        "date_day": "30", "date_month": "2", "date_year": "2027", "time": "25:00",
        "place": "Civic Centre", "period": "soon"})
    assert response.status_code == 200
    page = words(response)
    assert "Date of the meeting must be a real date, such as 27 3 2027" in page
    assert "Enter the start time as hours and minutes on the 24-hour clock" in page
    assert "'soon' is not a period" in page
    assert 'value="Civic Centre"' in response.content.decode()
    assert Meeting.objects.filter(body__slug="gsp-board").count() == 2


def test_the_officer_writes_an_agenda_items_notes(client_as):
    meeting = next_meeting("gsp-board")
    client = client_as("officer")
    address = f"/bodies/gsp-board/meetings/{meeting.pk}/items/5/"
    assert "5. Topic debate: healthy weight across the life course" in words(client.get(address))
    response = client.post(address, {"notes": "Paper from the Director of Public Health."})
    assert response["Location"] == f"{meeting.get_absolute_url()}#item-5"
    slot = AgendaSlot.objects.get(meeting=meeting, order=5)
    assert slot.notes == "Paper from the Director of Public Health."
    change = Change.objects.for_object(slot).get(actor="officer")
    assert (change.action, change.reason, change.after["notes"]) == (
        "update", f"Notes for item 5 of {meeting} changed",
        "Paper from the Director of Public Health.")
    assert "Paper from the Director of Public Health." in words(
        client.get(meeting.get_absolute_url()))


def test_only_the_officer_manages_meetings(client_as):
    meeting = next_meeting("gsp-board")
    client = client_as("board")
    assert client.get("/bodies/gsp-board/meetings/new/").status_code == 403
    assert client.post(f"/bodies/gsp-board/meetings/{meeting.pk}/items/1/",
                       {"notes": "Changed"}).status_code == 403
    assert AgendaSlot.objects.get(meeting=meeting, order=1).notes == ""


def test_meetings_are_for_partners_only(client_as):
    meeting = next_meeting("gsp-board")
    response = client_as(None).get(meeting.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"/account/sign-in/?next={meeting.get_absolute_url()}"
    page = words(client_as(None).get("/bodies/gsp-board/"))
    assert "Exception reports and meetings are shared with partners." in page


def test_the_body_page_shows_its_cycle_meetings_and_reports(client_as):
    upcoming, past = next_meeting("gsp-board"), Meeting.objects.get(
        body__slug="gsp-board", starts__lt=timezone.now())
    response = client_as("board").get("/bodies/gsp-board/")
    page = words(response)
    assert "Reporting cycle Meets 3 to 4 times a year" in page
    content = response.content.decode()
    assert content.index(upcoming.get_absolute_url()) < content.index(past.get_absolute_url())
    assert 'href="/bodies/gsp-board/report/">Exception report</a>' in content
    assert 'href="/bodies/gsp-board/packs/">Packs</a>' in content
    assert "Add a meeting" not in page
    assert "Add a meeting" in words(client_as("officer").get("/bodies/gsp-board/"))
