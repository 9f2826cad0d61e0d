"""The risk register through the API: the register, one risk, its scores, proposals,
actions and the heat map; scoring and deciding with the rules of ``risks.scoring``; and a
restricted risk that is a 404 to everyone outside its body."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from joinedup.history.models import Change
from joinedup.risks.models import Control, Proposal, Risk, Score
from joinedup.strategy.models import Outcome

from . import helpers
from .helpers import HEALTHY, SAFER, SOURCE

pytestmark = pytest.mark.django_db
made = helpers.made

ROUTES = {"/api/risks": {"get"}, "/api/risks/heat-map": {"get"},
          "/api/risks/proposals": {"get"},
          "/api/risks/proposals/{proposal_id}/decision": {"post"},
          "/api/risks/actions": {"get"}, "/api/risks/{risk_id}": {"get"},
          "/api/risks/{risk_id}/scores": {"get", "post"},
          "/api/risks/{risk_id}/controls": {"post"}}
EMPTY = {"count": 0, "limit": 100, "offset": 0, "items": []}
NO_CONTROL = ("A current score of 8 is below the inherent score of 16, but no control is in "
              "place: link a control to the actions that deliver it, and complete them, "
              "before scoring the risk down.")
MAY_NOT_KEEP = ("Only the risk's owner, its body's members and the partnership officer may "
                "score it.")
MAY_NOT_CHANGE = ("Only the risk's owner, its body's members and the partnership officer may "
                  "change it.")


def mine(answer, made) -> list[dict]:
    assert answer.status_code == 200, answer.content
    return [item for item in answer.json()["items"] if item["id"] in made.ids]


def refused(answer) -> tuple[int, str]:
    return answer.status_code, answer.json()["detail"]


def test_the_openapi_document_lists_every_risks_route(client):
    document = client.get("/api/openapi.json").json()
    routes = {path: set(methods) for path, methods in document["paths"].items()
              if path.startswith("/api/risks")}
    assert routes == ROUTES
    for path, methods in routes.items():
        for method in methods:
            operation = document["paths"][path][method]
            assert operation["tags"] == ["Risks"]
            assert operation["security"] == (
                [{"BearerToken": []}, {}] if method == "get" else [{"BearerToken": []}])


def test_anonymous_callers_see_no_risks(made, api):
    anonymous = api(None)
    for path in ("/api/risks", "/api/risks/proposals", "/api/risks/actions"):
        assert anonymous.get(path).json() == EMPTY, path
    heat = anonymous.get("/api/risks/heat-map").json()
    assert (heat["held"], sum(cell["count"] for cell in heat["cells"])) == (0, 0)
    for path in (f"/api/risks/{made.obesity.pk}", f"/api/risks/{made.obesity.pk}/scores"):
        assert refused(anonymous.get(path)) == (
            404, f"There is no risk {made.obesity.pk} that you may see."), path
    answer = anonymous.post(f"/api/risks/{made.obesity.pk}/scores",
                            {"likelihood": 4, "impact": 4, "reason": "Worse"})
    assert answer.status_code == 401


def test_the_register_gives_each_risk_with_its_band_appetite_and_proposal(made, api):
    helpers.proposal(made.obesity, 4)
    outcome = helpers.healthy_weight().pk
    assert mine(api("officer").get("/api/risks"), made) == [
        {"id": made.night.pk, "title": "Night-time economy outgrows patrols",
         "category": "Safety and safeguarding", "body": SAFER, "owner": "police.analyst",
         "likelihood": 4, "impact": 5, "score": 20, "band": "Extreme", "appetite": 4,
         "above_appetite": True, "inherent_score": 25, "target_score": 15,
         "previous_score": None, "movement": "new", "review_date": "2027-03-31",
         "proposed_likelihood": None, "p_miss": None, "proposal_source": "", "links": []},
        {"id": made.obesity.pk, "title": "Childhood obesity keeps rising",
         "category": "Outcomes and targets", "body": HEALTHY, "owner": "theme.lead",
         "likelihood": 3, "impact": 4, "score": 12, "band": "High", "appetite": 12,
         "above_appetite": False, "inherent_score": 16, "target_score": 8,
         "previous_score": None, "movement": "new", "review_date": "2027-03-31",
         "proposed_likelihood": 4, "p_miss": 0.72, "proposal_source": SOURCE,
         "links": [f"outcome:{outcome}", "HW 02", "HW 02 target 2019/20"]},
        {"id": made.practice.pk, "title": "A GP practice may close", "category": "Reputation",
         "body": HEALTHY, "owner": "pct.analyst", "likelihood": 2, "impact": 3, "score": 6,
         "band": "Moderate", "appetite": 6, "above_appetite": False, "inherent_score": 6,
         "target_score": 3, "previous_score": None, "movement": "new",
         "review_date": "2027-03-31", "proposed_likelihood": None, "p_miss": None,
         "proposal_source": "", "links": []},
    ]
    safer = api("officer").get("/api/risks", body=SAFER).json()
    assert {item["id"] for item in safer["items"]} == set(
        Risk.objects.filter(body__slug=SAFER).values_list("pk", flat=True))
    assert safer["count"] == len(safer["items"])


def test_a_body_that_does_not_exist_is_a_422_naming_it(api):
    for path in ("/api/risks", "/api/risks/heat-map", "/api/risks/proposals",
                 "/api/risks/actions"):
        answer = api("officer").get(path, body="nope")
        assert (answer.status_code, answer.json()) == (422, {
            "detail": "The request is not valid: see body.",
            "problems": [{"row": None, "column": "body", "message": "there is no body 'nope'",
                          "severity": "error"}]}), path


def test_a_restricted_risk_is_a_404_outside_its_body_and_shown_to_its_members(made, api):
    hidden = made.practice.pk
    asked = helpers.proposal(made.practice, 3, p_miss=0.55)
    only_for_it = helpers.action("Talk to the practice's partners", status="on_track",
                                 due=dt.date(2020, 1, 1), owner="pct.analyst")
    helpers.control(made.practice, "Partners' succession plan", only_for_it)
    unseen = f"There is no risk {hidden} that you may see."
    police = api("police")
    assert hidden not in {item["id"] for item in police.get("/api/risks").json()["items"]}
    assert hidden not in {item["id"] for item in
                          police.get("/api/risks", body=HEALTHY, limit=500).json()["items"]}
    assert refused(police.get(f"/api/risks/{hidden}")) == (404, unseen)
    assert refused(police.get(f"/api/risks/{hidden}/scores")) == (404, unseen)
    assert refused(police.post(f"/api/risks/{hidden}/scores",
                               {"likelihood": 1, "impact": 1, "reason": "x"})) == (404, unseen)
    assert hidden not in {p["risk"] for p in police.get("/api/risks/proposals").json()["items"]}
    assert refused(police.post(f"/api/risks/proposals/{asked.pk}/decision",
                               {"accept": True})) == (
        404, f"There is no proposal {asked.pk} that you may see.")
    for overdue in ("false", "true"):
        listed = police.get("/api/risks/actions", overdue=overdue, limit=500).json()["items"]
        assert only_for_it.pk not in {a["id"] for a in listed}
        assert hidden not in {r for a in listed for r in a["risks"]}
    # The police's heat map lacks exactly the body's restricted risks, each in its cell.
    theirs = police.get("/api/risks/heat-map", body=HEALTHY).json()
    members = api("pct").get("/api/risks/heat-map", body=HEALTHY).json()
    restricted = Counter((r.likelihood, r.impact) for r in Risk.objects.filter(
        body__slug=HEALTHY, restricted=True).exclude(owner__username="police.analyst"))
    assert restricted[(2, 3)] >= 1
    assert members["held"] - theirs["held"] == restricted.total()
    assert {(m["likelihood"], m["impact"]): m["count"] - t["count"]
            for m, t in zip(members["cells"], theirs["cells"], strict=True)
            if m["count"] != t["count"]} == dict(restricted)
    pct = api("pct")
    assert hidden in {item["id"] for item in pct.get("/api/risks").json()["items"]}
    shown = pct.get(f"/api/risks/{hidden}").json()
    assert (shown["restricted"], shown["may_keep"], shown["title"]) == (
        True, True, "A GP practice may close")
    assert hidden in {p["risk"] for p in pct.get("/api/risks/proposals").json()["items"]}
    listed = pct.get("/api/risks/actions", overdue="true", limit=500).json()["items"]
    assert [a["risks"] for a in listed if a["id"] == only_for_it.pk] == [[hidden]]


def test_one_risk_with_its_controls_their_actions_and_whether_each_is_in_place(made, api):
    done = helpers.action("Commission a healthy weight service", due=dt.date(2026, 1, 31),
                          outcome=helpers.healthy_weight())
    going = helpers.action("Extend the school food programme", status="on_track",
                           due=dt.date(2099, 3, 31), owner=None)
    in_place = helpers.control(made.obesity, "Healthy weight service", done)
    planned = helpers.control(made.obesity, "School food programme", done, going,
                              kind="mitigation")
    answer = api("board").get(f"/api/risks/{made.obesity.pk}")
    assert answer.status_code == 200, answer.content
    shown = answer.json()
    assert (shown["title"], shown["driving_target"], shown["may_keep"], shown["restricted"],
            shown["cause"]) == ("Childhood obesity keeps rising", "HW 02 target 2019/20",
                                False, False, "Because childhood obesity keeps rising")
    assert (shown["inherent_likelihood"], shown["inherent_impact"], shown["target_likelihood"],
            shown["target_impact"], shown["score"], shown["band"]) == (4, 4, 2, 4, 12, "High")
    commissioned = {"id": done.pk, "title": "Commission a healthy weight service",
                    "outcome": helpers.HEALTHY_WEIGHT, "theme": "active-and-healthy-gateshead",
                    "lead": "gateshead-council", "owner": "theme.lead", "due": "2026-01-31",
                    "status": "complete", "progress": 100, "overdue": False,
                    "illustrative": False, "note": ""}
    assert shown["controls"] == [
        {"id": in_place.pk, "kind": "control", "description": "Healthy weight service",
         "in_place": True, "actions": [commissioned]},
        {"id": planned.pk, "kind": "mitigation", "description": "School food programme",
         "in_place": False, "actions": [commissioned, {
             "id": going.pk, "title": "Extend the school food programme", "outcome": None,
             "theme": None, "lead": "gateshead-council", "owner": None, "due": "2099-03-31",
             "status": "on_track", "progress": 40, "overdue": False, "illustrative": False,
             "note": ""}]},
    ]
    assert api("theme_lead").get(f"/api/risks/{made.obesity.pk}").json()["may_keep"] is True


def test_scoring_down_is_refused_with_no_control_in_place(made, api):
    # A control whose actions are not all complete is not in place, nor is a mitigation.
    helpers.control(made.obesity, "Healthy weight service",
                    helpers.action("Commission it", status="at_risk"))
    helpers.control(made.obesity, "School food", helpers.action("Extend it"),
                    kind="mitigation")
    answer = api("theme_lead").post(f"/api/risks/{made.obesity.pk}/scores",
                                    {"likelihood": 2, "impact": 4, "reason": "Service open"})
    assert (answer.status_code, answer.json()) == (422, {"detail": NO_CONTROL, "problems": [
        {"row": None, "column": "", "message": NO_CONTROL, "severity": "error"}]})
    made.obesity.refresh_from_db()
    assert (made.obesity.likelihood, made.obesity.impact) == (3, 4)
    assert not Score.objects.filter(risk=made.obesity).exists()


def test_scoring_down_with_a_control_in_place_is_kept_in_the_history(made, api):
    helpers.control(made.obesity, "Healthy weight service",
                    helpers.action("Commission it"))
    lead = api("theme_lead")
    answer = lead.post(f"/api/risks/{made.obesity.pk}/scores",
                       {"likelihood": 2, "impact": 4, "reason": "The service is open"})
    assert answer.status_code == 201, answer.content
    score = Score.objects.get(risk=made.obesity)
    recorded = answer.json()
    assert recorded == {
        "id": score.pk, "risk": made.obesity.pk, "likelihood": 2, "impact": 4, "score": 8,
        "quarter": score.quarter, "source": "owner", "reason": "The service is open",
        "recorded_by": "theme.lead", "recorded_at": recorded["recorded_at"]}
    made.obesity.refresh_from_db()
    assert (made.obesity.likelihood, made.obesity.impact, made.obesity.score) == (2, 4, 8)
    history = lead.get(f"/api/risks/{made.obesity.pk}/scores").json()
    assert (history["count"], history["items"]) == (1, [recorded])
    row = [item for item in lead.get("/api/risks").json()["items"]
           if item["id"] == made.obesity.pk]
    assert [(r["score"], r["band"], r["movement"]) for r in row] == [(8, "High", "new")]


def test_someone_who_may_not_keep_the_risk_gets_a_403(made, api):
    opened = helpers.proposal(made.obesity, 4)
    board = api("board")
    assert board.get(f"/api/risks/{made.obesity.pk}").status_code == 200
    assert refused(board.post(f"/api/risks/{made.obesity.pk}/scores",
                              {"likelihood": 4, "impact": 4, "reason": "Worse"})) == (
        403, MAY_NOT_KEEP)
    assert refused(board.post(f"/api/risks/proposals/{opened.pk}/decision",
                              {"accept": True})) == (403, MAY_NOT_KEEP)
    made.obesity.refresh_from_db()
    opened.refresh_from_db()
    assert (made.obesity.likelihood, opened.state, Score.objects.filter(
        risk=made.obesity).count()) == (3, "open", 0)


def test_accepting_a_proposal_scores_the_risk_with_the_forecasts_likelihood(made, api):
    opened = helpers.proposal(made.obesity, 4)
    lead = api("theme_lead")
    waiting = [p for p in lead.get("/api/risks/proposals", body=HEALTHY).json()["items"]
               if p["id"] == opened.pk]
    assert [(p["risk"], p["owner"], p["target"], p["recorded_likelihood"],
             p["proposed_likelihood"], p["p_miss"], p["source"], p["state"]) for p in
            waiting] == [(made.obesity.pk, "theme.lead", "HW 02 target 2019/20", 3, 4, 0.72,
                          SOURCE, "open")]
    answer = lead.post(f"/api/risks/proposals/{opened.pk}/decision", {"accept": True})
    assert answer.status_code == 200, answer.content
    decided = answer.json()
    reason = f"Accepted the forecast's likelihood: {SOURCE}."
    assert (decided["state"], decided["decided_likelihood"], decided["decision_reason"],
            decided["decided_by"]) == ("accepted", 4, reason, "theme.lead")
    made.obesity.refresh_from_db()
    assert (made.obesity.likelihood, made.obesity.impact) == (4, 4)
    assert list(Score.objects.filter(risk=made.obesity).values_list(
        "likelihood", "impact", "source", "reason")) == [(4, 4, "accepted", reason)]
    assert opened.pk not in {p["id"] for p in
                             lead.get("/api/risks/proposals").json()["items"]}
    again = lead.post(f"/api/risks/proposals/{opened.pk}/decision", {"accept": True})
    assert refused(again) == (422, "This proposal has been decided already.")


def test_overriding_a_proposal_keeps_the_owners_likelihood_and_reason(made, api):
    opened = helpers.proposal(made.obesity, 2, p_miss=0.2)
    lead = api("theme_lead")
    path = f"/api/risks/proposals/{opened.pk}/decision"
    assert refused(lead.post(path, {"accept": False, "likelihood": 4})) == (
        422, "Say why the forecast's likelihood is overridden.")
    assert refused(lead.post(path, {"accept": False, "likelihood": 2, "reason": "No"})) == (
        422, "Overriding keeps a likelihood other than the one proposed.")
    assert refused(lead.post(path, {"accept": True, "likelihood": 3})) == (
        422, "Accepting takes the proposed likelihood; send a likelihood only to override it.")
    why = "The forecast predates the weight service closing"
    answer = lead.post(path, {"accept": False, "likelihood": 4, "reason": why})
    assert answer.status_code == 200, answer.content
    decided = answer.json()
    assert (decided["state"], decided["proposed_likelihood"], decided["decided_likelihood"],
            decided["decision_reason"], decided["decided_by"]) == (
        "overridden", 2, 4, why, "theme.lead")
    opened.refresh_from_db()
    assert (opened.state, opened.decided_likelihood, opened.decision_reason) == (
        Proposal.State.OVERRIDDEN, 4, why)
    made.obesity.refresh_from_db()
    assert (made.obesity.likelihood, made.obesity.impact) == (4, 4)
    assert list(Score.objects.filter(risk=made.obesity).values_list(
        "likelihood", "source", "reason")) == [(4, "overridden", why)]


def test_overdue_actions_are_those_past_due_and_unfinished(made, api):
    late = helpers.action("Recruit school nurses", status="at_risk", due=dt.date(2020, 6, 30),
                          outcome=helpers.healthy_weight())
    done = helpers.action("Open the clinic", due=dt.date(2020, 6, 30))
    dropped = helpers.action("Buy a van", status="dropped", due=dt.date(2020, 6, 30))
    coming = helpers.action("Evaluate", status="not_started", due=dt.date(2099, 1, 1))
    patrols = helpers.action("Extra weekend patrols", status="on_track",
                             due=dt.date(2020, 3, 31), owner="police.analyst")
    helpers.control(made.obesity, "School nursing", late, done, dropped, coming)
    helpers.control(made.night, "Weekend patrols", patrols)
    ours = {late.pk, done.pk, dropped.pk, coming.pk, patrols.pk}
    officer = api("officer")

    def listed(**params) -> list[dict]:
        return [a for a in officer.get("/api/risks/actions", limit=500, **params)
                .json()["items"] if a["id"] in ours]

    assert [(a["id"], a["overdue"], a["risks"]) for a in listed(overdue="true")] == [
        (patrols.pk, True, [made.night.pk]), (late.pk, True, [made.obesity.pk])]
    assert [a["id"] for a in listed(overdue="true", body=HEALTHY)] == [late.pk]
    # By due date, then title.
    assert [a["id"] for a in listed(body=HEALTHY)] == [dropped.pk, done.pk, late.pk,
                                                       coming.pk]
    assert [a["id"] for a in listed()] == [patrols.pk, dropped.pk, done.pk, late.pk,
                                           coming.pk]
    assert {a["title"] for a in listed(overdue="true", body=SAFER)} == {
        "Extra weekend patrols"}


def test_the_heat_map_counts_each_risk_in_its_cell(made, api):
    officer = api("officer")
    before = officer.get("/api/risks/heat-map", body=SAFER).json()
    helpers.risk("Licensing reviews lapse", body=SAFER, owner="police.analyst",
                 category="safety-and-safeguarding", now=(2, 5), inherent=(3, 5),
                 target=(1, 5))
    after = officer.get("/api/risks/heat-map", body=SAFER).json()
    assert (after["body"], after["held"] - before["held"], len(after["cells"])) == (
        SAFER, 1, 25)
    changed = [(a["likelihood"], a["impact"], a["score"], a["band"], a["colour"],
                a["count"] - b["count"], a["new"] - b["new"])
               for a, b in zip(after["cells"], before["cells"], strict=True) if a != b]
    assert changed == [(2, 5, 10, "High", "orange", 1, 1)]
    assert [(c["likelihood"], c["impact"]) for c in after["cells"][:2]] == [(5, 1), (5, 2)]


def test_the_risks_keeper_adds_a_control_linked_to_the_actions_that_deliver_it(made, api):
    done = helpers.action("Commission a healthy weight service", due=dt.date(2026, 1, 31),
                          outcome=helpers.healthy_weight())
    going = helpers.action("Extend the school food programme", status="on_track",
                           due=dt.date(2099, 3, 31), owner=None)
    lead = api("theme_lead")
    answer = lead.post(f"/api/risks/{made.obesity.pk}/controls", {
        "kind": "mitigation", "description": " School food programme ",
        "actions": [going.pk, done.pk]})
    assert answer.status_code == 201, answer.content
    added = Control.objects.get(risk=made.obesity)
    shown = {"id": added.pk, "kind": "mitigation", "description": "School food programme",
             "in_place": False, "actions": [
                 {"id": done.pk, "title": "Commission a healthy weight service",
                  "outcome": helpers.HEALTHY_WEIGHT, "theme": "active-and-healthy-gateshead",
                  "lead": "gateshead-council", "owner": "theme.lead", "due": "2026-01-31",
                  "status": "complete", "progress": 100, "overdue": False,
                  "illustrative": False, "note": ""},
                 {"id": going.pk, "title": "Extend the school food programme",
                  "outcome": None, "theme": None, "lead": "gateshead-council", "owner": None,
                  "due": "2099-03-31", "status": "on_track", "progress": 40,
                  "overdue": False, "illustrative": False, "note": ""}]}
    assert answer.json() == shown
    assert lead.get(f"/api/risks/{made.obesity.pk}").json()["controls"] == [shown]
    assert list(Change.objects.for_object(added).values_list("action", "reason", "actor")) \
        == [("create", "A mitigation added to the risk", "theme.lead")]
    # A control whose one action is complete is in place.
    answer = lead.post(f"/api/risks/{made.obesity.pk}/controls", {
        "description": "Healthy weight service", "actions": [done.pk]})
    assert (answer.status_code, answer.json()["kind"], answer.json()["in_place"]) == (
        201, "control", True)


def test_a_control_is_refused_to_others_and_for_actions_that_cannot_deliver_it(made, api):
    ours = helpers.action("Commission a healthy weight service",
                          outcome=helpers.healthy_weight())
    theirs = helpers.action("Run alcohol arrest referral",
                            outcome=Outcome.objects.get(title="Less harm from alcohol"))
    path = f"/api/risks/{made.obesity.pk}/controls"
    assert refused(api("board").post(path, {"description": "Service",
                                            "actions": [ours.pk]})) == (403, MAY_NOT_CHANGE)
    cannot = (f"Action {theirs.pk} cannot deliver this risk's controls: choose an action "
              "towards its outcomes or its body's themes' outcomes, or one that hangs off no "
              "outcome.")
    answer = api("theme_lead").post(path, {"description": "Service",
                                           "actions": [ours.pk, theirs.pk]})
    assert (answer.status_code, answer.json()) == (422, {"detail": cannot, "problems": [
        {"row": None, "column": "actions", "message": cannot, "severity": "error"}]})
    answer = api("theme_lead").post(path, {"description": " ", "actions": []})
    assert (answer.status_code, answer.json()) == (422, {
        "detail": "Say what the control or mitigation is. Choose at least one action that "
                  "delivers it.",
        "problems": [{"row": None, "column": "description",
                      "message": "Say what the control or mitigation is.", "severity": "error"},
                     {"row": None, "column": "actions",
                      "message": "Choose at least one action that delivers it.",
                      "severity": "error"}]})
    assert refused(api("police").post(f"/api/risks/{made.practice.pk}/controls", {
        "description": "Succession plan", "actions": [ours.pk]})) == (
        404, f"There is no risk {made.practice.pk} that you may see.")
    assert api(None).post(path, {"description": "Service", "actions": [ours.pk]}) \
        .status_code == 401
    assert not Control.objects.filter(risk__in=[made.obesity, made.practice]).exists()
