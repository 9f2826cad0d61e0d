"""The constitution and the charter as the API gives and takes them.

A document's ``kind`` is ``terms`` (terms of reference), ``membership`` (membership rules)
or ``conduct`` (code of conduct). A charter entry's ``data`` is ``indicators`` (the
provider's restricted indicators) or ``spend`` (its budget lines and resources in kind);
an empty ``recipient`` means every partner, an empty ``theme`` every theme.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import Strict

from joinedup.common.api import Body, LongText, Page, PageQuery, text

Kind = Literal["terms", "membership", "conduct"]
Data = Literal["indicators", "spend"]
Slug = text(80, 1)
#: A date sent as text, 2009-04-01: JSON has no dates of its own.
Day = Annotated[dt.date, Strict(False)]


class VersionOut(Schema):
    body: str
    kind: Kind
    number: int
    text: str
    reason: str
    written_by: str | None = Field(description="The username of who wrote it.")
    written_at: dt.datetime
    in_force: bool = Field(description="Whether this is the body's newest version.")
    url: str


class DocumentOut(Schema):
    kind: Kind
    version: VersionOut | None = Field(
        description="The version that binds the body: its own newest, or for a code of "
                    "conduct, that of the nearest body above it that has one.")
    inherited_from: str | None = Field(description="The body whose code of conduct binds "
                                                   "this one, when it has none of its own.")
    versions: int = Field(description="How many versions the body's own document has.")


class BodyConstitution(Schema):
    slug: str
    name: str
    kind: str
    documents: list[DocumentOut]


class BodyPage(Page):
    items: list[BodyConstitution]


class VersionPage(Page):
    items: list[VersionOut]


class VersionIn(Body):
    text: text(50000, 1)
    reason: LongText = Field(min_length=1, description="Why the document is changed.")


class EntryOut(Schema):
    id: int
    provider: str
    recipient: str | None = Field(description="Empty: shared with every partner.")
    data: Data
    theme: str | None = Field(description="Empty: every theme.")
    purpose: str
    agreed_by: str
    starts: dt.date
    ends: dt.date | None = Field(description="The first day it is no longer shared.")
    end_reason: str
    in_force: bool = Field(description="Whether it applies today.")
    recorded_by: str | None
    ended_by: str | None


class EntryPage(Page):
    items: list[EntryOut]


class EntryQuery(PageQuery):
    state: Literal["in_force", "ended", "all"] = Field(
        "in_force", description="The entries in force today, those ended, or all.")
    data: Data | None = None
    provider: Slug | None = Field(None, description="The sharing partner's slug.")
    recipient: Slug | None = Field(None, description="Entries reaching this partner: by "
                                                     "name or shared with every partner.")


class EntryIn(Body):
    provider: Slug
    recipient: Slug | None = None
    data: Data
    theme: Slug | None = None
    purpose: LongText = Field(min_length=1)
    agreed_by: text(200, 1)
    starts: Day
    reason: LongText = Field(min_length=1, description="Why the charter is changed.")


class EndIn(Body):
    reason: LongText = Field(min_length=1, description="Why the entry is ended.")
