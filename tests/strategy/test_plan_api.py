"""Delivery plans through the API: read by partners only, and started, written, challenged and
agreed by the rules of ``strategy.planning``, exactly as on the plan's page."""

from __future__ import annotations


import pytest

from joinedup.history.models import Change
from joinedup.strategy.delivery import ChallengeComment, DeliveryPlan, Option, PlanAnswer

pytestmark = pytest.mark.django_db

HEALTHY = "active-healthy-gateshead"       # theme.lead chairs it; pct.analyst is its officer
SAFER = "safer-gateshead"                  # police.analyst is its officer
HEALTHY_NAME = "Active and Healthy Gateshead Partnership"
WEIGHT = "Children grow up a healthy weight"
ROUTES = {"/api/plans": {"get", "post"}, "/api/plans/{plan_id}": {"get"},
          "/api/plans/{plan_id}/answers/{key}": {"put"},
          "/api/plans/{plan_id}/options": {"post"}, "/api/plans/{plan_id}/choice": {"post"},
          "/api/plans/{plan_id}/moves": {"post"}, "/api/plans/{plan_id}/comments": {"post"},
          "/api/plans/{plan_id}/comments/{comment_id}/answer": {"post"}}
EMPTY = {"count": 0, "limit": 100, "offset": 0, "items": []}
LEAD_ONLY = (f"Only the members of {HEALTHY_NAME}, the plan's owner and the partnership "
             "officer may do this.")
QUESTIONS = {
    "priority": "Why is this a priority here: what do the analysis of performance and local "
                "conditions show?",
    "who-and-where": "Who is most affected, and where?",
    "performance-and-trend": "How is performance now, and what is its trend?",
    "forecast": "Where are we going: what does the forecast say, and will the target be met?",
    "resources": "What resources are behind it: capital and revenue, aligned and pooled?",
    "interventions": "What will be done, by whom and by when?",
    "how": "How will the interventions be achieved, and what works locally?",
}
STAGES = [(1, "Priorities understood", ["priority", "who-and-where"]),
          (2, "Current performance and trends", ["performance-and-trend"]),
          (3, "Where we are going", ["forecast", "resources"]),
          (4, "The interventions", ["interventions"]),
          (5, "How they will be achieved", ["how"])]
GENERATED = {"performance-and-trend", "forecast", "resources"}
WRITTEN = ["priority", "who-and-where", "interventions", "how"]


def refused(answer) -> tuple[int, str]:
    return answer.status_code, answer.json()["detail"]


def problems(answer) -> tuple[int, dict]:
    return answer.status_code, answer.json()


def invalid(detail: str, *messages: str, column: str = "") -> dict:
    return {"detail": detail, "problems": [
        {"row": None, "column": column, "message": message, "severity": "error"}
        for message in messages]}


def stages(answers: dict[str, str]) -> list[dict]:
    """The five stages of a plan with these written answers and no generated ones."""
    return [{"number": number, "name": name, "questions": [
        {"key": key, "text": QUESTIONS[key], "generated": key in GENERATED,
         "answer": answers.get(key), "generated_at": None} for key in keys]}
        for number, name, keys in STAGES]


def started(api) -> DeliveryPlan:
    answer = api("theme_lead").post("/api/plans", {"title": "Healthy weight for every child",
                                                   "lead": HEALTHY, "outcome": WEIGHT})
    assert answer.status_code == 201, answer.content
    return DeliveryPlan.objects.get(pk=answer.json()["id"])


def test_the_openapi_document_lists_every_plans_route(client):
    document = client.get("/api/openapi.json").json()
    routes = {path: set(methods) for path, methods in document["paths"].items()
              if path.startswith("/api/plans")}
    assert routes == ROUTES
    for path, methods in routes.items():
        for method in methods:
            operation = document["paths"][path][method]
            assert operation["tags"] == ["Delivery plans"]
            assert operation["security"] == (
                [{"BearerToken": []}, {}] if method == "get" else [{"BearerToken": []}])


