"""The demonstration partnership's places, from ``localities.toml``: the outcomes three area
forums chose (the other two have not chosen yet, as in a real first round), and residents'
priorities from a survey of East Gateshead's wards and from a forum meeting.

Forums choose by the rule in ``localities.choosing``, as their chairs, so the history
records each choice; priorities are saved as an import saves them. All of it is invented
and marked illustrative. Building twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources as package_files

from joinedup.localities.choosing import choose_outcomes
from joinedup.localities.models import AreaPriority
from joinedup.localities.priorities import save
from joinedup.partnership.models import Body, Person
from joinedup.places.models import Area
from joinedup.strategy.models import Outcome

REASON = "The demonstration partnership's residents' priorities, invented for the demo"


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
    return {"forums": forums, "priorities": len(rows)}
