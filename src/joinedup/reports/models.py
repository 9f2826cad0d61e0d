"""Packs: a body's report for a meeting or a period, as a PDF, HTML or Excel file.

A draft can be rebuilt at any time. Issuing builds it once more, marked issued, and
freezes it: its bytes are kept with their SHA-256 and are never rebuilt or changed, so the
pack can be downloaded as issued, byte for byte, whatever changes later. The freeze is
kept here, in the model, so no page, command or task can get round it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from joinedup.common.querysets import PartnersOnly, RestrictedQuerySet
from joinedup.common.tasks import TrackedWork
from joinedup.history.recording import ChangeRecorded
from joinedup.partnership import roles


class PackFrozen(Exception):
    """An attempt to change or remove an issued pack."""


class PackQuerySet(PartnersOnly, RestrictedQuerySet):
    """Packs go to the partners round the table, not to the public."""

    def editable_by(self, user):
        """Packs ``user`` may build and issue (``roles.pack_bodies``)."""
        return self.filter(body__in=roles.pack_bodies(user))

    def issued(self):
        return self.filter(state=Pack.State.ISSUED)

    def published(self):
        """Issued packs their body has put on the public site: the one rule for what the
        public sees of packs (``PackPublication``)."""
        return self.issued().filter(publication__isnull=False)

    def update(self, **kwargs):
        _refuse_issued(self, "changed")
        return super().update(**kwargs)

    def delete(self):
        _refuse_issued(self, "removed")
        return super().delete()


def _refuse_issued(packs, verb: str) -> None:
    issued = packs.filter(state=Pack.State.ISSUED).values_list("pk", flat=True).first()
    if issued is not None:
        raise PackFrozen(f"Pack {issued} is issued, so it cannot be {verb}.")


class Pack(ChangeRecorded, TrackedWork):
    stopped_message = (
        "Building stopped before it finished, because the service was restarted, so the "
        "pack was not changed. Build it again.")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        HTML = "html", "HTML"
        XLSX = "xlsx", "Excel"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    body = models.ForeignKey("partnership.Body", on_delete=models.PROTECT, related_name="packs")
    period = models.CharField(max_length=40, help_text="The reporting period, such as "
                                                       "2026/27 Q2.")
    meeting = models.ForeignKey("partnership.Meeting", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="packs",
                                help_text="The meeting the pack is for, if any.")
    format = models.CharField(max_length=4, choices=Format.choices)
    state = models.CharField(max_length=6, choices=State.choices, default=State.DRAFT)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the file as built.")
    size = models.PositiveBigIntegerField(default=0, help_text="Of the file, in bytes.")
    created_at = models.DateTimeField(default=timezone.now)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    built_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    manifest = models.JSONField(
        default=dict, blank=True,
        help_text="What the pack holds: its sections, and each exception with its state and "
                  "decision when it was built.")

    objects = PackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(
            condition=Q(state="draft") | (Q(issued_at__isnull=False) & ~Q(sha256="")),
            name="an_issued_pack_has_its_file_and_date")]

    def __str__(self):
        what = f"{self.body} pack for {self.meeting_words or self.period}"
        return f"{what} ({self.get_format_display()}, {self.get_state_display().lower()})"

    def get_absolute_url(self):
        return reverse("reports:pack", args=[self.pk])

    @property
    def meeting_words(self) -> str:
        if self.meeting is None:
            return ""
        return f"the meeting on {timezone.localtime(self.meeting.starts):%-d %B %Y}"

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED

    @property
    def has_file(self) -> bool:
        return bool(self.sha256)

    @property
    def file_name(self) -> str:
        """Such as ``gsp-board-2026-27-q2.pdf``; a draft says so in its name."""
        period = "".join(c if c.isalnum() else "-" for c in self.period.lower()).strip("-")
        while "--" in period:
            period = period.replace("--", "-")
        draft = "" if self.is_issued else "-draft"
        return f"{self.body.slug}-{period}{draft}.{self.format}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            _refuse_issued(Pack.objects.filter(pk=self.pk), "changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_issued(Pack.objects.filter(pk=self.pk), "removed")
        return super().delete(*args, **kwargs)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PackFile(models.Model):
    """The bytes of a pack, in a table of their own: the pack's row is written as its build
    goes on, and a file kept in it would be written again each time."""

    pack = models.OneToOneField(Pack, primary_key=True, on_delete=models.CASCADE,
                                related_name="file")
    content = models.BinaryField()

    def __str__(self):
        return f"the file of {self.pack}"

    def save(self, *args, **kwargs):
        _refuse_issued(Pack.objects.filter(pk=self.pack_id), "changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_issued(Pack.objects.filter(pk=self.pack_id), "removed")
        return super().delete(*args, **kwargs)


class PackPublication(ChangeRecorded):
    """A body's decision to put one of its issued packs on the public site.

    Kept beside the pack, not in it: an issued pack is frozen, and publishing or
    withdrawing it changes nothing in the file the members received. Withdrawing removes
    the row; both are recorded with who and when, as every change is.
    """

    pack = models.OneToOneField(Pack, primary_key=True, on_delete=models.CASCADE,
                                related_name="publication")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    def __str__(self):
        return f"{self.pack}, published"
