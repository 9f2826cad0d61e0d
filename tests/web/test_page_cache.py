"""Kept pages (``joinedup.web.page_cache``): made once, shown again until what they show
changes, and only ever to the person they were made for.

Pages are not kept inside a transaction, so each test here lets them be kept (as they
are on the site, where a request runs outside one) and starts from an empty cache.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.partnership.models import Person
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator
from joinedup.web import page_cache

pytestmark = pytest.mark.django_db

SAFER = "/themes/safer-gateshead/"
#: Northumbria Police's restricted indicator, shared with Gateshead Council only.
RESTRICTED = "SC 02"


@pytest.fixture(autouse=True)
def kept(monkeypatch):
    monkeypatch.setattr(page_cache, "keepable", lambda: True)
    cache.clear()
    yield
    cache.clear()


def visit(client, path: str) -> tuple[str, list[str]]:
    """The page at ``path`` and the queries made for it."""
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    assert answer.status_code == 200, path
    return answer.content.decode(), [q["sql"] for q in captured.captured_queries]


def main(page: str) -> str:
    """The page's own part, without the frame (whose sign-out form differs each time)."""
    return page[page.index("<main"):page.index("</main>")]


def made_again(queries: list[str]) -> bool:
    """Whether the theme page was made rather than shown as kept: only making it reads
    the themes (the frame and the stamp never do)."""
    return any('"strategy_theme"' in sql for sql in queries)


def figure(indicator: Indicator, year: int, value: float, state: str) -> DataValue:
    return DataValue.objects.create(
        indicator=indicator, area=indicator.outcome.theme.strategy.area, period=str(year),
        period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31), value=value,
        state=state)


def test_a_kept_page_is_shown_again_without_being_made(client_as):
    police = client_as("police")
    first, made = visit(police, SAFER)
    again, kept_queries = visit(police, SAFER)
    assert (made_again(made), made_again(kept_queries)) == (True, False)
    assert RESTRICTED in main(first)
    assert main(again) == main(first)


def test_a_restricted_figure_kept_for_one_person_is_not_shown_to_another(client_as):
    police = client_as("police")
    assert RESTRICTED in visit(police, SAFER)[0]
    assert not made_again(visit(police, SAFER)[1])  # kept for the police analyst

    board = client_as("board")  # Gateshead Voluntary Organisations Council: not shared
    page, queries = visit(board, SAFER)
    assert made_again(queries)
    assert RESTRICTED not in page
    assert board.get("/indicators/sc-02/").status_code == 404

    anonymous = client_as(None)
    page, queries = visit(anonymous, SAFER)
    assert made_again(queries)
    assert RESTRICTED not in page


def test_the_frame_is_the_persons_own(client_as, person):
    """The name and the sign-out form around a kept page are made for each request."""
    visit(client_as("police"), SAFER)
    page, _ = visit(client_as("steering"), SAFER)
    steering = person("steering")
    assert f"Signed in as {steering.get_full_name()}" in page
    assert f"Signed in as {person('police').get_full_name()}" not in page


def test_a_figure_approved_after_the_page_was_kept_shows_at_once(client_as):
    indicator = Indicator.objects.get(code=RESTRICTED)
    path = f"/indicators/{indicator.slug}/"
    police = client_as("police")
    before, _ = visit(police, path)
    assert "2031" not in before
    figure(indicator, 2031, 987, DataValue.State.APPROVED)
    after, _ = visit(police, path)
    assert "2031" in after


def test_another_partners_drafts_leave_the_page_kept(client_as):
    police = client_as("police")
    visit(police, SAFER)
    nhs_owned = Indicator.objects.filter(
        owner=Person.objects.get(username="pct.analyst").organisation).order_by("code").first()
    figure(nhs_owned, 2031, 50, DataValue.State.DRAFT)
    assert not made_again(visit(police, SAFER)[1])
    figure(Indicator.objects.get(code=RESTRICTED), 2031, 50, DataValue.State.DRAFT)
    assert made_again(visit(police, SAFER)[1])


@pytest.mark.parametrize("persona", ["officer", "pct", "police", "theme_lead", "board",
                                     "steering", "finance", None])
def test_the_stamp_covers_every_unapproved_figure_a_person_may_see(persona, person):
    """``drafts_seen`` is never narrower than what ``DataValue.visible_to`` shows."""
    from django.contrib.auth.models import AnonymousUser

    for n, indicator in enumerate(Indicator.objects.order_by("code")):
        state = [DataValue.State.DRAFT, DataValue.State.SUBMITTED,
                 DataValue.State.RETURNED][n % 3]
        figure(indicator, 2031, 10 + n, state)
    user = person(persona) if persona else AnonymousUser()
    visible = set(DataValue.objects.visible_to(user).exclude(state=DataValue.State.APPROVED)
                  .values_list("pk", flat=True))
    condition, params = page_cache.drafts_seen(user)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {DataValue._meta.db_table} WHERE {condition}", params)
        covered = {row[0] for row in cursor.fetchall()}
    assert visible - covered == set()


def test_the_stamp_is_one_query():
    user = Person.objects.get(username="board.member")
    user.get_all_permissions()  # read once per request anyway, by the pages' rules
    with CaptureQueriesContext(connection) as captured:
        page_cache.stamp(user)
    assert len(captured.captured_queries) == 1


def test_every_kept_page_asks_the_same_few_queries(client_as):
    """Shown again, each page of the load test's mix costs the frame's queries and the
    stamp's, whatever it lists."""
    board = client_as("board")
    pages = ["/", SAFER, "/indicators/sc-01/", "/areas/E08000037/", "/bodies/gsp-board/",
             "/bodies/gsp-board/report/"]
    counts = {}
    for path in pages:
        visit(board, path)
        counts[path] = len(visit(board, path)[1])
    assert len(set(counts.values())) == 1, counts
