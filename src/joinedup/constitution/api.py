"""The constitution and the information-sharing charter in the API.

Each body's documents (terms of reference, membership rules, code of conduct) with the
version in force and every earlier one, read by anyone, as on the pages; the charter's
entries, read by anyone signed in (an anonymous caller's list is empty and any one entry a
404, as for the risk register). The partnership officer writes a new version of a
document, adds an entry to the charter and ends one (``constitution.keeping``): 403 for
anyone else, with the rule's sentence; 422 naming the field for a change that cannot be
made as asked, and then nothing is changed. A change to the charter changes at once which
restricted indicators and which spend each partner's people see, in the API as on the
pages.
"""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, PageQuery, invalid, page,
)
from joinedup.constitution import keeping
from joinedup.constitution.api_schemas import (
    BodyConstitution,
    BodyPage,
    EndIn,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryQuery,
    Kind,
    Slug,
    VersionIn,
    VersionOut,
    VersionPage,
)
from joinedup.constitution.models import CharterEntry, Document, DocumentVersion
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.partnership.models import Body, Organisation

router = Router(auth=READ)

EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _problems(error: ValidationError) -> Status:
    """A 422 listing each of the rule's messages, under its field where it names one."""
    by_field = (error.message_dict.items() if hasattr(error, "error_dict")
                else [("", error.messages)])
    messages = [m for _, ms in by_field for m in ms]
    return Status(422, invalid(" ".join(messages), [
        {"row": None, "column": "" if column == "__all__" else column, "message": message,
         "severity": "error"} for column, ms in by_field for message in ms]))


def _unknown(column: str, detail: str) -> Status:
    return Status(422, invalid(f"The request is not valid: see {column}.", [
        {"row": None, "column": column, "message": detail, "severity": "error"}]))


def _username(person) -> str | None:
    return person.get_username() if person is not None else None


def version_item(version: DocumentVersion, latest_number: int) -> dict:
    return {"body": version.document.body.slug, "kind": version.document.kind,
            "number": version.number, "text": version.text, "reason": version.reason,
            "written_by": _username(version.written_by), "written_at": version.written_at,
            "in_force": version.number == latest_number, "url": version.get_absolute_url()}


def _constitution(body: Body) -> dict:
    counts = {d.kind: d.versions.count() for d in body.constitution_documents.all()}
    documents = []
    for kind in Document.Kind.values:
        version = keeping.in_force(body, kind)
        inherited = version is not None and version.document.body_id != body.pk
        documents.append({
            "kind": kind, "inherited_from": version.document.body.slug if inherited else None,
            "version": version_item(version, version.document.current().number)
            if version else None, "versions": counts.get(kind, 0)})
    return {"slug": body.slug, "name": body.name, "kind": body.kind, "documents": documents}


def _body(user, slug: str) -> Body:
    found = Body.objects.visible_to(user).filter(slug=slug.strip().lower()).first()
    if found is None:
        raise HttpError(404, f"There is no body {slug}.")
    return found


@router.get("/bodies", response={200: BodyPage, **READ_ERRORS},
            summary="List the bodies with the documents of their constitution",
            openapi_extra=OPTIONAL_TOKEN)
def list_constitutions(request, query: Query[PageQuery]):
    """Each body, in the order of the layers, with the version in force of its terms of
    reference, membership rules and code of conduct. Anyone may read them."""
    bodies = Body.objects.visible_to(request.auth).order_by("order", "name", "pk")
    return page(bodies, query, _constitution)


@router.get("/bodies/{slug}", response={200: BodyConstitution, **DETAIL_ERRORS},
            summary="One body's constitution", openapi_extra=OPTIONAL_TOKEN)
def get_constitution(request, slug: Slug):
    """The body's three documents, each the version in force; 404 for no such body."""
    return _constitution(_body(request.auth, slug))


@router.get("/bodies/{slug}/{kind}/versions", response={200: VersionPage, **DETAIL_ERRORS},
            summary="Every version of one of a body's documents", openapi_extra=OPTIONAL_TOKEN)
def list_versions(request, slug: Slug, kind: Kind, query: Query[PageQuery]):
    """The body's own versions of the document, newest first, each with who wrote it,
    when and why."""
    body = _body(request.auth, slug)
    versions = (DocumentVersion.objects.visible_to(request.auth)
                .filter(document__body=body, document__kind=kind)
                .select_related("document__body", "written_by").order_by("-number"))
    latest = versions.values_list("number", flat=True).first()
    return page(versions, query, lambda v: version_item(v, latest))


@router.post("/bodies/{slug}/{kind}/versions", auth=WRITE,
             response={201: VersionOut, **WRITE_ERRORS},
             summary="Write a new version of one of a body's documents")
