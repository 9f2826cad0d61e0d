"""Collection rounds: status and lateness of each return, counts by partner, the pages.

Each test builds its own round on top of the demo partnership, for a financial year far
beyond the demo's figures, and judges it on fixed days; the expected answers are worked
out from the scenario table below, not typed in twice.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from joinedup.places.models import Area
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.returns.rounds import (
    STILL_OWED,
    outstanding_by_round,
    progress_total,
    return_lines,
    round_progress,
)
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db

GATESHEAD = "E08000037"
PERIOD = "2031/32"
DEADLINE = dt.date(2031, 10, 31)
BEFORE_DEADLINE = DEADLINE - dt.timedelta(days=5)
AFTER_DEADLINE = DEADLINE + dt.timedelta(days=3)
RESTRICTED = "SC 02"  # police-owned, shared only with the council


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(hour, minute))
    return timezone.make_aware(moment, timezone.get_default_timezone())


# state of the figure (None: nothing sent), when it was submitted, and what the round
# should make of it: (status, late) once the deadline has passed.
NHS_SCENARIOS = [
    ("approved", local(DEADLINE - dt.timedelta(days=10), 9), ("received", False)),
    ("approved", None, ("received", False)),
    ("submitted", local(DEADLINE, 23, 59), ("received", False)),
    ("submitted", local(DEADLINE + dt.timedelta(days=1), 0, 1), ("received", True)),
    ("draft", None, ("draft", True)),
    ("returned", local(DEADLINE - dt.timedelta(days=2), 12), ("returned", True)),
    (None, None, ("outstanding", True)),
]
POLICE_SCENARIOS = {
    "SC 03": ("submitted", local(DEADLINE - dt.timedelta(days=1), 16), ("received", False)),
    RESTRICTED: (None, None, ("outstanding", True)),
}


def make_round(slug="test-round", deadline=DEADLINE, **extra) -> CollectionRound:
    return CollectionRound.objects.create(
        name=f"Test round {slug}", slug=slug, period="2031/32 Q2",
        opens=deadline - dt.timedelta(days=30), deadline=deadline, **extra,
    )


def expect(collection_round, indicator, area, period=PERIOD) -> ExpectedReturn:
    return ExpectedReturn.objects.create(
        collection_round=collection_round, indicator=indicator, area=area,
        owner=indicator.owner, period=period,
    )


def figure(indicator, area, state, submitted_at, period=PERIOD, value=12.5) -> DataValue:
    return DataValue.objects.create(
        indicator=indicator, area=area, period=period, value=value, state=state,
        submitted_at=submitted_at,
    )


@pytest.fixture
def scenario(db):
    """A round owing NHS Gateshead's and Northumbria Police's figures for 2031/32."""
    area = Area.objects.get(code=GATESHEAD)
    collection_round = make_round()
    nhs = list(Indicator.objects.filter(owner__slug="nhs-gateshead", visibility="public")
               .order_by("code")[:len(NHS_SCENARIOS)])
    table = {}
    for indicator, (state, submitted_at, outcome) in zip(nhs, NHS_SCENARIOS, strict=True):
        table[indicator.code] = (indicator, state, submitted_at, outcome)
    for code, (state, submitted_at, outcome) in POLICE_SCENARIOS.items():
        table[code] = (Indicator.objects.get(code=code), state, submitted_at, outcome)
    for indicator, state, submitted_at, _ in table.values():
        expect(collection_round, indicator, area)
        if state:
            figure(indicator, area, state, submitted_at)
    return {"round": collection_round, "table": table, "area": area}


def expected_counts(table, codes, after_deadline: bool) -> dict:
    counts = dict.fromkeys(["expected", "received_on_time", "received_late", "draft",
                            "returned", "outstanding", "overdue"], 0)
    for code in codes:
        status, late = table[code][3]
        late = late and (status == "received" or after_deadline)
        counts["expected"] += 1
        if status == "received":
            counts["received_late" if late else "received_on_time"] += 1
        else:
            counts["outstanding"] += 1
            counts["overdue"] += late
            if status in ("draft", "returned"):
                counts[status] += 1
    return counts


def as_counts(row) -> dict:
    return {name: getattr(row, name) for name in (
        "expected", "received_on_time", "received_late", "draft", "returned", "outstanding",
        "overdue")}


def owned_by(table, slug):
    return [code for code, (indicator, *_) in table.items() if indicator.owner.slug == slug]


# --- the rules ------------------------------------------------------------------------

def test_each_return_has_the_status_and_lateness_the_rules_give(scenario, person):
    lines = return_lines(scenario["round"], person("officer"), AFTER_DEADLINE)
    seen = {line.expected.indicator.code: (line.status, line.late) for line in lines}
    assert seen == {code: row[3] for code, row in scenario["table"].items()}


def test_counts_by_partner_add_up_from_the_returns(scenario, person):
    table = scenario["table"]
    rows = {row.organisation.slug: row
            for row in round_progress(scenario["round"], person("officer"), AFTER_DEADLINE)}
    assert set(rows) == {"nhs-gateshead", "northumbria-police"}
    for slug, row in rows.items():
        assert as_counts(row) == expected_counts(table, owned_by(table, slug), True), slug
    total = progress_total(list(rows.values()))
    assert total.expected == len(table)
    assert total.received_on_time + total.received_late + total.outstanding == total.expected


def test_nothing_is_overdue_until_the_day_after_the_deadline(scenario, person):
    officer = person("officer")
    table = scenario["table"]
    for today, after in ((BEFORE_DEADLINE, False), (DEADLINE, False),
                         (DEADLINE + dt.timedelta(days=1), True)):
        rows = round_progress(scenario["round"], officer, today)
        assert [row.organisation.slug for row in rows] == ["nhs-gateshead", "northumbria-police"]
        for row in rows:
            codes = owned_by(table, row.organisation.slug)
            assert as_counts(row) == expected_counts(table, codes, after), (today, row)
            if not after:
                assert row.overdue == 0


def test_a_figure_sent_late_stays_late_whatever_the_day(scenario, person):
    late = [code for code, row in scenario["table"].items() if row[3] == ("received", True)]
    assert late
    for today in (BEFORE_DEADLINE, AFTER_DEADLINE):
        lines = return_lines(scenario["round"], person("officer"), today)
        assert {line.expected.indicator.code for line in lines if line.sent_late} == set(late)


def test_the_deadline_day_is_the_partnership_s_own_day(scenario, person, settings):
    """In British Summer Time, half past midnight after the deadline is still the deadline
    day in UTC; it is late all the same, and half past eleven that evening is on time."""
    settings.TIME_ZONE = "Europe/London"
    summer = dt.date(2031, 7, 31)
    summer_round = make_round("summer-round", deadline=summer)
    area = scenario["area"]
    late, on_time = [row[0] for row in list(scenario["table"].values())[:2]]
    for indicator, moment in ((late, local(summer + dt.timedelta(days=1), 0, 30)),
                              (on_time, local(summer, 23, 30))):
        expect(summer_round, indicator, area, period="2030/31")
        figure(indicator, area, "submitted", moment, period="2030/31")
    assert local(summer + dt.timedelta(days=1), 0, 30).astimezone(dt.UTC).date() == summer
    lines = {line.expected.indicator: line.late
             for line in return_lines(summer_round, person("officer"), summer)}
    assert lines == {late: True, on_time: False}


# SC 02 is the police's own, shared with the council (the officer and the theme lead)
@pytest.mark.parametrize("persona, may_see", [
    ("officer", True), ("pct", False), ("police", True), ("theme_lead", True), ("board", False),
])
def test_restricted_returns_are_neither_listed_nor_counted_unless_visible(
        scenario, person, persona, may_see):
    user = person(persona)
    assert Indicator.objects.visible_to(user).filter(code=RESTRICTED).exists() == may_see
    lines = return_lines(scenario["round"], user, AFTER_DEADLINE)
    assert (RESTRICTED in {line.expected.indicator.code for line in lines}) == may_see
    police = next(row for row in round_progress(scenario["round"], user, AFTER_DEADLINE)
                  if row.organisation.slug == "northumbria-police")
    visible_codes = [c for c in owned_by(scenario["table"], "northumbria-police")
                     if may_see or c != RESTRICTED]
    assert as_counts(police) == expected_counts(scenario["table"], visible_codes, True)


def test_figures_are_shown_only_to_those_who_may_see_the_value(scenario, person):
    board = return_lines(scenario["round"], person("board"), AFTER_DEADLINE)
    pct = return_lines(scenario["round"], person("pct"), AFTER_DEADLINE,
                       organisation=person("pct").organisation)
    assert {line.expected.indicator.code for line in board} == set(scenario["table"]) - {
        RESTRICTED}
    for line in board:
        state = scenario["table"][line.expected.indicator.code][1]
        assert (line.value is not None) == (state == "approved"), line.expected
    assert {line.expected.owner.slug for line in pct} == {"nhs-gateshead"}
    for line in pct:
        assert (line.value is not None) == (scenario["table"][line.expected.indicator.code][1]
                                            is not None)


def test_progress_takes_the_same_few_queries_however_many_returns(scenario, person):
    board = person("board")
    round_progress(scenario["round"], board, AFTER_DEADLINE)  # warm the permission cache
    with CaptureQueriesContext(connection) as small:
        round_progress(scenario["round"], board, AFTER_DEADLINE)
    area = scenario["area"]
    added = list(Indicator.objects.exclude(code__in=scenario["table"])[:20])
    for indicator in added:
        expect(scenario["round"], indicator, area)
    with CaptureQueriesContext(connection) as large:
        rows = round_progress(scenario["round"], board, AFTER_DEADLINE)
    # the board member sees every return but the restricted ones: SC 02, and any added
    seen = [i for i in added if i.visibility != "restricted"]
    assert progress_total(rows).expected == len(scenario["table"]) - 1 + len(seen)
    # one query counts the returns by partner, one reads the partners
    assert len(large) == len(small) == 2


def test_outstanding_by_round_counts_what_is_still_owed(scenario, person):
    table = scenario["table"]
    pct = person("pct")
    still_owed = [c for c in owned_by(table, "nhs-gateshead") if table[c][3][0] in STILL_OWED]
    other = make_round("other-round")
    counts = outstanding_by_round(pct, [scenario["round"], other], organisation=pct.organisation)
    assert counts == {scenario["round"].pk: len(still_owed)}


# --- the pages ------------------------------------------------------------------------

PERSONAS = ["officer", "pct", "police", "theme_lead", "board"]


def test_anonymous_visitors_are_sent_to_sign_in(scenario, client_as):
    client = client_as(None)
    for url in (reverse("returns:rounds"), scenario["round"].get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:sign-in"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_sees_the_round_pages(scenario, client_as, persona):
    client = client_as(persona)
    assert client.get(reverse("returns:rounds")).status_code == 200
    assert client.get(scenario["round"].get_absolute_url()).status_code == 200
    assert client.get(reverse("returns:round", args=["no-such-round"])).status_code == 404


# Officers see every partner's lines and the police their own; the theme lead may see SC 02
# but is shown only the police's counts; the others may not see it at all.
@pytest.mark.parametrize("persona, shown", [
    ("officer", True), ("pct", False), ("police", True), ("theme_lead", False), ("board", False),
])
def test_the_restricted_return_appears_only_for_those_who_may_see_it(
        scenario, client_as, persona, shown):
    page = client_as(persona).get(scenario["round"].get_absolute_url()).content.decode()
    assert (RESTRICTED in page) == shown


def test_a_data_owner_sees_their_returns_and_how_to_send_them(scenario, client_as, person):
    collection_round = scenario["round"]
    page = client_as("pct").get(collection_round.get_absolute_url()).content.decode()
    for url in (reverse("returns:enter", args=[collection_round.slug]),
                reverse("returns:template", args=[collection_round.slug, "xlsx"]),
                reverse("returns:template", args=[collection_round.slug, "csv"]),
                f"{reverse('returns:upload-new')}?round={collection_round.slug}"):
        assert f'href="{url}"' in page
    for code in owned_by(scenario["table"], "nhs-gateshead"):
        assert code in page
    assert "SC 03" not in page  # the police's own list is theirs; pct sees its count only
    assert 'data-testid="partner-northumbria-police"' in page


def test_a_partner_that_owes_nothing_gets_no_sending_links(scenario, client_as):
    page = client_as("board").get(scenario["round"].get_absolute_url()).content.decode()
    assert reverse("returns:enter", args=[scenario["round"].slug]) not in page
    assert 'data-testid="owes-nothing"' in page


def test_overdue_returns_are_tagged_once_the_deadline_has_passed(scenario, client_as):
    today = timezone.localdate()
    late_round = make_round("late-round", deadline=today - dt.timedelta(days=3))
    indicator, area = scenario["table"]["SC 03"][0], scenario["area"]
    expect(late_round, indicator, area, period="2032/33")
    page = client_as("police").get(late_round.get_absolute_url()).content.decode()
    assert "Deadline passed 3 days ago" in page
    assert 'data-testid="overdue"><strong class="govuk-tag govuk-tag--red">1' in page
    assert "govuk-tag--red\">Overdue" in page


def test_the_rounds_list_shows_timing_and_what_your_partner_owes(scenario, client_as, person):
    pct = person("pct")
    owed = outstanding_by_round(pct, [scenario["round"]], organisation=pct.organisation)
    response = client_as("pct").get(reverse("returns:rounds"))
    page = response.content.decode()
    row = page[page.index(f'data-testid="round-{scenario["round"].slug}"'):]
    row = row[:row.index("</tr>")]
    opens = scenario["round"].opens
    assert f"Opens {opens.day} {opens:%B %Y}" in row
    assert f'data-testid="own-outstanding">{owed[scenario["round"].pk]}<' in row
    assert 'data-testid="all-outstanding"' not in page


def test_the_rounds_list_counts_the_days_left_and_marks_closed_rounds(client_as):
    today = timezone.localdate()
    open_round = make_round("open-round", deadline=today + dt.timedelta(days=10))
    due_today = make_round("due-today", deadline=today)
    closed = make_round("closed-round", deadline=today + dt.timedelta(days=10), closed=True)
    page = client_as("board").get(reverse("returns:rounds")).content.decode()

    def timing(collection_round):
        row = page[page.index(f'data-testid="round-{collection_round.slug}"'):]
        return row[:row.index("</tr>")]

    assert "10 days left" in timing(open_round)
    assert "Deadline today" in timing(due_today)
    assert "Closed" in timing(closed) and "days left" not in timing(closed)


def test_officers_also_see_what_all_partners_owe(scenario, client_as, person):
    officer = person("officer")
    owed = outstanding_by_round(officer, [scenario["round"]])[scenario["round"].pk]
    page = client_as("officer").get(reverse("returns:rounds")).content.decode()
    row = page[page.index(f'data-testid="round-{scenario["round"].slug}"'):]
    assert f'data-testid="all-outstanding">{owed}<' in row[:row.index("</tr>")]
