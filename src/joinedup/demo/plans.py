"""The demonstration partnership's delivery plans, from ``plans.toml``.

Three plans on the five-stage standard, each left where the data says: one agreed, with
its option appraisal and a challenge comment answered; one open to challenge, with a
comment not answered yet; one draft. They are moved there by the planning rules
(``strategy.planning``), as their owners, so the rules hold and the history records each
move; a plan is written from the engine (``risks.plan_facts.refresh``) before it is agreed,
so it keeps the forecast it was agreed on. Build them after the demo's assessment run, so
the generated stages have figures to say. Building twice changes nothing the second time:
a plan already where the data leaves it is not moved again.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from importlib import resources as package_files

from django.db import transaction

from joinedup.demo.build import set_many, upsert
from joinedup.history.recording import recorded_as
from joinedup.partnership.models import Body, Person
from joinedup.risks.plan_facts import REFRESHED, refresh
from joinedup.strategy import planning
from joinedup.strategy.delivery import DeliveryPlan, Option, PlanAnswer, PlanQuestion
from joinedup.strategy.models import Indicator, Outcome, PathwayAction

REASON = "The demonstration partnership's delivery plans, invented to show how planning works"
State = DeliveryPlan.State


def catalogue() -> dict:
    path = package_files.files("joinedup.demo") / "data" / "plans.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def build_plans(now: dt.datetime) -> dict[str, int]:
    """Every plan in ``plans.toml``, moved to its state; how many plans in each state."""
    counts = {"plans": 0, State.DRAFT: 0, State.CHALLENGE: 0, State.AGREED: 0}
    questions = {q.key: q for q in PlanQuestion.objects.all()}
    with transaction.atomic():
        for item in catalogue()["plan"]:
            with recorded_as(actor="demo builder", reason=REASON):
                plan = _plan(item, questions)
            plan = _move(plan, item, now)
            counts["plans"] += 1
            counts[plan.state] += 1
    return counts


def _plan(item: dict, questions: dict[str, PlanQuestion]) -> DeliveryPlan:
    plan = upsert(DeliveryPlan, {"title": item["title"]}, {
        "outcome": Outcome.objects.get(title=item["outcome"]) if "outcome" in item else None,
        "indicator": (Indicator.objects.get(code=item["indicator"]) if "indicator" in item
                      else None),
        "lead": Body.objects.get(slug=item["lead"]),
        "owner": Person.objects.get(username=item["owner"]),
        "choice_reason": item["choice_reason"],
        "illustrative": item["illustrative"],
    })
    answers = item.get("answers", {})
    for key, text in answers.items():
        upsert(PlanAnswer, {"plan": plan, "question": questions[key]}, {"text": text})
    plan.answers.filter(question__generated=False).exclude(
        question__key__in=list(answers)).delete()
    options = item.get("option", [])
    for option in options:
        upsert(Option, {"plan": plan, "title": option["title"]}, {
            "kind": option["kind"], "capital_cost": Decimal(option["capital_cost"]),
            "revenue_cost": Decimal(option["revenue_cost"]),
            "expected_effect": option["expected_effect"], "risks": option["risks"],
            "chosen": option["chosen"]})
    plan.options.exclude(title__in=[o["title"] for o in options]).delete()
    set_many(plan.actions, [PathwayAction.objects.get(title=title) for title in item["actions"]])
    return plan


def _move(plan: DeliveryPlan, item: dict, now: dt.datetime) -> DeliveryPlan:
    """Move the plan on, as its owner, to the state the data leaves it in."""
    wanted, owner = item["state"], plan.owner
    if plan.state == State.DRAFT and wanted in (State.CHALLENGE, State.AGREED):
        refresh(plan, now=now)
        planning.open_to_challenge(plan, owner)
    if plan.state == State.CHALLENGE:
        for said in item.get("comment", []):
            found = plan.comments.filter(text=said["text"]).first()
            if found is None:
                found = planning.comment(
                    plan, body=Body.objects.get(slug=said["body"]),
                    person=Person.objects.get(username=said["written_by"]),
                    kind=said["kind"], text=said["text"], now=now)
            if said.get("answer") and not found.answer:
                planning.answer(found, person=owner, text=said["answer"], now=now)
        if wanted == State.AGREED:
            refresh(plan, now=now)
            planning.agree(plan, owner, now=now)
    if plan.state in REFRESHED:
        refresh(plan, now=now)
    return plan
