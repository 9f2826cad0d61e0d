"""Persona × way of reading spend: who sees which budget lines, and that no other reader
lets a restricted line through.

The rule is written out here from the lines' fields and the people's memberships, not by
asking the queryset, and every reader (the queryset, the API list, the export, the frame
the finance pages use, and the resources-against-performance table) must give exactly
the lines it allows. ``expected_line_ids`` is the rule; a page test can reuse it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from joinedup.constitution.models import CharterEntry
from joinedup.partnership.models import Membership, Organisation
from joinedup.resources import finance, performance, spend_files
from joinedup.resources.models import BudgetLine

pytestmark = pytest.mark.django_db

PERSONAS = [None, "officer", "finance", "board", "pct", "police", "theme_lead", "steering"]
#: Members of these bodies see every partner's spend lines.
SEES_ALL_SPEND = ("finance_group", "board")
VIEW_ALL = "partnership.view_all_data"
YEAR = "2023/24"
EXPORT_FIELDS = ("partner__slug", "stream__slug", "theme__slug", "outcome__title",
                 "area__code", "financial_year", "arrangement", "pool__slug", "budget",
                 *BudgetLine.QUARTERS, "apportioned_by", "description", "illustrative")


def expected_line_ids(user) -> set[int]:
    """The ids of the budget lines ``user`` may see, by the rule, restated.

    Nobody anonymous sees any. The partnership officer (who may view all data), members
    of the finance officers' group and members of the Board see every line. Anyone else
    who works for a partner sees that partner's lines, lines shared with every partner,
    and lines shared with their partner by name; someone who works for no partner, none.
    """
    if not user.is_authenticated:
        return set()
    lines = list(BudgetLine.objects.order_by().values_list("pk", "partner_id",
                                                           "shared_with_partners"))
    sits_on_a_body_seeing_all = Membership.objects.filter(
        person=user, body__kind__in=SEES_ALL_SPEND).exists()
    if user.is_superuser or user.has_perm(VIEW_ALL) or sits_on_a_body_seeing_all:
        return {pk for pk, _, _ in lines}
    organisation = user.organisation_id
    if organisation is None:
        return set()
    today = timezone.localdate()
    providers = {entry.provider_id for entry in CharterEntry.objects.filter(data="spend")
                 if entry.starts <= today and (entry.ends is None or entry.ends > today)
                 and entry.recipient_id in (None, organisation)}
    return {pk for pk, partner, everyone in lines
            if partner == organisation or everyone or partner in providers}


@pytest.fixture
def user_of(person):
    return lambda persona: person(persona) if persona else AnonymousUser()


def every_line(client, **params) -> list[dict]:
    """Every page of ``/api/resources/lines``."""
    items, offset = [], 0
    while True:
        answer = client.get("/api/resources/lines", {"limit": 500, "offset": offset, **params})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        items += body["items"]
        offset += 500
        if offset >= body["count"]:
            assert len(items) == body["count"]
            return items


def _pounds(value) -> str:
    return "" if value is None else f"{value:.2f}"


def export_rows(ids: set[int]) -> list[tuple]:
    """The lines ``ids`` as the spend export writes them, restated: text cells, amounts
    with two decimals, blanks for no outcome, pool or actual, and yes/no."""
    rows = []
    for pk, *cells in BudgetLine.objects.order_by().values_list("pk", *EXPORT_FIELDS):
        if pk not in ids:
            continue
        cells[3] = cells[3] or ""
        cells[7] = cells[7] or ""
        for i in range(8, 13):
            cells[i] = _pounds(cells[i])
        cells[-1] = "yes" if cells[-1] else "no"
        rows.append(tuple(cells))
    return sorted(rows)


def ward_spend(ids: set[int], year: str) -> dict[tuple[str, str], Decimal]:
    """The budgets of the lines ``ids`` in wards in ``year``, added up by ward and theme."""
    spend: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for pk, area, theme, budget in BudgetLine.objects.order_by().filter(
            financial_year=year, area__level="ward").values_list(
            "pk", "area__code", "theme__slug", "budget"):
        if pk in ids:
            spend[area, theme] += budget
    return {key: total for key, total in spend.items() if total}


def table_spend(rows) -> dict[tuple[str, str], Decimal]:
    """The table's spend by ward and theme (pounds and pence), leaving out the empty."""
    spend = {(row["area"], row["theme"]): Decimal(str(row["spend"])).quantize(Decimal("0.01"))
             for row in rows}
    return {key: total for key, total in spend.items() if total}