def test_anonymous_callers_see_no_plans(api):
    anonymous = api(None)
    plan = DeliveryPlan.objects.get(title="Healthy weight in Year 6")
    assert anonymous.get("/api/plans").json() == EMPTY
    assert refused(anonymous.get(f"/api/plans/{plan.pk}")) == (
        404, f"There is no plan {plan.pk} that you may see.")
    answer = anonymous.post("/api/plans", {"title": "x", "lead": HEALTHY, "outcome": WEIGHT})
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith("This needs an API token")


def test_a_partner_reads_the_plans_by_lead_and_title(api):
    board = api("board")
    ids = {plan.title: plan.pk for plan in DeliveryPlan.objects.all()}

    def item(title, outcome, indicator, state, lead, lead_name, owner):
        return {"id": ids[title], "title": title, "outcome": outcome, "indicator": indicator,
                "state": state, "lead": lead, "lead_name": lead_name, "owner": owner,
                "illustrative": True, "url": f"/plans/{ids[title]}/"}

    work = item("More people in work", "More people in work", None, "draft",
                "prosperous-gateshead", "Prosperous Gateshead Partnership", "chamber.rep")
    weight = item("Healthy weight in Year 6", None, "HW 02", "agreed", HEALTHY, HEALTHY_NAME,
                  "theme.lead")
    alcohol = item("Less harm from alcohol", "Less harm from alcohol", None, "challenge",
                   SAFER, "Safer Gateshead Partnership", "police.superintendent")
    assert board.get("/api/plans").json() == {"count": 3, "limit": 100, "offset": 0,
                                               "items": [work, weight, alcohol]}
    assert board.get("/api/plans", state="challenge").json()["items"] == [alcohol]
    assert board.get("/api/plans", lead=HEALTHY).json()["items"] == [weight]
    assert board.get("/api/plans", limit=1, offset=1).json() == {
        "count": 3, "limit": 1, "offset": 1, "items": [weight]}
    assert problems(board.get("/api/plans", lead="nope")) == (422, invalid(
        "The request is not valid: see lead.", "there is no body 'nope'", column="lead"))


def test_a_partner_reads_an_agreed_plan_with_its_appraisal_and_challenge(api):
    plan = DeliveryPlan.objects.get(title="Healthy weight in Year 6")
    shown = api("board").get(f"/api/plans/{plan.pk}").json()
    assert (shown["state"], shown["indicator"], shown["may_lead"], shown["agreed_by"]) == (
        "agreed", "HW 02", False, "theme.lead")
    assert api("theme_lead").get(f"/api/plans/{plan.pk}").json()["may_lead"] is True
    assert [(o["kind"], o["title"], o["capital_cost"], o["revenue_cost"], o["chosen"])
            for o in shown["options"]] == [
        ("bau", "Keep the current healthy-weight service", "0.00", "350000.00", False),
        ("do_minimum", "Add brief advice from school nurses only", "0.00", "390000.00", False),
        ("other", "A family weight-management programme in every children's centre",
         "40000.00", "520000.00", True)]
    assert [(c["body"], c["kind"], c["written_by"], c["answered_by"]) for c in
            shown["comments"]] == [(SAFER, "linkage", "police.analyst", "theme.lead")]
    assert shown["comments"][0]["answer"] == (
        "Agreed: the programme will use the same centres and a shared referral form, and the "
        "family intervention workers are invited to its training.")
    assert [a["title"] for a in shown["actions"]] == [
        a.title for a in plan.actions.order_by("due", "title", "pk")]
    assert len(shown["actions"]) == 4
    kept = {a.question.key: a for a in PlanAnswer.objects.filter(plan=plan)}
    assert [[(q["key"], q["generated"], q["answer"], q["generated_at"] is not None)
             for q in stage["questions"]] for stage in shown["stages"]] == [
        [(key, key in GENERATED, kept[key].text, key in GENERATED) for key in keys]
        for _, _, keys in STAGES]
    assert shown["stages"][0]["questions"][1]["answer"] == (
        "Children in the most deprived wards, where excess weight in Year 6 is about half as "
        "high again as in the least deprived; boys more than girls.")


