"""The two-tier demonstration: Warwickshire's county partnership with the district
partnerships of North Warwickshire and of Nuneaton and Bedworth (``data/warwickshire``).

It is the framework alone (places, partners, bodies, people, the county's strategy and
each district's, real figures and illustrative targets), then an assessment, so the county
sees each district's contribution and each district its own figures. The quarterly cycle,
money, risks and places of the Gateshead demonstration are not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from joinedup.assessment.services import run_assessment
from joinedup.demo.build import BUILT_FROM, build_framework
from joinedup.demo.constitution import charter_from_catalogue
from joinedup.demo.sources import DemoSources
from joinedup.history.recording import recorded_as


def build_county(sources: DemoSources, tick: Callable[[str], None]) -> str:
    with transaction.atomic(), recorded_as(actor="demo builder", reason=BUILT_FROM):
        built = build_framework(sources, tick)
        charter_from_catalogue(sources.catalogue, timezone.localdate())
    run, _ = run_assessment(actor="demo builder")
    tick("assessment")
    districts = len(sources.catalogue.get("district_strategy", []))
    return f"{built.summary}; {districts} district partnerships; {run.flags_raised} flags open."
