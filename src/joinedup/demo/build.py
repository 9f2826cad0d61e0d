"""Build the demonstration partnership: places, partners, bodies, people and the strategy.

Every step is an upsert keyed on a natural key (a code, slug or username), so building
twice leaves the database exactly as building once did, and records no change the second
time. Figures, targets and milestones are in ``figures.py``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils import timezone

from joinedup.demo.figures import build_targets, build_values, record_area_levels
from joinedup.demo.sources import DemoSources
from joinedup.partnership.models import Body, Membership, Organisation, Person
from joinedup.places.models import Area
from joinedup.strategy.models import (
    Indicator,
    Outcome,
    PathwayAction,
    ProgressNote,
    Strategy,
    Theme,
)

OFFICERS_GROUP = "Partnership officers"
OFFICER_PERMISSIONS = [
    ("partnership", "view_all_data"),
    ("partnership", "manage_framework"),
    *[(app, f"{action}_{model}") for app, model in (
        ("strategy", "strategy"), ("strategy", "theme"), ("strategy", "outcome"),
        ("strategy", "indicator"), ("strategy", "target"), ("strategy", "milestone"),
        ("strategy", "pathwayaction"), ("partnership", "organisation"),
        ("partnership", "body"), ("partnership", "membership"), ("partnership", "person"),
        ("places", "area"), ("returns", "datavalue"),
    ) for action in ("view", "add", "change")],
    ("history", "view_change"),
]


def upsert(model: type[models.Model], lookup: dict, values: dict) -> models.Model:
    """Create or update one row, saving only when something differs."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        return obj
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    return obj


def set_many(manager, wanted: list) -> None:
    """Make a many-to-many relation hold exactly ``wanted``, touching it only if needed."""
    if {obj.pk for obj in manager.all()} != {obj.pk for obj in wanted}:
        manager.set(wanted)


