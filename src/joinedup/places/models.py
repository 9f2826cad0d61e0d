"""Areas: England down to LSOAs, with boundaries (GeoJSON) and IMD 2019 deprivation."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from joinedup.common.querysets import RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded


class Level(models.TextChoices):
    """Levels from largest to smallest; the order of this list is the order of the tree."""

    COUNTRY = "country", "Country"
    REGION = "region", "Region"
    POLICE_FORCE_AREA = "police_force_area", "Police force area"
    COUNTY = "county", "County"
    DISTRICT = "district", "District"
    COMMUNITY_SAFETY_PARTNERSHIP = "community_safety_partnership", "Community safety partnership"
    LOCALITY = "locality", "Locality"
    WARD = "ward", "Ward"
    LSOA = "lsoa", "Lower layer super output area"


LEVEL_RANK = {level.value: rank for rank, level in enumerate(Level)}


class AreaQuerySet(RestrictedQuerySet):
    def within(self, root_ids) -> set[int]:
        """The ids of the areas at or below any of ``root_ids``, at any depth."""
        roots = set(root_ids)
        parents = dict(self.values_list("pk", "parent_id"))
        found = set()
        for pk in parents:
            node = pk
            while node is not None and node not in roots:
                node = parents.get(node)
            if node is not None:
                found.add(pk)
        return found

    def in_tree_order(self):
        return sorted(self, key=lambda a: (LEVEL_RANK[a.level], a.name))

    def without_boundaries(self):
        return self.defer("boundary")


class Area(ChangeRecorded):
    code = models.CharField(
        max_length=20, unique=True,
        help_text="The ONS code (e.g. E08000037), or a local code for places ONS does not code.",
    )
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=40, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(
        null=True, blank=True, help_text="GeoJSON geometry in WGS84 longitude and latitude."
    )
    imd_rank = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="IMD 2019 rank",
        help_text="Index of Multiple Deprivation 2019 rank among English LSOAs; 1 is most deprived.",
    )
    population = models.PositiveIntegerField(
        null=True, blank=True, help_text="Usual residents (ONS mid-year estimate), the weight "
        "each area carries when gaps between areas are measured.",
    )
    imd_decile = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name="IMD 2019 decile",
        help_text="1 is the most deprived tenth of English LSOAs.",
    )
    deprivation_domains = models.JSONField(
        null=True, blank=True, help_text="For an LSOA: its rank among English LSOAs on each "
        "domain of the IMD 2019 (1 is most deprived), by domain.",
    )
    age_bands = models.JSONField(
        null=True, blank=True, help_text="For an LSOA: usual residents by broad age (ONS "
        "mid-2020 estimates): aged_0_15, aged_16_64 and aged_65_plus.",
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("places:area", args=[self.code])

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[self.level]

    def ancestors(self) -> list[Area]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
