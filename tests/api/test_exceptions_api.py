"""Exceptions, triage, commentary, meetings and the Board's minute through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.exceptions.models import (
    BoardDecision,
    Commentary,
    IndicatorException,
    TriageDecision,
)
from joinedup.partnership.models import Meeting
from joinedup.partnership.roles import MINUTE_REFUSAL, TRIAGE_REFUSAL

pytestmark = pytest.mark.django_db

ESCALATION = {"decision": "escalate", "note": "Worse three years running",
              "recommendation": "Fund a healthy weight service", "board_asked_for": "resources"}


@pytest.fixture
def exception_for():
    def get(code: str, period: str) -> IndicatorException:
        return IndicatorException.objects.get(indicator__code=code, period=period)

    return get


@pytest.fixture
def hw02(exception_for) -> IndicatorException:
    return exception_for("HW 02", "2017/18")


def test_anonymous_callers_see_no_exceptions_and_no_meetings(api, hw02):
    anonymous = api(None)
    assert anonymous.get("/api/exceptions").json() == {"count": 0, "limit": 100, "offset": 0,
                                                       "items": []}
    answer = anonymous.get(f"/api/exceptions/{hw02.pk}")
    assert (answer.status_code, answer.json()) == (
        404, {"detail": f"There is no exception {hw02.pk} that you may see."})
    assert anonymous.get("/api/meetings").json()["count"] == 0
    meeting = Meeting.objects.order_by("pk").first()
    assert anonymous.get(f"/api/meetings/{meeting.pk}").status_code == 404
    assert anonymous.post("/api/exceptions/triage", {"ids": [hw02.pk], **ESCALATION}
                          ).status_code == 401


def test_the_list_is_what_the_caller_may_see_with_the_summary_fields(api, hw02):
    answer = api("steering").get("/api/exceptions", indicator="hw 02")
    assert answer.status_code == 200
    body = answer.json()
    assert [(item["indicator"], item["period"]) for item in body["items"]] == [
        ("HW 02", "2018/19"), ("HW 02", "2017/18")]
    item = body["items"][1]
    assert {name: item[name] for name in ("id", "indicator", "title", "period", "layer",
                                          "flags", "areas", "state", "decision", "previous",
                                          "url")} == {
        "id": hw02.pk, "indicator": "HW 02", "title": "Year 6 children with excess weight",
        "period": "2017/18", "layer": "active-healthy-gateshead",
        "flags": ["red", "likely_to_miss", "consistently_fails"], "areas": ["E08000037"],
        "state": "open", "decision": "", "previous": None, "url": f"/exceptions/{hw02.pk}/"}
    assert api("steering").get("/api/exceptions").json()["count"] == 53
    assert api("board").get("/api/exceptions", limit=1).json()["count"] == 50


def test_the_list_filters_by_layer_and_period(api, exception_for):
    answer = api("steering").get("/api/exceptions", layer="safer-gateshead", period="2017/18")
    assert [item["id"] for item in answer.json()["items"]] == [
        exception_for("SC 01", "2017/18").pk]
    bad = api("steering").get("/api/exceptions", period="2019/20 Q9")
    assert bad.status_code == 422
    assert [(p["column"], p["row"]) for p in bad.json()["problems"]] == [("period", None)]


def test_the_steering_group_triages_and_the_decision_shows(api, hw02, exception_for):
    sc01 = exception_for("SC 01", "2017/18")
    steering = api("steering")
    answer = steering.post("/api/exceptions/triage", {"ids": [sc01.pk, hw02.pk], **ESCALATION})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["detail"], body["count"], body["ids"]) == (
        "2 exceptions decided: escalated to the Board.", 2, sorted([hw02.pk, sc01.pk]))
    assert [(d["exception"], d["decided_by"], d["board_asked_for"], d["replaces"])
            for d in body["decisions"]] == [
        (pk, "steering.member", "resources", None) for pk in sorted([hw02.pk, sc01.pk])]
    escalated = steering.get("/api/exceptions", decision="escalate").json()
    assert [item["id"] for item in escalated["items"]] == [hw02.pk, sc01.pk]
    assert steering.get("/api/exceptions", decision="undecided").json()["count"] == 51
    detail = steering.get(f"/api/exceptions/{hw02.pk}").json()
    assert detail["decision"] == "escalate"
    current = detail["current_decision"]
    assert (current["recommendation"], current["note"]) == (
        "Fund a healthy weight service", "Worse three years running")
    assert detail["decisions"] == [current]
    assert [(f["kind"], f["area"], f["cleared_at"]) for f in detail["flag_details"]] == [
        ("consistently_fails", "E08000037", None), ("likely_to_miss", "E08000037", None),
        ("red", "E08000037", None)]


def test_a_new_decision_replaces_the_one_before(api, hw02, person):
    steering = api("steering")
    first = steering.post("/api/exceptions/triage", {"ids": [hw02.pk], **ESCALATION}).json()
    answer = steering.post("/api/exceptions/triage", {
        "ids": [hw02.pk], "decision": "performance", "note": "The theme can handle it",
        "plan": {"owner": "theme.lead", "due": "2027-03-31",
                 "actions": ["Extend the school food programme"]}})
    assert answer.status_code == 201, answer.content
    detail = steering.get(f"/api/exceptions/{hw02.pk}").json()
    assert [(d["decision"], d["replaces"]) for d in detail["decisions"]] == [
        ("performance", first["decisions"][0]["id"]), ("escalate", None)]
    plan = detail["plan"]
    assert (plan["owner"], plan["review_period"], plan["baseline_period"], plan["actions"]) == (
        "theme.lead", "2018/19", "2017/18",
        [{"action": "Extend the school food programme", "lead": "gateshead-council",
          "due": "2027-03-31", "status": "planned"}])
    assert plan["progress"] == ("No figure since the plan yet; the 2018/19 figure will show "
                                "whether it is working.")


def test_a_board_member_is_refused_with_the_rule(api, hw02):
    answer = api("board").post("/api/exceptions/triage", {"ids": [hw02.pk], **ESCALATION})
    assert (answer.status_code, answer.json()) == (403, {"detail": TRIAGE_REFUSAL})
    hw02.refresh_from_db()
    assert (hw02.decision, TriageDecision.objects.count()) == ("", 0)


def test_a_decision_that_cannot_be_taken_is_a_problem_and_changes_nothing(api, hw02):
    answer = api("steering").post("/api/exceptions/triage", {
        "ids": [hw02.pk], "decision": "escalate", "note": "Strategic"})
    assert answer.status_code == 422
    reason = "An escalation needs a recommendation to the Board."
    assert answer.json() == {"detail": reason, "problems": [
        {"row": None, "column": "", "message": reason, "severity": "error"}]}
    unknown = api("steering").post("/api/exceptions/triage", {
        "ids": [hw02.pk], "decision": "performance", "note": "Rising",
        "plan": {"owner": "nobody", "due": "2027-03-31"}})
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["column"] == "plan.owner"
    hidden = api("steering").post("/api/exceptions/triage", {"ids": [2**40], **ESCALATION})
    assert (hidden.status_code, hidden.json()) == (
        404, {"detail": f"There is no exception {2**40} that you may see; nothing was "
                        "decided."})
    assert TriageDecision.objects.count() == 0


def test_commentary_is_written_by_the_layer_and_refused_to_others(api, exception_for, person):
    ng04 = exception_for("NG 04", "2015-2017")  # the Steering Group's own exception
    story = {"what_happened": "The gap widened", "why": "Deaths from heart disease rose "
             "in the most deprived wards", "what_is_being_done": "Targeted health checks"}
    answer = api("steering").post(f"/api/exceptions/{ng04.pk}/commentary", story)
    assert answer.status_code == 200, answer.content
    assert {k: v for k, v in answer.json().items() if k != "written_at"} == {
        **story, "written_by": "steering.member"}
    assert api("steering").get(f"/api/exceptions/{ng04.pk}").json()["commentary"]["why"] == (
        story["why"])
    refused = api("board").post(f"/api/exceptions/{ng04.pk}/commentary", story)
    assert (refused.status_code, refused.json()) == (403, {"detail": (
        "Only the indicator's owner, the members of Steering Group and the partnership "
        "officer may write this commentary.")})
    empty = api("steering").post(f"/api/exceptions/{ng04.pk}/commentary",
                                 {**story, "why": "  "})
    assert (empty.status_code, empty.json()["detail"]) == (422, "Say why.")
    assert Commentary.objects.get().written_by == person("steering")


def test_meetings_are_listed_with_their_agendas(api):
    steering = api("steering")
    listed = steering.get("/api/meetings").json()["items"]
    # latest first: the Board's next meeting, the Steering Group's, then last quarter's
    assert [m["body"] for m in listed] == [
        "gsp-board", "steering-group", "gsp-board", "steering-group"]
    starts = [dt.datetime.fromisoformat(m["starts"]) for m in listed]
    assert starts == sorted(starts, reverse=True) and len(set(starts)) == 4
    board = steering.get("/api/meetings", body="gsp-board", upcoming="true").json()
    assert board["count"] == 1
    meeting = board["items"][0]
    assert meeting == listed[0]
    assert dt.datetime.fromisoformat(meeting["starts"]) > timezone.now()
    assert [(s["order"], s["kind"]) for s in meeting["slots"]] == [
        (1, "decision"), (2, "exceptions"), (3, "finance"), (4, "risks"), (5, "topic"),
        (6, "partnership")]
    assert meeting["slots"][4]["title"] == (
        "Topic debate: healthy weight across the life course")
    one = steering.get(f"/api/meetings/{meeting['id']}").json()
    assert one == meeting
    assert steering.get("/api/meetings", body="steering-group", upcoming="false"
                        ).json()["count"] == 1


def test_the_officer_minutes_the_boards_decision(api, hw02, exception_for):
    api("steering").post("/api/exceptions/triage", {"ids": [hw02.pk], **ESCALATION})
    meeting = Meeting.objects.filter(body__slug="gsp-board").order_by("starts").first()
    minute = {"outcome": "action_agreed", "minute": "NHS Gateshead to fund the service",
              "meeting": meeting.pk, "partner": "nhs-gateshead", "due": "2027-06-30"}
    refused = api("board").post(f"/api/exceptions/{hw02.pk}/board-decisions", minute)
    assert (refused.status_code, refused.json()) == (403, {"detail": MINUTE_REFUSAL})
    answer = api("officer").post(f"/api/exceptions/{hw02.pk}/board-decisions", minute)
    assert answer.status_code == 201, answer.content
    made = BoardDecision.objects.get()
    assert (made.recorded_by.username, made.meeting, made.partner.slug, made.due) == (
        "officer", meeting, "nhs-gateshead", dt.date(2027, 6, 30))
    shown = api("board").get(f"/api/exceptions/{hw02.pk}").json()["board_decisions"]
    assert [(m["id"], m["outcome"], m["meeting"], m["partner"], m["recorded_by"])
            for m in shown] == [(made.pk, "action_agreed", meeting.pk, "nhs-gateshead",
                                 "officer")]


def test_a_minute_needs_an_escalated_exception_and_a_board_meeting(api, hw02, exception_for):
    sc01 = exception_for("SC 01", "2017/18")
    api("steering").post("/api/exceptions/triage", {"ids": [hw02.pk], **ESCALATION})
    officer = api("officer")
    not_escalated = officer.post(f"/api/exceptions/{sc01.pk}/board-decisions",
                                 {"outcome": "noted", "minute": "Noted"})
    assert (not_escalated.status_code, not_escalated.json()["detail"]) == (
        422, "SC 01 2017/18 (Safer Gateshead Partnership) was not escalated to the Board.")
    steering_meeting = Meeting.objects.filter(body__slug="steering-group").first()
    wrong = officer.post(f"/api/exceptions/{hw02.pk}/board-decisions",
                         {"outcome": "noted", "minute": "Noted",
                          "meeting": steering_meeting.pk})
    assert (wrong.status_code, wrong.json()["detail"]) == (
        422, f"{steering_meeting} is not a meeting of the Board.")
    money = officer.post(f"/api/exceptions/{hw02.pk}/board-decisions",
                         {"outcome": "move_resources", "minute": "Move £250,000",
                          "amount": 250000.004})
    assert money.status_code == 201, money.content
    assert money.json()["amount"] == "250000.00"
    assert BoardDecision.objects.count() == 1
