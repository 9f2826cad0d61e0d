"""Each body's constitution, kept with versions, and the information-sharing charter.

A body's constitution is three documents: its terms of reference, its membership rules and
its code of conduct. A document is never edited in place: each change is a new version,
with who wrote it, when and why, and every earlier version stays readable. The one in
force is the newest. A body with no code of conduct of its own is bound by the nearest
one above it in the layers (the Board's, in the demonstration), as Blackburn's
constitution has one code of conduct for every member of the partnership.

The charter says which partner shares which data with whom, and for what: "NHS Gateshead
shares its indicators on the Children and Young People theme with Gateshead Council, to
plan early help, from 1 April 2009, agreed by the Board". It is the rule for who outside
the owner may see a restricted indicator or a partner's spend (``constitution.querysets``);
an entry is ended rather than deleted, so the charter as it stood on any day can be read.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from joinedup.constitution.querysets import CharterQuerySet, DocumentQuerySet
from joinedup.history.recording import ChangeRecorded


class Document(ChangeRecorded):
    """One of a body's three constitutional documents; its text is in its versions."""

    class Kind(models.TextChoices):
        TERMS_OF_REFERENCE = "terms", "Terms of reference"
        MEMBERSHIP_RULES = "membership", "Membership rules"
        CODE_OF_CONDUCT = "conduct", "Code of conduct"

    body = models.ForeignKey("partnership.Body", on_delete=models.CASCADE,
                             related_name="constitution_documents")
    kind = models.CharField(max_length=12, choices=Kind.choices)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["body__order", "body__name", "kind"]
        constraints = [models.UniqueConstraint(fields=["body", "kind"],
                                               name="one_document_of_a_kind_per_body")]

    def __str__(self):
        return f"{self.body}: {self.get_kind_display().lower()}"

    def current(self) -> DocumentVersion | None:
        return self.versions.order_by("-number").first()


class DocumentVersion(ChangeRecorded):
    """A document's text as written at one time. Never changed once written."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    reason = models.TextField(help_text="Why this version was written.")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"],
                                               name="one_version_number_per_document")]

    def __str__(self):
        return f"{self.document}, version {self.number}"

    def get_absolute_url(self):
        return reverse("constitution:version",
                       args=[self.document.body.slug, self.document.kind, self.number])


class CharterEntry(ChangeRecorded):
    """One partner's agreement to share one kind of its data with another partner (or
    with every partner), for a stated purpose, from a start date until it is ended."""

    class Data(models.TextChoices):
        INDICATORS = "indicators", "Indicators"
        SPEND = "spend", "Spend"

    provider = models.ForeignKey("partnership.Organisation", on_delete=models.PROTECT,
                                 related_name="charter_shares_given",
                                 help_text="The partner whose data is shared.")
    recipient = models.ForeignKey(
        "partnership.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="charter_shares_received",
        help_text="The partner it is shared with; empty for every partner.")
    data = models.CharField(max_length=12, choices=Data.choices,
                            help_text="Restricted indicators the provider owns, or its "
                                      "budget lines and resources in kind.")
    theme = models.ForeignKey(
        "strategy.Theme", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Only the data of this theme; empty for every theme.")
    purpose = models.TextField(help_text="What the data is shared for.")
    agreed_by = models.CharField(max_length=200,
                                 help_text="Who agreed it: a body and its meeting, or people.")
    starts = models.DateField(help_text="The first day the data is shared.")
    ends = models.DateField(null=True, blank=True,
                            help_text="The first day it is no longer shared.")
    end_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    objects = CharterQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "data", "starts", "pk"]
        verbose_name = "charter entry"
        verbose_name_plural = "charter entries"
        indexes = [models.Index(fields=["data", "provider"], name="charter_by_data_provider")]

    def __str__(self):
        to = self.recipient.display_name if self.recipient_id else "every partner"
        theme = f" on {self.theme.name}" if self.theme_id else ""
        return f"{self.provider.display_name} shares {self.get_data_display().lower()}" \
               f"{theme} with {to}"

    def get_absolute_url(self):
        return reverse("constitution:entry", args=[self.pk])

    def in_force_on(self, day) -> bool:
        return self.starts <= day and (self.ends is None or self.ends > day)

    def clean(self):
        super().clean()
        if self.recipient_id and self.recipient_id == self.provider_id:
            raise ValidationError({"recipient": "A partner always sees its own data: choose "
                                                "another partner, or every partner."})
        if self.ends is not None and self.starts is not None and self.ends < self.starts:
            raise ValidationError({"ends": "The entry cannot end before it starts."})
