"""The county demonstration's sharing becomes charter entries by the same step as
Gateshead's, and each district council then sees its own restricted indicator only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from joinedup.constitution.models import CharterEntry
from joinedup.demo.constitution import charter_from_catalogue
from joinedup.demo.sources import COUNTY_DIR, DemoSources
from joinedup.partnership.models import Person
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db


def test_the_county_catalogues_sharing_becomes_the_charter():
    call_command("demo", "--county", "--no-migrate", "--quiet", stdout=io.StringIO())
    # The county build wrote the two entries; taking the catalogue again adds none.
    assert charter_from_catalogue(DemoSources(COUNTY_DIR).catalogue, timezone.localdate()) == 0
    assert sorted((e.provider.slug, e.recipient.slug, e.theme.slug) for e in
                  CharterEntry.objects.in_force().filter(provider__slug="nhs-warwickshire")) \
        == sorted((i.owner.slug, partner, i.theme.slug) for i, partner in (
            (Indicator.objects.get(code="NW 02"), "north-warwickshire-council"),
            (Indicator.objects.get(code="NB 02"), "nuneaton-bedworth-council")))
    seen = {username: set(Indicator.objects.visible_to(Person.objects.get(username=username))
                          .filter(code__in=["NW 02", "NB 02"]).values_list("code", flat=True))
            for username in ("nw.officer", "nb.officer")}
    assert seen == {"nw.officer": {"NW 02"}, "nb.officer": {"NB 02"}}
