"""The demonstration partnership's places, from ``localities.toml``: the outcomes three area
forums chose (the other two have not chosen yet, as in a real first round), residents'
priorities from a survey of East Gateshead's wards and from a forum meeting, and an
operation like Operation Goldfinch in Felling and Heworth, measured on the real police.uk
counts of anti-social behaviour (indicator SC 04).

Forums choose by the rule in ``localities.choosing``, as their chairs, so the history
records each choice; priorities are saved as an import saves them. All of it is invented
and marked illustrative. Building twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from importlib import resources as package_files

from joinedup.demo.build import set_many, upsert
from joinedup.history.recording import recorded_as
from joinedup.localities.choosing import choose_outcomes
from joinedup.localities.models import AreaPriority, Commitment, Operation, ResidentPriority
from joinedup.localities.priorities import save
from joinedup.partnership.models import Body, Organisation, Person
from joinedup.places.models import Area
from joinedup.strategy.models import Indicator, Outcome, PathwayAction

REASON = "The demonstration partnership's residents' priorities, invented for the demo"
OPERATIONS = "An invented operation, measured on real police.uk counts"


def catalogue() -> dict:
    path = package_files.files("joinedup.demo") / "data" / "localities.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def build_localities(now: dt.datetime) -> dict[str, int]:
    data = catalogue()
    outcomes = {o.title: o for o in Outcome.objects.all()}
    forums = 0
    for item in data["forum"]:
        forum = Body.objects.get(slug=item["slug"])
        wanted = [(outcomes[title], reason) for title, reason in item["outcomes"]]
        held = list(AreaPriority.objects.filter(forum=forum).order_by("order")
                    .values_list("outcome_id", "reason", "illustrative"))
        if held != [(o.pk, r, True) for o, r in wanted]:
            choose_outcomes(forum, wanted, person=Person.objects.get(username=item["chair"]),
                            now=now, illustrative=True)
        forums += 1
    wards = {a.name: a.pk for a in Area.objects.filter(level="ward")}
    officer = Person.objects.get(username="officer")
    rows = []
    for survey in data["survey"]:
        for ward, held in survey["wards"].items():
            for issue, count in held["issues"]:
                rows.append({"area_id": wards[ward], "issue": issue,
                             "consultation": survey["consultation"],
                             "collected_on": dt.date.fromisoformat(survey["collected_on"]),
                             "count": count, "sample_size": held.get("answered"),
                             "source": survey["source"]})
    save(rows, person=officer, reason=REASON, illustrative=True)
    with recorded_as(actor="demo builder", reason=OPERATIONS):
        operations = [_operation(item, wards) for item in data.get("operation", [])]
    return {"forums": forums, "priorities": len(rows), "operations": len(operations)}


def _operation(item: dict, wards: dict[str, int]) -> Operation:
    made = upsert(Operation, {"slug": item["slug"]}, {
        "title": item["title"], "lead": Body.objects.get(slug=item["lead"]),
        "summary": item["summary"], "starts": dt.date.fromisoformat(item["starts"]),
        "ends": dt.date.fromisoformat(item["ends"]),
        "follow_up": dt.date.fromisoformat(item["follow_up"]),
        "measured_by": Indicator.objects.get(code=item["measured_by"]),
        "illustrative": True})
    set_many(made.target_areas, list(Area.objects.filter(code__in=item["targets"])))
    set_many(made.issues, [ResidentPriority.objects.get(area_id=wards[ward], consultation=c,
                                                        issue=issue)
                           for ward, c, issue in item["issues"]])
    set_many(made.actions, list(PathwayAction.objects.filter(title__in=item["actions"])))
    for given in item["commitments"]:
        upsert(Commitment, {"operation": made,
                            "partner": Organisation.objects.get(slug=given["partner"])}, {
            "officer_days": Decimal(str(given["officer_days"])),
            "cash": Decimal(str(given["cash"])), "in_kind": given["in_kind"],
            "in_kind_value": Decimal(str(given.get("in_kind_value", 0)))})
    return made
