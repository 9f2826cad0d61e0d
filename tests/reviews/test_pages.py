"""The self-assessment's pages: the rounds, the scoring form (bad input shown and kept),
the results with the radar and the table, agreeing an action, and who may do what."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse

from joinedup.history.models import Change
from joinedup.partnership.models import Organisation
from joinedup.reviews.models import AgreedAction, Response, SelfAssessmentRound
from joinedup.strategy.models import PathwayAction

from .rounds import scored_rounds

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round():
    return SelfAssessmentRound.objects.get(status="open")


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def answers(round_, value="4", **extra) -> dict:
    data = {f"score-{q.code}": value for q in round_.questions.all()}
    data.update(extra)
    return data


def test_the_rounds_page_lists_both_rounds_and_what_a_member_has_to_do(client_as, open_round):
    page = client_as("board")
    shown = text_of(page.get(reverse("reviews:rounds")))
    assert f"{open_round.title} " in shown
    assert "Not started Score this round" in shown
    assert shown.count("Closed") == 1


def test_anonymous_visitors_are_sent_to_sign_in(client_as, open_round):
    client = client_as(None)
    for name, args in (("reviews:rounds", []), ("reviews:score", [open_round.pk]),
                       ("reviews:results", [open_round.pk])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")


def test_a_partner_on_neither_body_may_neither_score_nor_see_results(client_as, open_round):
    client = client_as("pct")
    assert client.get(reverse("reviews:score", args=[open_round.pk])).status_code == 403
    refused = client.post(reverse("reviews:score", args=[open_round.pk]),
                          answers(open_round, action="submit"))
    assert refused.status_code == 403
    assert client.get(reverse("reviews:results", args=[open_round.pk])).status_code == 403
    assert not Response.objects.filter(person__username="pct.analyst").exists()


def test_a_round_that_does_not_exist_is_not_found(client_as):
    assert client_as("board").get(reverse("reviews:score", args=[999999])).status_code == 404


def test_bad_input_is_shown_in_the_summary_and_every_answer_is_kept(client_as, open_round):
    client = client_as("board")
    data = answers(open_round, **{"score-goals-1": "7", "comment-style-1": "Meetings work.",
                                  "evidence-style-1": "/bodies/gsp-board/packs/\n/no/such/page/",
                                  "action": "submit"})
    response = client.post(reverse("reviews:score", args=[open_round.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    summary = page.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary))).split() == (
        "Choose a score from 1 to 5 for goals-1. Evidence for style-1: /no/such/page/ is "
        "not a page of JoinedUp. Copy the address of the page from the browser, from the "
        "first /.").split()
    assert 'href="#score-goals-1"' in summary and 'href="#evidence-style-1"' in summary
    assert ">Meetings work.</textarea>" in page
    assert "/bodies/gsp-board/packs/\n/no/such/page/</textarea>" in page
    assert 'id="score-goals-2--4" name="score-goals-2" type="radio" value="4" checked' in page
    assert not Response.objects.filter(round=open_round, person__username="board.member").exists()


def test_a_submission_needs_every_question_scored_but_a_draft_does_not(client_as, open_round):
    client = client_as("board")
    url = reverse("reviews:score", args=[open_round.pk])
    data = answers(open_round, **{"score-systems-3": "", "action": "submit"})
    refused = client.post(url, data)
    assert "Score systems-3 before you submit: choose from 1 to 5." in text_of(refused)
    data["action"] = "draft"
    saved = client.post(url, data)
    assert saved.status_code == 302 and saved["Location"] == url
    response = Response.objects.get(round=open_round, person__username="board.member")
    assert response.status == "draft"
    assert "Your draft is saved." in text_of(client.get(url))
    data.update({"score-systems-3": "2", "action": "submit"})
    assert client.post(url, data)["Location"] == reverse("reviews:rounds")
    response.refresh_from_db()
    assert response.status == "submitted"
    assert response.organisation.slug == "gvoc"
    assert sorted(response.scores.values_list("value", flat=True)) == [2] + [4] * (
        open_round.questions.count() - 1)


def test_a_closed_round_takes_no_scores(client_as):
    closed = SelfAssessmentRound.objects.get(status="closed")
    client = client_as("board")
    kept = Response.objects.get(round=closed, person__username="board.member")
    before = list(kept.scores.values_list("value", flat=True))
    assert before != [5] * len(before)
    page = client.post(reverse("reviews:score", args=[closed.pk]),
                       answers(closed, value="5", action="submit"))
    assert f"{closed.title} is closed: its scores can no longer change." in text_of(page)
    assert list(kept.scores.values_list("value", flat=True)) == before


def test_the_results_show_the_radar_and_the_table_of_the_same_figures(client_as):
    _, later = scored_rounds()
    page = client_as("steering").get(reverse("reviews:results", args=[later.pk]))
    html = page.content.decode()
    assert '<svg role="img" aria-label="Radar chart of the mean score of each element in ' \
           'Test round 2101 against Test round 2100.' in html
    shown = text_of(page)
    assert "3 of the 12 members of the Board and the management group have submitted" in shown
    assert ("Super-ordinate goals 3 3.33 2.00 to 5.00 1.53 2.50 (2) 5.00 (1) 2.50 3.00 +0.33"
            in shown)
    assert "Style 3 3.00 2.00 to 4.00 1.00 3.50 (2) 2.00 (1) 1.50 3.00 0.00" in shown


def test_the_officer_agrees_an_action_that_becomes_a_pathway_action(client_as):
    _, later = scored_rounds()
    council = Organisation.objects.get(slug="gateshead-council")
    client = client_as("officer")
    url = reverse("reviews:results", args=[later.pk])
    refused = client.post(url, {"element": "style", "title": "", "lead": council.pk,
                                "due_day": "31", "due_month": "2", "due_year": "2102"})
    assert "Say what the action is. The due date must be a real date, such as 31 3 2027." in \
        text_of(refused)
    done = client.post(url, {"element": "style", "title": "Split Board meetings into a "
                             "decision half and a topic half", "lead": council.pk,
                             "due_day": "31", "due_month": "3", "due_year": "2102"})
    assert done["Location"] == url + "#agreed"
    agreed = AgreedAction.objects.get(round=later)
    action = agreed.action
    assert (agreed.element, action.lead, action.due, action.title) == (
        "style", council, dt.date(2102, 3, 31),
        "Split Board meetings into a decision half and a topic half")
    assert action.note == "Agreed from the self-assessment Test round 2101: Style."
    recorded = Change.objects.for_object(action).get()
    assert (recorded.action, recorded.actor, recorded.reason) == (
        "create", "officer", "Agreed from the self-assessment Test round 2101: Style")
    assert Change.objects.for_object(agreed).get().actor == "officer"
    assert ("Style: Split Board meetings into a decision half and a topic half, delivered by "
            "Gateshead Council by 31 March 2102 (not started)") in text_of(client.get(url))


def test_a_board_member_may_not_agree_actions(client_as):
    _, later = scored_rounds()
    client = client_as("board")
    before = PathwayAction.objects.count()
    refused = client.post(reverse("reviews:results", args=[later.pk]),
                          {"element": "style", "title": "Anything", "due_day": "1",
                           "due_month": "1", "due_year": "2102"})
    assert refused.status_code == 403
    assert PathwayAction.objects.count() == before
    assert 'data-testid="agree-form"' not in client.get(
        reverse("reviews:results", args=[later.pk])).content.decode()