def test_the_lead_starts_writes_and_opens_a_plan_and_agrees_it_after_its_challenge(api):
    lead = api("theme_lead")
    answer = lead.post("/api/plans", {"title": " Healthy weight for every child ",
                                      "lead": HEALTHY, "outcome": WEIGHT})
    assert answer.status_code == 201, answer.content
    plan = DeliveryPlan.objects.get(pk=answer.json()["id"])
    at = f"/api/plans/{plan.pk}"
    fresh = {"id": plan.pk, "title": "Healthy weight for every child", "outcome": WEIGHT,
             "indicator": None, "state": "draft", "lead": HEALTHY, "lead_name": HEALTHY_NAME,
             "owner": "theme.lead", "illustrative": False, "url": f"/plans/{plan.pk}/",
             "may_lead": True, "stages": stages({}), "options": [], "choice_reason": "",
             "comments": [], "actions": [], "agreed_by": None, "agreed_at": None}
    assert answer.json() == fresh
    assert api("police").get(at).json() == {**fresh, "may_lead": False}

    for key in WRITTEN:
        answer = lead.put(f"{at}/answers/{key}", {"text": f"Our answer on {key}"})
        assert (answer.status_code, answer.json()) == (200, {
            "key": key, "text": QUESTIONS[key], "generated": False,
            "answer": f"Our answer on {key}", "generated_at": None})
    assert problems(lead.put(f"{at}/answers/forecast", {"text": "It will be met"})) == (
        422, invalid("The request is not valid: see key.", f"“{QUESTIONS['forecast']}” is "
                     "answered from the engine and the resources table, not written.",
                     column="key"))
    assert refused(lead.put(f"{at}/answers/nope", {"text": "x"})) == (
        404, "There is no question 'nope' in a plan's five stages.")

    options = {}
    for kind, title, capital, revenue in (
            ("bau", "Keep the current service", 0, 350000),
            ("do_minimum", "Brief advice from school nurses", 0, 390000.5),
            ("other", "A family programme in every children's centre", 40000, 520000)):
        answer = lead.post(f"{at}/options", {"kind": kind, "title": title,
                                             "capital_cost": capital,
                                             "revenue_cost": revenue,
                                             "expected_effect": f"The effect of {kind}"})
        assert answer.status_code == 201, answer.content
        options[kind] = Option.objects.get(plan=plan, kind=kind)
        assert answer.json() == {
            "id": options[kind].pk, "kind": kind, "title": title,
            "capital_cost": f"{capital:.2f}", "revenue_cost": f"{revenue:.2f}",
            "expected_effect": f"The effect of {kind}", "risks": "", "chosen": False}
    assert options["do_minimum"].revenue_cost == 390000.5

    why = "It reaches the families with the highest excess weight."
    answer = lead.post(f"{at}/choice", {"option": options["other"].pk, "reason": why})
    assert answer.status_code == 200, answer.content
    assert ([(o["kind"], o["chosen"]) for o in answer.json()["options"]],
            answer.json()["choice_reason"]) == (
        [("bau", False), ("do_minimum", False), ("other", True)], why)

    answer = lead.post(f"{at}/moves", {"move": "open"})
    assert (answer.status_code, answer.json()["state"]) == (200, "challenge")
    assert answer.json()["stages"] == stages({key: f"Our answer on {key}" for key in WRITTEN})

    said = "Share the children's centres with the family intervention work."
    answer = api("police").post(f"{at}/comments", {"body": SAFER, "kind": "linkage",
                                                   "text": said})
    assert answer.status_code == 201, answer.content
    remark = ChallengeComment.objects.get(plan=plan)
    written = {"id": remark.pk, "body": SAFER, "kind": "linkage", "text": said,
               "written_by": "police.analyst",
               "written_at": answer.json()["written_at"], "answer": None,
               "answered_by": None, "answered_at": None}
    assert answer.json() == written

    unanswered = "Safer Gateshead Partnership's comment on a linkage is not answered yet."
    assert problems(lead.post(f"{at}/moves", {"move": "agree"})) == (
        422, invalid(unanswered, unanswered))
    assert DeliveryPlan.objects.get(pk=plan.pk).state == "challenge"

    reply = "Agreed: the programme shares the centres and one referral form."
    answer = lead.post(f"{at}/comments/{remark.pk}/answer", {"answer": reply})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {**written, "answer": reply, "answered_by": "theme.lead",
                             "answered_at": answer.json()["answered_at"]}
    assert answer.json()["answered_at"] is not None

    answer = lead.post(f"{at}/moves", {"move": "agree"})
    assert answer.status_code == 200, answer.content
    agreed = answer.json()
    assert (agreed["state"], agreed["agreed_by"], agreed["comments"][0]["answer"]) == (
        "agreed", "theme.lead", reply)
    plan.refresh_from_db()
    assert (plan.state, plan.agreed_by.username) == ("agreed", "theme.lead")

    reasons = list(Change.objects.for_object(plan).order_by("time", "pk")
                   .values_list("action", "reason", "actor"))
    assert reasons == [
        ("create", f"Plan started for {HEALTHY_NAME}", "theme.lead"),
        ("update", "An option chosen from the short list", "theme.lead"),
        ("update", "Opened to challenge by the other partnerships", "theme.lead"),
        ("update", "Agreed after its challenge", "theme.lead")]
    assert [Change.objects.for_object(a).get().reason for a in PlanAnswer.objects.filter(
        plan=plan).order_by("question__stage", "question__order")] == [
        "Stage 1 answered", "Stage 1 answered", "Stage 4 answered", "Stage 5 answered"]
    assert list(Change.objects.for_object(options["bau"]).values_list("reason", flat=True)) \
        == ["An option added to the short list"]
    assert list(Change.objects.for_object(remark).order_by("time", "pk")
                .values_list("reason", "actor")) == [
        ("Safer Gateshead Partnership commented on the plan", "police.analyst"),
        (f"{HEALTHY_NAME} answered Safer Gateshead Partnership", "theme.lead")]