def assert_lines_seen_everywhere(user, client, expected: set[int], year: str = YEAR) -> None:
    """Every way of reading spend gives ``user`` exactly the lines ``expected``."""
    # (a) the queryset
    assert set(BudgetLine.objects.visible_to(user).values_list("pk", flat=True)) == expected
    # (b) the API list, row for row
    listed = every_line(client)
    assert sorted(item["id"] for item in listed) == sorted(expected)
    stored = {pk: (partner, area, year_, f"{budget:.2f}") for pk, partner, area, year_, budget
              in BudgetLine.objects.order_by().values_list(
                  "pk", "partner__slug", "area__code", "financial_year", "budget")
              if pk in expected}
    assert {item["id"]: (item["partner"], item["area"], item["financial_year"], item["budget"])
            for item in listed} == stored
    # (c) the spend export
    assert sorted(spend_files.export_frame(user).rows()) == export_rows(expected)
    # (d) the frame the finance pages and the table start from
    assert set(finance.lines_frame(user)["line"].to_list()) == expected
    # (e) the table: each ward × theme's spend is that of the lines seen, and no more
    want = ward_spend(expected, year)
    assert table_spend(performance.table(user, year=year, level="ward").to_dicts()) == want
    answer = client.get("/api/resources/table", {"year": year, "limit": 500})
    if not expected:
        assert answer.status_code == 404
        return
    assert answer.status_code == 200, answer.content
    assert table_spend(answer.json()["items"]) == want
    assert sum(Decimal(row["spend"]) for row in answer.json()["items"]) == sum(want.values())


def test_the_personas_are_who_the_rule_needs(person):
    """Each persona stands for a case of the rule; the data is checked, not assumed."""
    def seeing_all(persona):
        return Membership.objects.filter(person=person(persona),
                                         body__kind__in=SEES_ALL_SPEND).exists()

    assert person("officer").has_perm(VIEW_ALL)
    assert seeing_all("finance") and seeing_all("board")
    for persona in ("finance", "board", "pct", "police", "theme_lead", "steering"):
        assert not person(persona).has_perm(VIEW_ALL), persona
    for persona in ("pct", "police", "theme_lead", "steering"):
        assert not seeing_all(persona), persona
    assert {persona: person(persona).organisation.slug for persona in (
        "finance", "board", "pct", "police", "theme_lead", "steering")} == {
        "finance": "gateshead-council", "board": "gvoc", "pct": "nhs-gateshead",
        "police": "northumbria-police", "theme_lead": "gateshead-council",
        "steering": "gateshead-council"}


def test_published_spend_is_shared_with_no_one():
    published = BudgetLine.objects.filter(illustrative=False)
    assert published.count() > 0
    assert not published.filter(shared_with_partners=True).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_the_lines_the_rule_allows(persona, user_of, client_as):
    user = user_of(persona)
    expected = expected_line_ids(user)
    every = set(BudgetLine.objects.values_list("pk", flat=True))
    if persona is None:
        assert expected == set()
    elif persona in ("officer", "finance", "board"):
        assert expected == every
    else:
        # In the demo no line is shared, so a partner's people see its lines only; and
        # other partners' lines in wards that year are there to be kept out of the table.
        own = set(BudgetLine.objects.filter(partner=user.organisation)
                  .values_list("pk", flat=True))
        assert expected == own and own
        assert ward_spend(every - expected, YEAR)
    assert_lines_seen_everywhere(user, client_as(persona), expected)


def test_spend_shared_by_the_charter_with_one_partner_reaches_that_partner_only(
        person, client_as):
    line = (BudgetLine.objects.filter(partner__slug="nhs-gateshead", illustrative=False,
                                      area__level="ward")
            .order_by("financial_year", "pk").first())
    assert not line.shared_with_partners
    police = Organisation.objects.get(slug="northumbria-police")
    assert line.pk not in expected_line_ids(person("police"))
    lead = person("theme_lead")  # a partner's person who sees no other partner's spend
    assert lead.organisation.slug == "gateshead-council" and not lead.has_perm(VIEW_ALL)
    assert not Membership.objects.filter(person=lead, body__kind__in=SEES_ALL_SPEND).exists()

    CharterEntry.objects.create(
        provider=line.partner, recipient=police, data="spend", starts=timezone.localdate(),
        purpose="Joint tasking of neighbourhood health and crime work.",
        agreed_by="Steering Group")

    sees = {"police": True, "pct": True, "theme_lead": False}
    for persona, allowed in sees.items():
        user = person(persona)
        expected = expected_line_ids(user)
        assert (line.pk in expected) is allowed, persona
        assert_lines_seen_everywhere(user, client_as(persona), expected,
                                     year=line.financial_year)
    table = performance.table(person("police"), year=line.financial_year, level="ward",
                              theme=line.theme.slug)
    row = table.filter(area=line.area.code).to_dicts()[0]
    assert "NHS Gateshead: £" in row["by_partner"]
