"""The self-assessment in the API: rounds, questions, a member's own scores, results."""

from __future__ import annotations

import json

import pytest

from joinedup.reviews.models import Response, SelfAssessmentRound

from .rounds import scored_rounds

pytestmark = pytest.mark.django_db
BASE = "/api/self-assessment"


@pytest.fixture
def open_round():
    return SelfAssessmentRound.objects.get(status="open")


def every_answer(round_, score=3) -> list[dict]:
    return [{"question": q.code, "score": score} for q in round_.questions.all()]


def test_partners_list_the_rounds_and_anonymous_callers_get_none(api, open_round):
    listed = api("board").get(BASE).json()
    assert listed["count"] == 2
    newest = listed["items"][0]
    assert (newest["id"], newest["status"], newest["my_status"], newest["questions"]) == (
        open_round.pk, "open", "not started", 16)
    assert api("pct").get(BASE).json()["items"][0]["my_status"] is None
    assert api(None).get(BASE).json() == {"count": 0, "limit": 100, "offset": 0, "items": []}


def test_a_rounds_questions_in_the_models_order(api, open_round):
    body = api("pct").get(f"{BASE}/{open_round.pk}/questions").json()
    assert body["score_labels"] == ["Not in place", "Just starting", "In place in parts",
                                    "In place and working", "Embedded and improving"]
    codes = [q["code"] for q in body["questions"]]
    assert codes[:4] == ["goals-1", "goals-2", "goals-3", "staff-and-skills-1"]
    own = next(q for q in body["questions"] if q["code"] == "own-1")
    assert (own["element"], own["sources"]) == ("synergies", "")
    missing = api(None).get(f"{BASE}/{open_round.pk}/questions")
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"There is no self-assessment round {open_round.pk} "
                                        "that you may see."}


def test_a_member_sends_a_draft_then_submits(api, open_round):
    client = api("steering")
    url = f"{BASE}/{open_round.pk}/scores"
    draft = client.put(url, {"answers": [{"question": "goals-1", "score": 4,
                                          "comment": "Clear vision.",
                                          "evidence": ["/bodies/gsp-board/packs/"]}]})
    assert draft.status_code == 200
    assert draft.json()["status"] == "draft"
    assert draft.json()["answers"] == [{"question": "goals-1", "score": 4,
                                        "comment": "Clear vision.",
                                        "evidence": ["/bodies/gsp-board/packs/"]}]
    early = client.put(url, {"answers": [], "submit": True})
    assert early.status_code == 422
    assert early.json()["detail"] == f"There are {open_round.questions.count() - 1} problems: " \
                                     "see problems."
    assert early.json()["problems"][0] == {
        "row": None, "column": "score-goals-2", "severity": "error",
        "message": "Score goals-2 before you submit: choose from 1 to 5."}
    rest = [a for a in every_answer(open_round) if a["question"] != "goals-1"]
    done = client.put(url, {"answers": rest, "submit": True})
    assert done.status_code == 200
    assert done.json()["status"] == "submitted"
    assert client.get(url).json()["answers"][0]["score"] == 4


def test_bad_scores_are_refused_with_each_problem_and_nothing_saved(api, open_round):
    refused = api("steering").put(f"{BASE}/{open_round.pk}/scores", {"answers": [
        {"question": "goals-1", "score": 4, "evidence": ["ftp://example.org/x"]},
        {"question": "nothing-9", "score": 2}]})
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        {"row": None, "column": "evidence-goals-1", "severity": "error",
         "message": "Evidence for goals-1: ftp://example.org/x is neither a web address "
                    "starting https:// nor a page of JoinedUp starting /."},
        {"row": None, "column": "question", "severity": "error",
         "message": f"nothing-9 is not a question of {open_round.title}."}]
    assert not Response.objects.filter(person__username="steering.member",
                                       round=open_round).exists()


def test_a_score_out_of_range_is_refused_by_the_schema(api, open_round):
    refused = api("steering").put(f"{BASE}/{open_round.pk}/scores",
                                  {"answers": [{"question": "goals-1", "score": 6}]})
    assert refused.status_code == 422


def test_only_members_send_scores_and_only_with_a_token(api, client_as, open_round):
    refused = api("pct").put(f"{BASE}/{open_round.pk}/scores",
                             {"answers": every_answer(open_round)})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only members of the Board and of the management "
                                        "group score the self-assessment."}
    signed_in = client_as("steering").put(f"{BASE}/{open_round.pk}/scores", json.dumps(
        {"answers": []}), content_type="application/json")
    assert signed_in.status_code == 401


def test_a_closed_round_takes_no_scores(api):
    closed = SelfAssessmentRound.objects.get(status="closed")
    refused = api("theme_lead").put(f"{BASE}/{closed.pk}/scores",
                                    {"answers": every_answer(closed)})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(f"{closed.title} closed on ")


def test_results_by_element(api):
    _, later = scored_rounds()
    body = api("board").get(f"{BASE}/{later.pk}/results").json()
    assert (body["submitted"], body["eligible"], body["title"]) == (3, 12, "Test round 2101")
    style = next(e for e in body["elements"] if e["element"] == "style")
    assert style == {
        "element": "style", "name": "Style", "members": 3, "answers": 6, "mean": 3.0,
        "lowest": 2.0, "highest": 4.0, "sd": 1.0,
        "sectors": [{"sector": "Public sector", "members": 2, "mean": 3.5},
                    {"sector": "Voluntary and community sector", "members": 1, "mean": 2.0}],
        "sector_lowest": "Voluntary and community sector", "sector_highest": "Public sector",
        "sector_gap": 1.5, "previous_mean": 3.0, "change": 0.0}
    goals_1 = body["questions"][0]
    assert (goals_1["code"], goals_1["answers"], goals_1["counts"]) == ("goals-1", 3,
                                                                        [0, 1, 1, 0, 1])


def test_results_are_refused_to_a_partner_on_neither_body(api):
    _, later = scored_rounds()
    refused = api("pct").get(f"{BASE}/{later.pk}/results")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only members of the Board and of the management "
                                        "group, and the partnership officer, see the "
                                        "self-assessment's results."}
    assert api(None).get(f"{BASE}/{later.pk}/results").status_code == 404
