"""Changing the constitution and the charter: the rules every page, the API and the demo
obey.

Only the partnership officer (who manages the framework) writes a new version of a
document, adds an entry to the charter or ends one; anyone else is refused with
``PermissionDenied`` and the rule's sentence. Each change says why, and is recorded in the
history with who made it and that reason. A change that cannot be made as asked raises
``ValidationError`` naming the field at fault, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.common.querysets import manages_framework
from joinedup.constitution.models import CharterEntry, Document, DocumentVersion
from joinedup.history.recording import recorded_as

REFUSAL = "Only the partnership officer may change the constitution and the sharing charter."


def require_officer(person) -> None:
    """Refuse anyone but the partnership officer, with the rule's sentence."""
    if not manages_framework(person):
        raise PermissionDenied(REFUSAL)


def _said(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def in_force(body, kind: str) -> DocumentVersion | None:
    """The version of ``kind`` that binds ``body``: its own newest, or else (for a code of
    conduct only) the newest of the nearest body above it that has one."""
    seen = set()
    while body is not None and body.pk not in seen:
        seen.add(body.pk)
        version = (DocumentVersion.objects.filter(document__body=body, document__kind=kind)
                   .select_related("document__body", "written_by").order_by("-number").first())
        if version is not None or kind != Document.Kind.CODE_OF_CONDUCT:
            return version
        body = body.parent
    return None


def write_version(body, kind: str, text: str, *, reason: str, person,
                  when: dt.datetime | None = None) -> DocumentVersion:
    """A new version of ``body``'s document of ``kind``, numbered after the last; the
    earlier versions stay as they were."""
    require_officer(person)
    if kind not in Document.Kind.values:
        raise ValidationError({"kind": "Choose terms of reference, membership rules or a "
                                       "code of conduct."})
    text = _said(text, "text", "Enter the document's text.")
    reason = _said(reason, "reason", "Say why the document is changed.")
    with transaction.atomic(), recorded_as(person, reason=reason):
        document, _ = Document.objects.get_or_create(body=body, kind=kind)
        last = (DocumentVersion.objects.select_for_update().filter(document=document)
                .order_by("-number").first())
        if last is not None and last.text.strip() == text:
            raise ValidationError({"text": "The text is the same as the version in force: "
                                           "change it, or leave it as it is."})
        return DocumentVersion.objects.create(
            document=document, number=(last.number + 1) if last else 1, text=text,
            reason=reason, written_by=person if getattr(person, "pk", None) else None,
            written_at=when or timezone.now())


def add_entry(*, provider, recipient, data: str, theme, purpose: str, agreed_by: str,
              starts: dt.date, reason: str, person) -> CharterEntry:
    """Add an entry to the charter: ``provider`` shares ``data`` (of ``theme``, or all)
    with ``recipient`` (or every partner, for None) from ``starts``."""
    require_officer(person)
    reason = _said(reason, "reason", "Say why the charter is changed.")
    entry = CharterEntry(
        provider=provider, recipient=recipient, data=data, theme=theme,
        purpose=(purpose or "").strip(), agreed_by=(agreed_by or "").strip(), starts=starts,
        recorded_by=person if getattr(person, "pk", None) else None)
    entry.full_clean()
    overlapping = CharterEntry.objects.in_force(starts).filter(
        provider=provider, recipient=recipient, data=data, theme=theme)
    if overlapping.exists():
        raise ValidationError({"provider": f"The charter already has this entry in force: "
                                           f"{overlapping.first()}. End it first to restate it."})
    with transaction.atomic(), recorded_as(person, reason=reason):
        entry.save()
    return entry


def end_entry(entry: CharterEntry, *, reason: str, person,
              on: dt.date | None = None) -> CharterEntry:
    """End ``entry`` on ``on`` (today): from that day the data is no longer shared. The
    entry stays in the charter's past."""
    require_officer(person)
    reason = _said(reason, "reason", "Say why the entry is ended.")
    on = on or timezone.localdate()
    if entry.ends is not None and entry.ends <= timezone.localdate():
        raise ValidationError({"reason": f"This entry ended on {entry.ends.day} {entry.ends:%B %Y}."})
    if on < entry.starts:
        raise ValidationError({"ends": "The entry cannot end before it starts."})
    with transaction.atomic(), recorded_as(person, reason=reason):
        entry.ends, entry.end_reason = on, reason
        entry.ended_by = person if getattr(person, "pk", None) else None
        entry.save()
    return entry
