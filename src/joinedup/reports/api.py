"""Packs in the API: list them, read one with what it holds, download it, build, issue.

Reading needs a signed-in person or a token: packs are partnership business, so an
anonymous caller sees none. Building and issuing take a token, and follow the same rules
as the site (``reports.building``): the partnership officer and the body's chair,
vice-chair and officer build and issue its packs. Both run in the background, as on the
site; the answer (202) is the pack, queued, and ``GET /api/packs/{id}`` shows how far it
has got (``work_state``).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from joinedup.common.api import (
    DETAIL_ERRORS,
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    Body,
    Code,
    Page,
    PageQuery,
    invalid,
    page,
    text,
)
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ, WRITE
from joinedup.partnership.models import Body as PartnershipBody
from joinedup.partnership.models import Meeting
from joinedup.reports import building, tasks
from joinedup.reports.models import Pack, PackFrozen

router = Router(auth=READ)

PackId = Annotated[int, Path(ge=1, le=MAX_ID)]
Format = Literal["pdf", "html", "xlsx"]


class PackOut(Schema):
    id: int
    body: str = Field(description="The body's slug.")
    period: str
    meeting: int | None = Field(description="The meeting the pack is for, if any.")
    format: Format
    state: Literal["draft", "issued"]
    work_state: Literal["queued", "running", "done", "failed"] = Field(
        description="Its build: waiting, running, done or failed.")
    work_stage: str = Field(description="What the build is doing now.")
    work_error: str = Field(description="Why the build failed or was refused.")
    file_name: str
    size: int = Field(description="Of the file, in bytes; 0 before it is built.")
    sha256: str = Field(description="Of the file; empty before it is built.")
    built_by: str | None
    built_at: datetime | None
    issued_by: str | None
    issued_at: datetime | None
    url: str = Field(description="The pack's page on the site.")
    public: bool = Field(description="Whether its body has put it on the public site.")


class PackDetail(PackOut):
    manifest: dict = Field(description="What the pack holds: its sections, and each exception "
                           "with its state and decision when it was built.")


class PackPage(Page):
    items: list[PackOut]


class PackQuery(PageQuery):
    body: Code | None = Field(None, description="A body's slug, such as gsp-board.")
    state: Literal["draft", "issued"] | None = None
    format: Format | None = None


class PackFile(Schema):
    file_name: str
    content_type: str
    size: int
    sha256: str = Field(description="Check the decoded bytes against it.")
    content_base64: str = Field(description="The file, byte for byte, in base64.")


class PublishIn(Body):
    public: bool = Field(description="True puts the issued pack on the public site; false "
                         "takes it off.")


class PackIn(Body):
    body: Code = Field(examples=["gsp-board"], description="The body's slug.")
    format: Format
    period: text(40, 1) | None = Field(None, examples=["2026/27 Q2"], description=(
        "The reporting period; by default the meeting's, or this financial quarter."))
    meeting: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="A meeting of the body, whose agenda orders the pack.")


def pack_item(pack: Pack) -> dict:
    return {
        "id": pack.pk, "body": pack.body.slug, "period": pack.period,
        "meeting": pack.meeting_id, "format": pack.format, "state": pack.state,
        "work_state": pack.work_state, "work_stage": pack.work_stage,
        "work_error": pack.work_error, "file_name": pack.file_name, "size": pack.size,
        "sha256": pack.sha256,
        "built_by": pack.built_by.get_username() if pack.built_by and pack.has_file else None,
        "built_at": pack.built_at,
        "issued_by": pack.issued_by.get_username() if pack.issued_by else None,
        "issued_at": pack.issued_at, "url": pack.get_absolute_url(),
        "public": hasattr(pack, "publication"),
    }


def _visible(user):
    return (Pack.objects.visible_to(user)
            .select_related("body", "built_by", "issued_by", "publication"))


def _found(user, pack_id: int) -> Pack:
    pack = _visible(user).filter(pk=pack_id).first()
    if pack is None:
        raise HttpError(404, f"There is no pack {pack_id} that you may see.")
    return pack


@router.get("", response={200: PackPage, **READ_ERRORS}, summary="List packs",
            openapi_extra=OPTIONAL_TOKEN)
def list_packs(request, query: Query[PackQuery]):
    """Packs, newest first; filter by body, state or format. Sign in to see any."""
    rows = _visible(request.auth).order_by("-created_at", "-pk")
    if query.body:
        rows = rows.filter(body__slug=query.body.strip())
    if query.state:
        rows = rows.filter(state=query.state)
    if query.format:
        rows = rows.filter(format=query.format)
    return page(rows, query, pack_item)


@router.get("/{pack_id}", response={200: PackDetail, **DETAIL_ERRORS}, summary="One pack",
            openapi_extra=OPTIONAL_TOKEN)
def get_pack(request, pack_id: PackId):
    """A pack, with what it holds (its manifest)."""
    pack = _found(request.auth, pack_id)
    return {**pack_item(pack), "manifest": pack.manifest or {}}


@router.get("/{pack_id}/file", response={200: PackFile, **DETAIL_ERRORS},
            summary="Download a pack", openapi_extra=OPTIONAL_TOKEN)
def download_pack(request, pack_id: PackId):
    """The pack's file, byte for byte as built (or as issued), in base64; 404 before it is
    built."""
    pack = _found(request.auth, pack_id)
    if not pack.has_file:
        raise HttpError(404, f"Pack {pack.pk} has not been built yet.")
    data = building.file_bytes(pack)
    return {"file_name": pack.file_name, "content_type": pack.content_type, "size": len(data),
            "sha256": pack.sha256, "content_base64": base64.b64encode(data).decode("ascii")}


@router.post("", auth=WRITE, response={202: PackOut, **WRITE_ERRORS}, summary="Build a pack")
def build_pack(request, body: PackIn):
    """Build a draft pack in the background (202); a draft for the same body, period,
    meeting and format is rebuilt rather than added to."""
    user = request.auth
    found = PartnershipBody.objects.visible_to(user).filter(slug=body.body.strip()).first()
    if found is None:
        return Status(422, invalid("There is no such body.", [
            {"row": None, "column": "body", "severity": "error",
             "message": f"there is no body {body.body!r}"}]))
    meeting = None
    if body.meeting is not None:
        meeting = Meeting.objects.visible_to(user).filter(pk=body.meeting, body=found).first()
        if meeting is None:
            return Status(422, invalid("There is no such meeting of the body.", [
                {"row": None, "column": "meeting", "severity": "error",
                 "message": f"{found.name} has no meeting {body.meeting}"}]))
    if not building.may_build(user, found):
        raise HttpError(403, building.refusal_for(found))
    try:
        pack = building.draft_for(found, user, format=body.format, period=body.period,
                                  meeting=meeting)
    except building.PackRefused as refused:
        return Status(422, invalid(str(refused), [
            {"row": None, "column": "period", "severity": "error", "message": str(refused)}]))
    if not pack.work_pending:
        tasks.queue(pack, user)
    return Status(202, pack_item(pack))


@router.post("/{pack_id}/issue", auth=WRITE, response={202: PackOut, **WRITE_ERRORS},
             summary="Issue a pack")
def issue_pack(request, pack_id: PackId):
    """Build the pack once more as issued and freeze it, then e-mail the body's members, in
    the background (202). Refused (409) with the reason when it cannot be issued: already
    issued, being built, or a red exception without the commentary its body requires."""
    user = request.auth
    pack = _found(user, pack_id)
    if not building.may_build(user, pack.body):
        raise HttpError(403, building.refusal_for(pack.body))
    try:
        building.check_issue(pack, user)
        tasks.queue(pack, user, issue=True)
    except (building.PackRefused, PackFrozen) as refused:
        return Status(409, {"detail": str(refused)})
    return Status(202, pack_item(pack))


@router.post("/{pack_id}/public", auth=WRITE, response={200: PackOut, **WRITE_ERRORS},
             summary="Publish a pack")
def publish_pack(request, pack_id: PackId, body: PublishIn):
    """Put an issued pack on the public site, or take it off. Refused (409) with the
    reason for a draft, or a pack naming an indicator that is not public."""
    user = request.auth
    pack = _found(user, pack_id)
    if not building.may_build(user, pack.body):
        raise HttpError(403, building.refusal_for(pack.body))
    try:
        building.publish(pack, user, public=body.public)
    except building.PackRefused as refused:
        return Status(409, {"detail": str(refused)})
    return pack_item(_found(user, pack_id))
