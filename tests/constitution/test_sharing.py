"""The charter decides who sees a partner's restricted indicators and its spend: a change
to the charter changes what a persona sees, on the pages and in the API, with history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from resources.test_spend_permissions import assert_lines_seen_everywhere

from joinedup.constitution.models import CharterEntry
from joinedup.history.reading import history_of
from joinedup.partnership.models import Organisation
from joinedup.resources.models import BudgetLine
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db

PROVIDER, RECIPIENT = "nhs-gateshead", "northumbria-police"
SHARED_CODE, OTHER_RESTRICTED = "CY 07", "NG 06"


def seen_codes(user) -> set[str]:
    return set(Indicator.objects.visible_to(user).values_list("code", flat=True))


def seen_lines(user) -> set[int]:
    return set(BudgetLine.objects.visible_to(user).values_list("pk", flat=True))


def listed_lines(api_client) -> set[int]:
    ids, offset = set(), 0
    while True:
        body = api_client.get("/api/resources/lines", limit=500, offset=offset).json()
        ids |= {item["id"] for item in body["items"]}
        offset += 500
        if offset >= body["count"]:
            return ids


def entry_form(provider, recipient, data, theme, reason) -> dict:
    today = timezone.localdate()
    return {"provider": provider.pk, "recipient": recipient.pk if recipient else "",
            "data": data, "theme": theme.pk, "purpose": "Joint work on children's safety.",
            "agreed_by": "The Board, at its last meeting", "starts_day": today.day,
            "starts_month": today.month, "starts_year": today.year, "reason": reason}


def test_the_demo_charter_states_the_catalogues_sharing_and_nothing_else():
    """Each restricted indicator the catalogue shares became an entry for its owner's
    theme; the names on the indicators were cleared, so the charter alone decides."""
    current = CharterEntry.objects.in_force().filter(data="indicators")
    assert sorted((e.provider.slug, e.recipient.slug, e.theme.slug) for e in current) == [
        ("nhs-gateshead", "gateshead-council", "children-and-young-people"),
        ("nhs-gateshead", "gateshead-health", Indicator.objects.get(code="NG 06").theme.slug),
        ("northumbria-police", "gateshead-council", "safer-gateshead"),
    ]
    assert not CharterEntry.objects.in_force().filter(data="spend").exists()
    assert CharterEntry.objects.past().filter(data="spend").count() == 1


def test_a_charter_entry_shares_exactly_that_indicator_and_that_spend_and_ending_it_hides_them(
        person, client_as, api):
    police, officer = person("police"), person("officer")
    provider = Organisation.objects.get(slug=PROVIDER)
    recipient = Organisation.objects.get(slug=RECIPIENT)
    indicator = Indicator.objects.get(code=SHARED_CODE)
    theme = indicator.theme
    assert (indicator.owner, indicator.visibility) == (provider, "restricted")
    other = Indicator.objects.get(code=OTHER_RESTRICTED)
    assert (other.owner, other.visibility) == (provider, "restricted")
    assert other.theme != theme  # the theme limit keeps this one hidden

    spend_of_theme = set(BudgetLine.objects.filter(partner=provider, theme=theme)
                         .values_list("pk", flat=True))
    assert spend_of_theme
    # the provider has spend in other themes too, which the theme limit keeps hidden
    assert BudgetLine.objects.filter(partner=provider).exclude(theme=theme).exists()

    codes_before, lines_before = seen_codes(police), seen_lines(police)
    assert SHARED_CODE not in codes_before and OTHER_RESTRICTED not in codes_before
    assert not spend_of_theme & lines_before
    assert client_as("police").get(indicator.get_absolute_url()).status_code == 404
    assert api("police").get("/api/indicators/cy-07").status_code == 404

    # the officer adds two entries on the charter page: indicators, and spend
    officer_page = client_as("officer")
    answer = officer_page.post(reverse("constitution:charter"), entry_form(
        provider, recipient, "indicators", theme, "Police and NHS agreed to share "
                                                  "safeguarding figures."))
    assert answer["Location"] == reverse("constitution:charter")
    answer = officer_page.post(reverse("constitution:charter"), entry_form(
        provider, recipient, "spend", theme, "Joint review of spend."))
    assert answer["Location"] == reverse("constitution:charter")
    shared = CharterEntry.objects.get(provider=provider, recipient=recipient,
                                      data="indicators", ends=None)

    # the police now see exactly that indicator, and exactly those lines
    assert seen_codes(police) - codes_before == {SHARED_CODE}
    assert seen_lines(police) - lines_before == spend_of_theme
    assert lines_before <= seen_lines(police)
    page = client_as("police").get(indicator.get_absolute_url())
    assert page.status_code == 200 and indicator.title in page.content.decode()
    assert client_as("police").get(other.get_absolute_url()).status_code == 404
    caller = api("police")
    assert caller.get("/api/indicators/cy-07").json()["code"] == SHARED_CODE
    assert listed_lines(caller) == lines_before | spend_of_theme
    # and every other reader of spend (export, finance frame, the table) agrees
    assert_lines_seen_everywhere(police, client_as("police"), lines_before | spend_of_theme)

    # the change is in the history, with who and why
    created = history_of(shared, officer)
    assert [(c.action, c.person, c.reason) for c in created] == [
        ("create", officer, "Police and NHS agreed to share safeguarding figures.")]

    # ending the entry hides the indicator again
    answer = client_as("officer").post(reverse("constitution:entry", args=[shared.pk]),
                               {"reason": "The joint work has finished."})
    assert answer["Location"] == shared.get_absolute_url()
    assert seen_codes(police) == codes_before
    assert client_as("police").get(indicator.get_absolute_url()).status_code == 404
    assert api("police").get("/api/indicators/cy-07").status_code == 404
    changes = history_of(shared, officer)
    assert [(c.action, c.person, c.reason) for c in changes] == [
        ("update", officer, "The joint work has finished."),
        ("create", officer, "Police and NHS agreed to share safeguarding figures.")]
    assert changes[0].before["ends"] is None
    assert changes[0].after["ends"] == timezone.localdate().isoformat()


def test_an_entry_for_every_partner_reaches_every_partners_people(person):
    board = person("board")  # GVOC, a voluntary sector partner
    provider = Organisation.objects.get(slug="northumbria-police")
    before = seen_codes(board)
    assert "SC 02" not in before
    CharterEntry.objects.create(provider=provider, recipient=None, data="indicators",
                                theme=None, purpose="Open to all partners.",
                                agreed_by="The Board", starts=timezone.localdate())
    assert seen_codes(board) - before == {"SC 02"}


def test_an_entry_that_starts_tomorrow_shares_nothing_today(person):
    police = person("police")
    before = seen_codes(police)
    CharterEntry.objects.create(
        provider=Organisation.objects.get(slug=PROVIDER), recipient=police.organisation,
        data="indicators", theme=None, purpose="Later.", agreed_by="The Board",
        starts=timezone.localdate() + timezone.timedelta(days=1))
    assert seen_codes(police) == before


def test_the_rule_is_one_query_with_one_subquery(person):
    """However many entries the charter has, the rows are chosen in the database: one
    query on the table, with the charter as one correlated subquery."""
    police = person("police")
    for model, rows in ((Indicator, seen_codes), (BudgetLine, seen_lines)):
        rows(police)  # the person's permissions and bodies are read once, and kept
        with CaptureQueriesContext(connection) as queries:
            rows(police)
        table = model._meta.db_table
        on_table = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
        assert len(on_table) == 1, on_table
        assert on_table[0].count("EXISTS") == 1
        assert f'"{CharterEntry._meta.db_table}"' in on_table[0]


def test_charter_changes_are_recorded_in_the_history(person):
    """The demo's entries were recorded as the officer wrote them, with the reason."""
    entry = CharterEntry.objects.past().get(data="spend")
    actions = [(c.action, c.reason) for c in history_of(entry, person("officer"))]
    assert actions == [
        ("update", "The joint commissioning review reported to the Board; the pooled budget "
                   "now holds the money it looked at."),
        ("create", "The information-sharing charter first agreed.")]



def test_what_an_indicator_is_shared_with_is_read_from_the_charter():
    indicator = Indicator.objects.get(code=SHARED_CODE)
    entries = CharterEntry.objects.in_force().covering(
        "indicators", indicator.owner_id, indicator.outcome.theme_id)
    assert [e.recipient.slug for e in entries] == ["gateshead-council"]