def test_someone_outside_the_lead_may_not_write_or_move_the_plan(api):
    plan = started(api)
    at = f"/api/plans/{plan.pk}"
    lead = api("theme_lead")
    option = lead.post(f"{at}/options", {"kind": "bau", "title": "As now",
                                         "expected_effect": "Level"}).json()["id"]
    police = api("police")
    assert refused(police.post(f"{at}/moves", {"move": "open"})) == (403, LEAD_ONLY)
    assert refused(police.post(f"{at}/options", {"title": "Ours", "expected_effect": "A"})) \
        == (403, LEAD_ONLY)
    assert refused(police.put(f"{at}/answers/priority", {"text": "Ours"})) == (403, LEAD_ONLY)
    assert refused(police.post(f"{at}/choice", {"option": option, "reason": "Ours"})) == (
        403, LEAD_ONLY)
    plan.refresh_from_db()
    assert (plan.state, plan.choice_reason, plan.answers.count(),
            list(plan.options.values_list("title", "chosen"))) == (
        "draft", "", 0, [("As now", False)])
    assert refused(police.post("/api/plans", {"title": "Ours", "lead": HEALTHY,
                                              "outcome": WEIGHT})) == (
        403, f"Only the members of {HEALTHY_NAME} and the partnership officer may start a "
             "plan it leads.")
    assert DeliveryPlan.objects.filter(title="Ours").count() == 0


def test_an_appraisal_without_business_as_usual_and_do_minimum_is_refused(api):
    plan = started(api)
    at = f"/api/plans/{plan.pk}"
    lead = api("theme_lead")
    for key in WRITTEN:
        assert lead.put(f"{at}/answers/{key}", {"text": "Answered"}).status_code == 200
    option = lead.post(f"{at}/options", {"title": "A family programme",
                                         "expected_effect": "Fewer children overweight"})
    assert lead.post(f"{at}/choice", {"option": option.json()["id"],
                                      "reason": "It works"}).status_code == 200
    assert problems(lead.post(f"{at}/moves", {"move": "open"})) == (422, invalid(
        "There are 2 problems: see problems.",
        "The short list has no “business as usual” option: add it, with its costs, effect "
        "and risks, so the chosen option is weighed against it.",
        "The short list has no “do minimum” option: add it, with its costs, effect and risks, "
        "so the chosen option is weighed against it."))
    assert DeliveryPlan.objects.get(pk=plan.pk).state == "draft"
    assert problems(lead.post(f"{at}/moves", {"move": "agree"})) == (422, invalid(
        "A plan is agreed after its challenge.", "A plan is agreed after its challenge."))