def write_version(request, slug: Slug, kind: Kind, body: VersionIn):
    """The partnership officer writes the next version, with why; the earlier versions
    stay readable. 403 for anyone else; 422 if the text is the version in force's."""
    found = _body(request.auth, slug)
    try:
        version = keeping.write_version(found, kind, body.text, reason=body.reason,
                                        person=request.auth)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return _problems(error)
    return Status(201, version_item(version, version.number))


# ---- the charter ----------------------------------------------------------------------

def entry_item(entry: CharterEntry) -> dict:
    return {"id": entry.pk, "provider": entry.provider.slug,
            "recipient": entry.recipient.slug if entry.recipient_id else None,
            "data": entry.data, "theme": entry.theme.slug if entry.theme_id else None,
            "purpose": entry.purpose, "agreed_by": entry.agreed_by, "starts": entry.starts,
            "ends": entry.ends, "end_reason": entry.end_reason,
            "in_force": entry.in_force_on(timezone.localdate()),
            "recorded_by": _username(entry.recorded_by), "ended_by": _username(entry.ended_by)}


def _entries(user):
    return CharterEntry.objects.visible_to(user).select_related(
        "provider", "recipient", "theme", "recorded_by", "ended_by")


@router.get("/charter", response={200: EntryPage, **READ_ERRORS},
            summary="List the information-sharing charter's entries",
            openapi_extra=OPTIONAL_TOKEN)
def list_charter(request, query: Query[EntryQuery]):
    """Who shares which data with whom, and what for: the entries in force today (the
    default), those ended, or all; filter by data, by the sharing partner, or by the
    partner it reaches. Partners only: an anonymous caller gets an empty list."""
    entries = _entries(request.auth)
    if query.state == "in_force":
        entries = entries.in_force()
    elif query.state == "ended":
        entries = entries.past()
    if query.data:
        entries = entries.filter(data=query.data)
    for column in ("provider", "recipient"):
        slug = getattr(query, column)
        if slug is None:
            continue
        organisation = Organisation.objects.filter(slug=slug.strip().lower()).first()
        if organisation is None:
            return _unknown(column, f"there is no partner {slug!r}")
        entries = (entries.filter(provider=organisation) if column == "provider"
                   else entries.reaching(organisation.pk))
    return page(entries.order_by("provider__name", "data", "starts", "pk"), query, entry_item)


@router.get("/charter/{entry_id}", response={200: EntryOut, **DETAIL_ERRORS},
            summary="One entry of the charter", openapi_extra=OPTIONAL_TOKEN)
def get_charter_entry(request, entry_id: EntryId):
    """404 if there is none, or the caller is not signed in."""
    entry = _entries(request.auth).filter(pk=entry_id).first()
    if entry is None:
        raise HttpError(404, f"There is no charter entry {entry_id} that you may see.")
    return entry_item(entry)


@router.post("/charter", auth=WRITE, response={201: EntryOut, **WRITE_ERRORS},
             summary="Add an entry to the charter")
def add_charter_entry(request, body: EntryIn):
    """The partnership officer records that `provider` shares `data` (of `theme` only, if
    given) with `recipient` (every partner, if empty) from `starts`, for `purpose`, as
    agreed by `agreed_by`, and why. From its start, the recipient's people see that data.
    403 for anyone else; 422 naming the field for an unknown partner or theme, a partner
    sharing with itself, or an entry already in force."""
    try:
        keeping.require_officer(request.auth)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    found = {}
    themes = CharterEntry._meta.get_field("theme").remote_field.model.objects
    for column, manager in (("provider", Organisation.objects),
                            ("recipient", Organisation.objects), ("theme", themes)):
        slug = getattr(body, column)
        found[column] = None if slug is None else manager.filter(
            slug=slug.strip().lower()).first()
        if slug is not None and found[column] is None:
            return _unknown(column, f"there is no {column if column == 'theme' else 'partner'} "
                                    f"{slug!r}")
    try:
        entry = keeping.add_entry(data=body.data, purpose=body.purpose,
                                  agreed_by=body.agreed_by, starts=body.starts,
                                  reason=body.reason, person=request.auth, **found)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return _problems(error)
    return Status(201, entry_item(_entries(request.auth).get(pk=entry.pk)))


@router.post("/charter/{entry_id}/end", auth=WRITE, response={200: EntryOut, **WRITE_ERRORS},
             summary="End an entry of the charter")
def end_charter_entry(request, entry_id: EntryId, body: EndIn):
    """The partnership officer ends the entry today, with why: from today its data is no
    longer shared by it. 403 for anyone else; 422 if it has ended already."""
    entry = _entries(request.auth).filter(pk=entry_id).first()
    if entry is None:
        raise HttpError(404, f"There is no charter entry {entry_id} that you may see.")
    try:
        keeping.end_entry(entry, reason=body.reason, person=request.auth)
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused)})
    except ValidationError as error:
        return _problems(error)
    return entry_item(_entries(request.auth).get(pk=entry.pk))