class FrameworkBuilder:
    """Builds everything except the figures; each method returns a lookup for later steps."""

    def __init__(self, sources: DemoSources, tick: Callable[[str], None] = lambda _: None):
        self.sources = sources
        self.catalogue = sources.catalogue
        self.tick = tick

    def areas(self) -> dict[str, Area]:
        boundaries = self.sources.boundaries
        profiles = self.sources.lsoa_profiles
        built: dict[str, Area] = {}
        for row in self.sources.areas:
            profile = profiles.get(row["code"], {})
            built[row["code"]] = upsert(Area, {"code": row["code"]}, {
                "name": row["name"],
                "level": row["level"],
                "parent": built.get(row["parent"]) if row["parent"] else None,
                "boundary": boundaries.get(row["code"]),
                "population": int(row["population"]) if row.get("population") else None,
                "imd_rank": int(row["imd_rank"]) if row.get("imd_rank") else None,
                "imd_decile": int(row["imd_decile"]) if row.get("imd_decile") else None,
                "deprivation_domains": {k: v for k, v in profile.items()
                                        if not k.startswith("aged_")} or None,
                "age_bands": {k: v for k, v in profile.items() if k.startswith("aged_")}
                or None,
            })
        self.tick("places")
        return built

    def organisations(self) -> dict[str, Organisation]:
        built = {
            item["slug"]: upsert(Organisation, {"slug": item["slug"]}, {
                "name": item["name"],
                "short_name": item.get("short_name", ""),
                "sector": item["sector"],
            })
            for item in self.catalogue["organisation"]
        }
        self.tick("partners")
        return built

    def bodies(self, areas: dict[str, Area]) -> dict[str, Body]:
        built: dict[str, Body] = {}
        for item in self.catalogue["body"]:
            built[item["slug"]] = upsert(Body, {"slug": item["slug"]}, {
                "name": item["name"],
                "kind": item["kind"],
                "parent": built.get(item.get("parent")),
                "purpose": item.get("purpose", ""),
                "area": areas.get(item.get("area")),
                "order": item.get("order", 0),
            })
        self.tick("bodies")
        return built

    def people(self, organisations, bodies) -> dict[str, Person]:
        officers = self._officers_group()
        built: dict[str, Person] = {}
        for item in self.catalogue["person"]:
            person = upsert(Person, {"username": item["username"]}, {
                "first_name": item["first_name"],
                "last_name": item["last_name"],
                "job_title": item.get("job_title", ""),
                "organisation": organisations[item["organisation"]],
                "email": f"{item['username']}@example.org",
                "is_staff": bool(item.get("officer")),
            })
            password = item.get("password")
            if password and not person.check_password(password):
                person.set_password(password)
                person.save(update_fields=["password"])
            elif not password and person.has_usable_password():
                person.set_unusable_password()
                person.save(update_fields=["password"])
            if item.get("officer") and not person.groups.filter(pk=officers.pk).exists():
                person.groups.add(officers)
            for body_slug, role in item.get("memberships", []):
                upsert(Membership, {"body": bodies[body_slug], "person": person}, {
                    "organisation": person.organisation, "role": role,
                })
            built[item["username"]] = person
        self.tick("people")
        return built

    def _officers_group(self) -> Group:
        group, _ = Group.objects.get_or_create(name=OFFICERS_GROUP)
        wanted = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in OFFICER_PERMISSIONS
        ]
        set_many(group.permissions, wanted)
        return group

    def strategy(self, areas, organisations, bodies) -> dict[str, Indicator]:
        """The partnership's strategy and, in a two-tier area, each district's beneath it;
        then the themes (a theme names its district strategy, or belongs to the main one),
        outcomes and indicators (a district indicator names the county outcome it feeds)."""
        main = self._strategy(self.catalogue["strategy"], areas, bodies, parent=None,
                              area=self.catalogue["partnership"]["home_area"],
                              comparators=self.catalogue["partnership"]["comparators"])
        strategies = {main.slug: main}
        for spec in self.catalogue.get("district_strategy", []):
            strategies[spec["slug"]] = self._strategy(
                spec, areas, bodies, parent=main, area=spec["area"],
                comparators=spec["comparators"])
        outcomes: dict[str, Outcome] = {}
        for order, item in enumerate(self.catalogue["theme"]):
            theme = upsert(Theme, {"slug": item["slug"]}, {
                "strategy": strategies[item.get("strategy", main.slug)],
                "name": item["name"],
                "cross_cutting": item.get("cross_cutting", False),
                "body": bodies[item["body"]],
                "summary": item.get("summary", ""),
                "order": order,
            })
            for position, title in enumerate(item["outcomes"]):
                outcomes[title] = upsert(Outcome, {"theme": theme, "title": title},
                                         {"order": position})
        indicators = {}
        for item in self.catalogue["indicator"]:
            outcome = outcomes[item["outcome"]]
            indicator = upsert(Indicator, {"code": item["code"]}, {
                "slug": item["code"].lower().replace(" ", "-"),
                "outcome": outcome,
                "contributes_to": outcomes[item["contributes_to"]]
                if "contributes_to" in item else None,
                "title": item["title"],
                "definition": item["definition"],
                "unit": item["unit"],
                "decimals": item["decimals"],
                "allows_negative": item.get("allows_negative", False),
                "polarity": item["polarity"],
                "frequency": item["frequency"],
                "kind": item["kind"],
                "source": item["source"],
                "owner": organisations[item["owner"]],
                "lead_body": bodies[item.get("lead_body")] if item.get("lead_body")
                else outcome.theme.body,
                "visibility": item.get("visibility", "public"),
            })
            indicators[item["code"]] = indicator
        self.pathway(outcomes, organisations)
        self.tick("strategy")
        return indicators

    @staticmethod
    def _strategy(spec: dict, areas, bodies, *, parent, area: str,
                  comparators: list[str]) -> Strategy:
        strategy = upsert(Strategy, {"slug": spec["slug"]}, {
            "name": spec["name"],
            "kind": spec["kind"],
            "starts": dt.date.fromisoformat(spec["starts"]),
            "ends": dt.date.fromisoformat(spec["ends"]),
            "area": areas[area],
            "vision": spec.get("vision", ""),
            "parent": parent,
            "body": bodies[spec["body"]] if "body" in spec else None,
        })
        set_many(strategy.comparators, [areas[c] for c in comparators])
        return strategy

    def pathway(self, outcomes: dict[str, Outcome], organisations) -> int:
        """The pathway's dated actions (``pathway.toml``), with their owners' notes."""
        path = self.sources.directory / "pathway.toml"
        if not path.exists():
            return 0
        with path.open("rb") as handle:
            actions = tomllib.load(handle)["action"]
        people = {p.username: p for p in Person.objects.all()}
        for item in actions:
            outcome = outcomes[item["outcome"]] if "outcome" in item else None
            action = upsert(PathwayAction, {"outcome": outcome, "title": item["title"]}, {
                "lead": organisations[item["lead"]],
                "owner": people[item["owner"]],
                "due": dt.date.fromisoformat(item["due"]),
                "status": item["status"],
                "progress": item["progress"],
                "illustrative": item["illustrative"],
                "note": item.get("note", ""),
            })
            for note in item.get("notes", []):
                written = timezone.make_aware(dt.datetime.fromisoformat(note["written"]))
                upsert(ProgressNote, {"action": action, "written_at": written},
                       {"note": note["text"], "written_by": people[note["by"]]})
        return len(actions)


BUILT_FROM = "Demonstration partnership built from published data"


@dataclass
class Framework:
    areas: dict[str, Area]
    bodies: dict[str, Body]
    people: dict[str, Person]
    indicators: dict[str, Indicator]
    counts: dict
    targets: int

    @property
    def summary(self) -> str:
        return (f"{len(self.indicators)} indicators, {len(self.areas)} areas, {self.targets} "
                f"illustrative targets; values {self.counts['created']} added, "
                f"{self.counts['changed']} changed, {self.counts['unchanged']} already up "
                "to date")


def build_framework(sources: DemoSources, tick: Callable[[str], None]) -> Framework:
    """Places, partners, bodies, people, strategies, figures and targets, in that order."""
    builder = FrameworkBuilder(sources, tick)
    areas = builder.areas()
    organisations = builder.organisations()
    bodies = builder.bodies(areas)
    people = builder.people(organisations, bodies)
    indicators = builder.strategy(areas, organisations, bodies)
    counts = build_values(sources.values, indicators, areas)
    record_area_levels(sources.values, indicators, areas)
    tick("figures")
    targets = build_targets(sources.values, indicators, areas, sources.catalogue)
    tick("targets")
    return Framework(areas, bodies, people, indicators, counts, targets)