def test_a_plan_is_started_for_one_outcome_or_indicator_by_a_theme_partnership(api):
    lead = api("theme_lead")
    answer = lead.post("/api/plans", {"title": "Year 6", "lead": HEALTHY,
                                      "indicator": "hw 02"})
    assert answer.status_code == 201, answer.content
    assert (answer.json()["indicator"], answer.json()["outcome"]) == ("HW 02", None)
    before = DeliveryPlan.objects.count()
    assert problems(lead.post("/api/plans", {"title": "x", "lead": "nope",
                                             "outcome": WEIGHT})) == (422, invalid(
        "The request is not valid: see lead.", "there is no body 'nope'", column="lead"))
    assert problems(lead.post("/api/plans", {"title": "x", "lead": HEALTHY,
                                             "outcome": "Nope"})) == (422, invalid(
        "The request is not valid: see outcome.", "there is no outcome 'Nope'",
        column="outcome"))
    assert problems(lead.post("/api/plans", {"title": "x", "lead": HEALTHY,
                                             "indicator": "ZZ 99"})) == (422, invalid(
        "The request is not valid: see indicator.", "there is no indicator 'ZZ 99'",
        column="indicator"))
    both = "Choose one outcome or one indicator for the plan, not both."
    assert problems(lead.post("/api/plans", {"title": " ", "lead": HEALTHY})) == (
        422, invalid("There are 2 problems: see problems.", "Give the plan a title.", both))
    assert problems(lead.post("/api/plans", {"title": "x", "lead": "steering-group",
                                             "outcome": WEIGHT})) == (422, invalid(
        *["Steering Group is not a theme or district partnership: one of those leads a delivery "
          "plan."] * 2))
    assert DeliveryPlan.objects.count() == before


def test_only_another_theme_partnership_comments_while_the_plan_is_challenged(api):
    plan = DeliveryPlan.objects.get(title="Less harm from alcohol")
    at = f"/api/plans/{plan.pk}"
    before = plan.comments.count()
    police = api("police")
    assert problems(police.post(f"{at}/comments", {"body": SAFER, "kind": "gap",
                                                   "text": "Ours"})) == (422, invalid(
        *["Comments come from the other theme and district partnerships."] * 2))
    assert refused(police.post(f"{at}/comments", {"body": HEALTHY, "kind": "gap",
                                                  "text": "A gap"})) == (
        403, f"Only members of {HEALTHY_NAME} may comment in its name.")
    assert problems(police.post(f"{at}/comments", {"body": "nope", "kind": "gap",
                                                   "text": "A gap"})) == (422, invalid(
        "The request is not valid: see body.", "there is no body 'nope'", column="body"))
    draft = DeliveryPlan.objects.get(title="More people in work")
    assert problems(api("pct").post(f"/api/plans/{draft.pk}/comments", {
        "body": HEALTHY, "kind": "gap", "text": "A gap"})) == (422, invalid(
            *["Comments are made while the plan is open to challenge."] * 2))
    remark = plan.comments.get()
    assert refused(api("pct").post(f"{at}/comments/{remark.pk}/answer",
                                   {"answer": "Ours"})) == (
        403, "Only the members of Safer Gateshead Partnership, the plan's owner and the "
             "partnership officer may do this.")
    assert refused(police.post(f"/api/plans/{draft.pk}/comments/{remark.pk}/answer",
                               {"answer": "x"})) == (
        404, f"There is no comment {remark.pk} on plan {draft.pk}.")
    assert (plan.comments.count(), plan.comments.get().answer) == (before, "")
