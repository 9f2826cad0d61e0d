"""API tokens: how a program acts for a person without their password.

A token is shown once, when it is made, and only a SHA-256 digest of it is kept, so a copy
of the database gives nobody a working token. A short prefix is kept in clear so a person
can tell their tokens apart. Each token belongs to one person and carries exactly their
permissions; it can be given an expiry date and revoked at any time.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from joinedup.common.querysets import PersonalQuerySet
from joinedup.history.recording import ChangeRecorded

#: Every token starts with this, so a leaked one is easy to recognise (and to scan for).
TOKEN_MARK = "ju_"  # nosec B105 - a public prefix that marks tokens, not a password
#: Characters kept in clear: the mark and the first eight random characters.
PREFIX_LENGTH = len(TOKEN_MARK) + 8
#: ``last_used`` is written at most this often, so reads do not each cost a write.
LAST_USED_EVERY = 60


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(PersonalQuerySet):
    """A person sees their own tokens; partnership officers see everyone's."""

    def editable_by(self, user):
        return self.visible_to(user)

    def issue(self, person, name: str = "", *, expires=None) -> tuple[ApiToken, str]:
        """Make a token for ``person``: the record, and the token itself (shown once)."""
        record = self.model(person=person, name=name, expires=expires)
        token = record.set_token()
        record.save()
        return record, token

    def matching(self, token: str) -> ApiToken | None:
        """The record of ``token``, whatever its state, or None if it was never issued."""
        return self.select_related("person").filter(digest=digest(token)).first()


class ApiToken(ChangeRecorded):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, such as "
                            "'Quarterly upload script'.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The start of the token, "
                              "kept in clear so it can be recognised.")
    digest = models.CharField(max_length=64, unique=True, editable=False,
                              help_text="SHA-256 of the token; the token itself is not kept.")
    created = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True,
                                   help_text="Refused from this time on. Empty: no expiry.")
    revoked = models.DateTimeField(null=True, blank=True,
                                   help_text="When the token was revoked; it is refused since.")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-created"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… ({self.name}) for {self.person}"

    def set_token(self) -> str:
        """Give this (unsaved) record a new token; return the token, which is not kept."""
        token = TOKEN_MARK + secrets.token_urlsafe(32)
        self.prefix, self.digest = token[:PREFIX_LENGTH], digest(token)
        self.created = self.created or timezone.now()
        self.name = self.name or "API token"
        return token

    def refusal(self, now=None) -> str | None:
        """Why this token may not be used now, in words for its holder; None if it may."""
        now = now or timezone.now()
        if self.revoked is not None:
            return (f"This API token ({self.prefix}…) was revoked on "
                    f"{timezone.localtime(self.revoked):%d %B %Y}. Ask for a new one.")
        if self.expires is not None and self.expires <= now:
            return (f"This API token ({self.prefix}…) expired on "
                    f"{timezone.localtime(self.expires):%d %B %Y}. Ask for a new one.")
        if not self.person.is_active:
            return "The account this API token belongs to is no longer active."
        return None

    def revoke(self, now=None) -> bool:
        """Revoke the token; False if it was already revoked."""
        if self.revoked is not None:
            return False
        self.revoked = now or timezone.now()
        self.save(update_fields=["revoked"])
        return True

    def note_use(self, now=None) -> None:
        """Remember when the token was last used (not a change of data: not recorded)."""
        now = now or timezone.now()
        if self.last_used is None or (now - self.last_used).total_seconds() >= LAST_USED_EVERY:
            type(self).objects.filter(pk=self.pk).update(last_used=now)
            self.last_used = now
