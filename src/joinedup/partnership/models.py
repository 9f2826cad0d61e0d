"""Organisations, bodies (the layers of the partnership), people and their memberships."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse

from joinedup.common.querysets import PartnersOnly, RestrictedQuerySet
from joinedup.history.recording import ChangeRecorded

PUBLIC_SECTOR = "Public sector"
PRIVATE_SECTOR = "Private sector"
VOLUNTARY_SECTOR = "Voluntary and community sector"

SECTOR_CHOICES = [
    (
        PUBLIC_SECTOR,
        [
            ("council", "Council"),
            ("nhs", "NHS"),
            ("police", "Police"),
            ("fire", "Fire and rescue"),
            ("probation", "Probation"),
            ("education", "Education"),
            ("housing", "Housing"),
            ("other_public", "Other public body"),
        ],
    ),
    (PRIVATE_SECTOR, [("private", "Business")]),
    (VOLUNTARY_SECTOR, [("voluntary", "Voluntary or community group")]),
]
BROAD_SECTOR = {code: group for group, items in SECTOR_CHOICES for code, _ in items}


class Organisation(ChangeRecorded):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=60, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    sector = models.CharField(max_length=20, choices=SECTOR_CHOICES)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    website = models.URLField(blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def broad_sector(self) -> str:
        return BROAD_SECTOR[self.sector]

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Person(AbstractUser):
    """Someone who signs in, or sits on a body. Their organisation decides what they may see."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="people",
        help_text="The partner this person works for.",
    )
    job_title = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ["last_name", "first_name", "username"]
        permissions = [
            ("view_all_data", "Can see every indicator and value, whatever its sharing"),
            ("manage_framework", "Can set up themes, outcomes, indicators and targets"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username


class BodyQuerySet(RestrictedQuerySet):
    def layers(self) -> list[Body]:
        """The bodies as a tree: the top bodies, each with ``lower_layers`` beneath it."""
        bodies = list(self.select_related("parent", "area"))
        known = {body.pk for body in bodies}
        for body in bodies:
            body.lower_layers = []
        by_pk = {body.pk: body for body in bodies}
        roots = []
        for body in sorted(bodies, key=lambda b: (b.order, b.name)):
            parent = by_pk.get(body.parent_id) if body.parent_id in known else None
            (parent.lower_layers if parent else roots).append(body)
        return roots


class Body(ChangeRecorded):
    class Kind(models.TextChoices):
        BOARD = "board", "Board"
        EXECUTIVE = "executive", "Executive or management group"
        FINANCE_GROUP = "finance_group", "Finance officers' group"
        THEME_PARTNERSHIP = "theme_partnership", "Theme partnership"
        AREA_FORUM = "area_forum", "Area forum"
        DISTRICT_PARTNERSHIP = "district_partnership", "District partnership"
        PUBLIC_SERVICE_BOARD = "public_service_board", "Public service board"
        TASK_AND_FINISH = "task_and_finish", "Task-and-finish group"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        help_text="The body this one reports to.",
    )
    purpose = models.TextField(blank=True)
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="bodies",
        help_text="For area forums and district partnerships: the place they cover.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    objects = BodyQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "bodies"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("partnership:body", args=[self.slug])

    def chair(self):
        membership = self.memberships.filter(role=Membership.Role.CHAIR).select_related(
            "person", "organisation"
        ).first()
        return membership


class MembershipQuerySet(PartnersOnly, RestrictedQuerySet):
    """Who sits on which body is shared among partners, not published."""


class Membership(ChangeRecorded):
    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"
        OFFICER = "officer", "Officer"

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships",
        help_text="The organisation this person represents on the body.",
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["body", "role", "person"]
        constraints = [
            models.UniqueConstraint(fields=["body", "person"], name="one_membership_per_body")
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()}, {self.organisation.display_name})"



# API tokens belong to people, and meetings to bodies; each has a module of its own.
from joinedup.partnership.meetings import AgendaSlot, Meeting, ReportingCycle  # noqa: E402, F401
from joinedup.partnership.tokens import ApiToken  # noqa: E402, F401
