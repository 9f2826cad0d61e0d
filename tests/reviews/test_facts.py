"""The facts of partnership working, each to its one value on data made in the test for
2015/16 (a year the demo holds nothing in), then the demo's facts as the officer sees
them, and what other personas may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from joinedup.assessment.models import AssessmentRun, Flag
from joinedup.exceptions.models import (
    BoardDecision,
    IndicatorException,
    RemedialAction,
    RemedialPlan,
    TriageDecision,
)
from joinedup.history.models import Change
from joinedup.partnership.meetings import Attendance, ReportingCycle
from joinedup.partnership.models import Body, Meeting, Membership, Organisation, Person
from joinedup.places.models import Area
from joinedup.resources.models import BudgetLine, FundingStream, PooledBudget
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.reviews.facts import partnership_facts
from joinedup.strategy.models import Indicator, Theme

pytestmark = pytest.mark.django_db

SINCE, UNTIL = dt.date(2015, 4, 1), dt.date(2016, 3, 31)


def at(day: str, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def organisation(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


@pytest.fixture
def group():
    """A task-and-finish group meeting at least 4 times a year, with three members."""
    body = Body.objects.create(name="Test group", slug="test-group", kind="task_and_finish",
                               order=99)
    ReportingCycle.objects.create(body=body, fewest_meetings=4, most_meetings=6)
    members = {}
    for username, org in [("a.council", "gateshead-council"), ("b.gvoc", "gvoc"),
                          ("c.police", "northumbria-police")]:
        person = Person.objects.create(username=username, organisation=organisation(org))
        Membership.objects.create(body=body, person=person, organisation=organisation(org))
        members[username] = person
    marks = {"2015-05-01": {"a.council": "attended", "b.gvoc": "apologies",
                            "c.police": "attended"},
             "2015-09-01": {"a.council": "attended", "b.gvoc": "attended",
                            "c.police": "absent"}}
    for day, marked in marks.items():
        meeting = Meeting.objects.create(body=body, starts=at(day, 10))
        for username, status in marked.items():
            person = members[username]
            Attendance.objects.create(meeting=meeting, person=person,
                                      organisation_id=person.organisation_id, status=status)
    Meeting.objects.create(body=body, starts=at("2016-05-01", 10))  # after the period
    return body


def _exception(code: str, layer: str, flags: list[str]) -> IndicatorException:
    indicator = Indicator.objects.get(code=code)
    run = AssessmentRun.objects.create(started_at=at(flags[0]), scope="partnership",
                                       parameters={}, actor="test")
    exception = IndicatorException.objects.create(
        indicator=indicator, layer=Body.objects.get(slug=layer), period="1990",
        raised_at=at(flags[0]))
    gateshead = Area.objects.get(code="E08000037")
    for n, day in enumerate(flags):
        flag = Flag.objects.create(indicator=indicator, area=gateshead, period="1990",
                                   kind=["red", "concern"][n], reason="test", first_run=run,
                                   last_run=run, raised_at=at(day))
        exception.flags.add(flag)
    return exception


def _decide(exception, decision: str, day: str, officer) -> TriageDecision:
    exception.decision = decision
    exception.save()
    return TriageDecision.objects.create(exception=exception, decision=decision, note="test",
                                         decided_by=officer, decided_at=at(day))


def _plan(decision, officer, actions: list[tuple[str, str | None]]) -> None:
    """A remedial plan with actions (due, the day it was marked done or None)."""
    plan = RemedialPlan.objects.create(exception=decision.exception, decision=decision,
                                       owner=officer, summary="test", review_period="1991",
                                       created_at=decision.decided_at)
    for due, done in actions:
        action = RemedialAction.objects.create(plan=plan, action="act",
                                               due=dt.date.fromisoformat(due))
        if done:
            action.status = RemedialAction.Status.DONE
            action.save()
            Change.objects.filter(content_type=ContentType.objects.get_for_model(RemedialAction),
                                  object_id=action.pk, action="update").update(time=at(done))


@pytest.fixture
def decisions(person):
    """Five exceptions decided in 2015/16 and one Board minute (see each line)."""
    officer = person("officer")
    # Safer Gateshead, 10 days; a plan whose two actions were both done on time.
    one = _decide(_exception("CY 01", "safer-gateshead", ["2015-05-01"]), "performance",
                  "2015-05-11", officer)
    _plan(one, officer, [("2015-07-01", "2015-06-20"), ("2015-07-01", "2015-06-25")])
    # Active and Healthy, 20 days; its one action done after it was due.
    two = _decide(_exception("CY 02", "active-healthy-gateshead", ["2015-06-01"]),
                  "performance", "2015-06-21", officer)
    _plan(two, officer, [("2015-08-01", "2015-08-10")])
    # Safer Gateshead, 30 days from the earlier of two flags; escalated, and minuted at
    # the Board's next meeting.
    three = _decide(_exception("CY 04", "safer-gateshead", ["2015-07-01", "2015-07-05"]),
                    "escalate", "2015-07-31", officer)
    board = Meeting.objects.create(body=Body.objects.get(slug="gsp-board"),
                                   starts=at("2015-09-10", 14))
    BoardDecision.objects.create(exception=three.exception, meeting=board, outcome="noted",
                                 minute="Noted.", recorded_by=officer,
                                 recorded_at=at("2015-09-10", 15))
    # Safer Gateshead, 4 days: a data anomaly, never due for follow-up.
    _decide(_exception("CY 05", "safer-gateshead", ["2015-08-01"]), "anomaly", "2015-08-05",
            officer)
    # Safer Gateshead, 10 days; its plan is due after the period.
    five = _decide(_exception("CY 06", "safer-gateshead", ["2015-12-31"]), "performance",
                   "2016-01-10", officer)
    _plan(five, officer, [("2016-06-01", None)])


@pytest.fixture
def returns():
    gateshead = Area.objects.get(code="E08000037")
    due = CollectionRound.objects.create(name="Test 2015", slug="test-2015", period="1990",
                                         opens=dt.date(2015, 6, 1), deadline=dt.date(2015, 6, 30))
    later = CollectionRound.objects.create(name="Test 2016", slug="test-2016", period="1991",
                                           opens=dt.date(2016, 3, 1),
                                           deadline=dt.date(2016, 4, 15))
    sent = {"CY 01": at("2015-06-30", 23), "CY 02": at("2015-07-02"), "CY 04": None}
    owners = {"CY 01": "gateshead-council", "CY 02": "gateshead-council",
              "CY 04": "northumbria-police"}
    for code, when in sent.items():
        indicator = Indicator.objects.get(code=code)
        for collection_round in (due, later):
            ExpectedReturn.objects.create(collection_round=collection_round,
                                          indicator=indicator, area=gateshead,
                                          period=collection_round.period,
                                          owner=organisation(owners[code]))
        if when:
            DataValue.objects.create(indicator=indicator, area=gateshead, period="1990",
                                     value=1.0, state="submitted", submitted_at=when)


@pytest.fixture
def spend():
    theme = Theme.objects.get(slug="safer-gateshead")
    gateshead = Area.objects.get(code="E08000037")
    council, police = organisation("gateshead-council"), organisation("northumbria-police")
    streams = {org: FundingStream.objects.create(name=f"Test {org.slug}", slug=f"t-{org.slug}",
                                                 partner=org, kind="mainstream")
               for org in (council, police)}
    pool = PooledBudget.objects.create(name="Test pool", slug="test-pool", host=council,
                                       legal_basis="test", theme=theme)
    for org, year, arrangement, budget in [
            (council, "2015/16", "single", "600"), (council, "2015/16", "aligned", "300"),
            (police, "2015/16", "single", "1000"), (police, "2015/16", "pooled", "100"),
            (police, "2016/17", "single", "5000")]:
        BudgetLine.objects.create(partner=org, stream=streams[org], theme=theme,
                                  area=gateshead, financial_year=year, arrangement=arrangement,
                                  pool=pool if arrangement == "pooled" else None,
                                  budget=Decimal(budget))


def facts_of(user):
    return partnership_facts(user, today=UNTIL, since=SINCE)


def rows(fact, title: str | None = None) -> list[dict]:
    breakdown = (fact.breakdowns[0] if title is None
                 else next(b for b in fact.breakdowns if b.title == title))
    return breakdown.rows


def test_meetings_held_against_planned(person, group):
    fact = facts_of(person("officer")).get("meetings")
    mine = [r for r in rows(fact) if r["body"] == "Test group"]
    # 366 days from 1 April 2015 to 31 March 2016: 4 × 366 / 365 rounds to 4 planned.
    assert mine == [{"body": "Test group", "kind": "Task-and-finish group", "held": 2,
                     "attendance_recorded": 2, "planned": 4, "held_share": 0.5}]
    assert fact.values["held"] == 2


def test_attendance_by_sector_and_partner(person, group):
    fact = facts_of(person("officer")).get("attendance")
    assert rows(fact, "By sector") == [
        {"sector": "Public sector", "recorded": 4, "attended": 3, "apologies": 0, "absent": 1,
         "rate": 0.75},
        {"sector": "Voluntary and community sector", "recorded": 2, "attended": 1,
         "apologies": 1, "absent": 0, "rate": 0.5},
        {"sector": "All", "recorded": 6, "attended": 4, "apologies": 1, "absent": 1,
         "rate": 4 / 6}]
    assert [(r["partner"], r["recorded"], r["attended"]) for r in rows(fact, "By partner")] == [
        ("GVOC", 2, 1), ("Gateshead Council", 2, 2), ("Northumbria Police", 2, 1), ("All", 6, 4)]
    assert fact.summary == ("Members attended 4 of 6 places recorded (67%); 1 sent apologies "
                            "and 1 was absent.")


def test_decisions_made_and_followed_up(person, decisions):
    fact = facts_of(person("officer")).get("decisions")
    assert fact.values == {"made": 6, "due": 3, "followed_up": 2, "followed_up_share": 2 / 3}
    assert [(r["decision"], r["made"], r["due"], r["followed_up"]) for r in rows(fact)] == [
        ("Management group: data anomaly", 1, None, None),
        ("Management group: performance issue", 3, 2, 1),
        ("Management group: escalated to the Board", 1, 1, 1),
        ("Board: noted", 1, None, None),
        ("Board: action agreed with a partner", 0, None, None),
        ("Board: resources to be moved", 0, None, None),
        ("Board: strategy to change", 0, None, None),
        ("All", 6, 3, 2)]


def test_days_from_flag_to_decision_by_layer(person, decisions):
    fact = facts_of(person("officer")).get("flag_to_decision")
    # Safer Gateshead: 4, 10, 10, 30 days; Active and Healthy: 20.
    assert rows(fact) == [
        {"layer": "Active and Healthy Gateshead Partnership", "decided": 1,
         "median_days": 20.0, "p90_days": 20.0},
        {"layer": "Safer Gateshead Partnership", "decided": 4, "median_days": 10.0,
         "p90_days": pytest.approx(24.0)},
        {"layer": "All", "decided": 5, "median_days": 10.0, "p90_days": pytest.approx(26.0)}]


def test_returns_on_time_by_partner(person, returns):
    fact = facts_of(person("officer")).get("returns")
    assert rows(fact) == [
        {"partner": "Gateshead Council", "due": 2, "on_time": 1, "late": 1,
         "on_time_share": 0.5},
        {"partner": "Northumbria Police", "due": 1, "on_time": 0, "late": 1,
         "on_time_share": 0.0},
        {"partner": "All", "due": 3, "on_time": 1, "late": 2, "on_time_share": 1 / 3}]
    assert fact.values["rounds"] == 1


def test_share_of_spend_aligned_or_pooled(person, spend):
    fact = facts_of(person("officer")).get("spend")
    assert fact.values["financial_year"] == "2015/16"
    assert rows(fact) == [
        {"partner": "Gateshead Council", "budget": 900.0, "aligned": 300.0, "pooled": 0.0,
         "joined": 300.0, "joined_share": 1 / 3},
        {"partner": "Northumbria Police", "budget": 1100.0, "aligned": 0.0, "pooled": 100.0,
         "joined": 100.0, "joined_share": 1 / 11},
        {"partner": "All", "budget": 2000.0, "aligned": 300.0, "pooled": 100.0,
         "joined": 400.0, "joined_share": 0.2}]


def test_a_partner_without_spend_shared_sees_only_its_own_spend(person, spend):
    fact = facts_of(person("police")).get("spend")
    assert [r["partner"] for r in rows(fact)] == ["Northumbria Police", "All"]
    assert fact.values == {"financial_year": "2015/16", "lines": 2, "budget": 1100.0,
                           "aligned": 0.0, "pooled": 100.0, "joined_share": 1 / 11}


def test_anyone_not_signed_in_gets_no_facts(group, spend):
    from django.contrib.auth.models import AnonymousUser

    found = facts_of(AnonymousUser())
    assert (found.since, found.until, list(found)) == (SINCE, UNTIL, [])


def test_the_default_period_is_the_twelve_months_to_today(person):
    found = partnership_facts(person("officer"), today=dt.date(2028, 2, 29))
    assert (found.since, found.until) == (dt.date(2027, 3, 1), dt.date(2028, 2, 29))


def test_the_demos_facts_as_the_officer_sees_them(person):
    found = partnership_facts(person("officer"), today=timezone.localdate())
    summaries = {fact.key: fact.summary for fact in found}
    assert summaries == {
        "meetings": "2 meetings held against 61 planned across 15 bodies; 15 held fewer than "
                    "planned.",
        "attendance": "Members attended 11 of 14 places recorded (79%); 2 sent apologies and "
                      "1 was absent.",
        "decisions": "0 decisions made; none was due for follow-up by the end of the period.",
        "flag_to_decision": "No exception was first decided in the period; 54 awaiting a "
                            "decision.",
        "returns": "0 of 17 returns due came in on time (0%), from 1 collection round.",
        "spend": "In 2023/24, 0.5% of the £408,712,441 budget you may see is aligned or "
                 "pooled (£1,170,000 aligned, £1,000,000 pooled).",
    }
    board = next(r for r in found.get("meetings").breakdowns[0].rows
                 if r["body"] == "Gateshead Strategic Partnership")
    assert (board["planned"], board["held"], board["attendance_recorded"]) == (3, 1, 1)
