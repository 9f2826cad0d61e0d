"""The demonstration partnership's risk register, from ``risks.toml``.

Each risk is linked to the outcomes, indicators, targets and pooled budgets it threatens,
held by a body and owned by one of the demo's people, with the controls and mitigations
that the pathway's actions deliver. Its scores of the last quarters are dated from the
quarter the demo is built in, so the register always shows what moved since the last
quarter. Every risk is checked as the register checks a score: within the model's rules,
and a current score below the inherent one only with a control in place. Build it before
the demo's assessment run, so that the risks a target drives get the likelihoods the
forecasts propose. Building twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources as package_files

from django.core.exceptions import ValidationError
from django.utils import timezone

from joinedup.core.periods import financial_quarter
from joinedup.demo.build import set_many, upsert
from joinedup.history.recording import recorded_as
from joinedup.partnership.models import Body, Person
from joinedup.resources.models import PooledBudget
from joinedup.risks.models import Category, Control, Risk, Score
from joinedup.risks.scoring import check_justified, quarter_of
from joinedup.strategy.models import Indicator, Outcome, PathwayAction, Target

SCORED_AT = dt.time(10, 0)
REASON = "The demonstration partnership's risk register, invented to show how it works"


def catalogue() -> dict:
    path = package_files.files("joinedup.demo") / "data" / "risks.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def build_risks(today: dt.date) -> dict[str, int]:
    """Every risk in ``risks.toml`` with its controls and score history; counts of each."""
    counts = {"risks": 0, "restricted": 0, "controls": 0, "scores": 0}
    with recorded_as(actor="demo builder", reason=REASON):
        for item in catalogue()["risk"]:
            risk = _risk(item, today)
            counts["controls"] += _controls(risk, item["control"])
            counts["scores"] += _history(risk, item["history"], today)
            _check(risk, item)
            counts["risks"] += 1
            counts["restricted"] += risk.restricted
    return counts


def _target(code: str, period: str) -> Target:
    return Target.objects.get(indicator__code=code, period=period)


def _risk(item: dict, today: dt.date) -> Risk:
    inherent, current, aim = (item["inherent_score"], item["current_score"],
                              item["target_score"])
    driving = item.get("driving_target")
    risk = upsert(Risk, {"title": item["title"]}, {
        "cause": item["cause"], "effect": item["effect"],
        "category": Category.objects.get(slug=item["category"]),
        "owner": Person.objects.get(username=item["owner"]),
        "body": Body.objects.get(slug=item["body"]),
        "restricted": item["restricted"],
        "driving_target": _target(*driving) if driving else None,
        "inherent_likelihood": inherent["likelihood"], "inherent_impact": inherent["impact"],
        "likelihood": current["likelihood"], "impact": current["impact"],
        "target_likelihood": aim["likelihood"], "target_impact": aim["impact"],
        "review_date": financial_quarter(today).shift(item["review"]).last_day,
        "illustrative": item["illustrative"],
    })
    set_many(risk.outcomes, [Outcome.objects.get(title=title) for title in item["outcomes"]])
    set_many(risk.indicators, [Indicator.objects.get(code=code) for code in item["indicators"]])
    set_many(risk.targets, [_target(code, period) for code, period in item["targets"]])
    set_many(risk.pools, [PooledBudget.objects.get(slug=slug) for slug in item["pools"]])
    return risk


def _controls(risk: Risk, controls: list[dict]) -> int:
    for item in controls:
        control = upsert(Control, {"risk": risk, "description": item["description"]},
                         {"kind": item["kind"]})
        set_many(control.actions,
                 [PathwayAction.objects.get(title=title) for title in item["actions"]])
    stale = risk.controls.exclude(description__in=[c["description"] for c in controls])
    for control in stale:
        control.delete()
    return len(controls)


def scored_at(quarters_ago: int, day: int, today: dt.date) -> dt.datetime:
    """``day`` days into the quarter ``quarters_ago`` before the one ``today`` is in; in
    this quarter, on its first day if that day is yet to come."""
    start = financial_quarter(today).shift(-quarters_ago).start
    when = start + dt.timedelta(days=day - 1)
    if when > today:
        when = start
    return timezone.make_aware(dt.datetime.combine(when, SCORED_AT))


def _history(risk: Risk, history: list[dict], today: dt.date) -> int:
    """The risk's scores quarter by quarter, exactly as the data says; others removed."""
    kept = []
    for item in history:
        recorded_at = scored_at(item["quarters_ago"], item["day"], today)
        quarter = quarter_of(timezone.localdate(recorded_at))
        kept.append(upsert(Score, {"risk": risk, "quarter": quarter}, {
            "likelihood": item["likelihood"], "impact": item["impact"],
            "source": item["source"], "reason": item["reason"],
            "recorded_by": risk.owner, "recorded_at": recorded_at}).pk)
    for score in risk.scores.exclude(pk__in=kept):
        score.delete()
    return len(kept)


def _check(risk: Risk, item: dict) -> None:
    """Refuse a risk the register itself would refuse, naming it."""
    last = item["history"][-1]
    try:
        risk.full_clean()
        check_justified(risk, risk.likelihood, risk.impact)
        if (last["likelihood"], last["impact"]) != (risk.likelihood, risk.impact):
            raise ValidationError("the last score in its history is not its current score")
    except ValidationError as error:
        raise ValidationError(f"risks.toml, {risk.title!r}: {error}") from error
