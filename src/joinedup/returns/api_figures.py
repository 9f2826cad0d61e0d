"""Figures and collection rounds as the API shows and takes them.

A figure sent to the API becomes a returns table, as an uploaded file does, with the row
number 1 for the first figure; the problems found with it come back in the shape every
API error has, so a program reads them as it reads any other refusal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import polars as pl
from ninja import Field, Schema

from joinedup.common.api import (
    MAX_ID, Body, Code, LongText, Page, PageQuery, finite, invalid, text,
)
from joinedup.returns.models import DataValue

FIGURES = ("value", "numerator", "denominator", "lower_ci", "upper_ci")
MAX_ITEMS = 10_000

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Figure = Number | text(40, 1)
Period = text(40, 1)


class ValueOut(Schema):
    id: int
    indicator: str
    area: str
    period: str
    period_start: date
    period_end: date = Field(description="The day after the period ends.")
    value: float | None
    numerator: float | None
    denominator: float | None
    lower_ci: float | None
    upper_ci: float | None
    note: str
    state: Literal["draft", "submitted", "approved", "returned"]
    version: int = Field(description="Send it back when changing the figure: a change made "
                         "from an older version is refused.")
    submitted_at: datetime | None
    approved_at: datetime | None
    returned_reason: str
    updated_at: datetime
    url: str = Field(description="The figure's page on the site, with its history.")


class ValuePage(Page):
    items: list[ValueOut]


class ValueQuery(PageQuery):
    indicator: Code | None = Field(None, description="An indicator code, such as 'HW 02'.")
    area: Code | None = Field(None, description="An area code, such as E08000037.")
    period: Period | None = Field(None, description="A period, such as 2019/20.")
    state: Literal["draft", "submitted", "approved", "returned"] | None = None


def value_item(value: DataValue) -> dict:
    return {
        "id": value.pk, "indicator": value.indicator.code, "area": value.area.code,
        "period": value.period, "period_start": value.period_start,
        "period_end": value.period_end,
        **{name: finite(getattr(value, name)) for name in FIGURES},
        "note": value.note, "state": value.state, "version": value.version,
        "submitted_at": value.submitted_at, "approved_at": value.approved_at,
        "returned_reason": value.returned_reason, "updated_at": value.updated_at,
        "url": value.get_absolute_url(),
    }


class ValueIn(Body):
    indicator: Code = Field(examples=["HW 02"])
    area: Code = Field(examples=["E08000037"])
    period: Period = Field(examples=["2019/20"])
    value: Figure = Field(description="A number, or text such as '1,234.5'.")
    numerator: Figure | None = None
    denominator: Figure | None = None
    lower_ci: Figure | None = None
    upper_ci: Figure | None = None
    note: LongText = Field("", description="Says why an unusual figure is right.")
    version: Id | None = Field(None, description="The version last read: the figure is "
                               "refused if it has changed since.")


class ValuesIn(Body):
    values: list[ValueIn] = Field(min_length=1, max_length=MAX_ITEMS)
    round: Code | None = Field(None, description="A collection round's slug: the figures "
                               "must be ones it expects.")
    submit: bool = Field(False, description="Submit the figures for approval once saved.")
    reason: LongText = Field("", description="Why: required to change an approved figure.")
    note: LongText = Field("", description="Confirms every unusual figure at once.")


class Saved(Schema):
    detail: str
    created: int
    changed: int
    unchanged: int
    value_ids: list[int]


def cell(given) -> str | None:
    return None if given is None else str(given)


def sent_table(items: list[ValueIn]) -> pl.DataFrame:
    """The figures as a returns table (text cells, as a file gives), row 1 the first."""
    names = ("indicator", "area", "period", *FIGURES, "note", "version")
    rows = [{"row": number, **{name: cell(getattr(item, name)) for name in names}}
            for number, item in enumerate(items, start=1)]
    schema = {"row": pl.Int64, **{name: pl.String for name in names}}
    return pl.DataFrame(rows, schema=schema, orient="row")


def not_saved(result) -> dict:
    """An import that saved nothing, as a 422 body: why, and every problem."""
    problems = [{"row": p.row or None, "column": p.column, "message": p.message,
                 "severity": "warning" if p.severity == "warning" else "error"}
                for p in result.problems]
    if result.errors:
        count = len(result.errors)
        detail = (f"{count} problem{'s' if count != 1 else ''} in the figures sent; "
                  "nothing was saved.")
    else:
        count = len(result.warnings)
        detail = (f"{count} unusual figure{'s' if count != 1 else ''} to confirm: send them "
                  "again with a note saying why they are right. Nothing was saved.")
    return invalid(detail, problems)


def saved(result, verb: str = "saved") -> dict:
    touched = result.created + result.changed
    return {"detail": f"{touched} figure{'s' if touched != 1 else ''} {verb}; "
                      f"{result.unchanged} unchanged.",
            "created": result.created, "changed": result.changed,
            "unchanged": result.unchanged, "value_ids": list(result.value_ids)}


class Chosen(Body):
    ids: list[Id] = Field(min_length=1, max_length=MAX_ITEMS)
    reason: LongText = Field("", description="Why: required to return figures.")


class Moved(Schema):
    detail: str
    count: int
    ids: list[int]


class ChangeIn(Body):
    version: Id = Field(description="The version you read; if the figure has changed "
                        "since, the change is refused (409).")
    reason: LongText = Field("", description="Why: required to change an approved figure.")
    note: LongText = Field("", description="The figure's new note (leave it out to keep the "
                           "current one); a note also confirms an unusual figure.")
    submit: bool = Field(False, description="Submit the figure for approval once saved.")
    value: Figure = Field(None, description="The new value; leave out to keep it.")
    numerator: Figure | None = Field(None, description="Leave out to keep it; null clears it.")
    denominator: Figure | None = None
    lower_ci: Figure | None = None
    upper_ci: Figure | None = None


class RoundOut(Schema):
    slug: str
    name: str
    period: str
    period_start: date
    period_end: date
    opens: date
    deadline: date = Field(description="The last day on which a return is on time.")
    remind_days_before: int
    closed: bool
    instructions: str
    expected_returns: int = Field(description="How many of its expected returns you "
                                  "may see.")
    url: str


class ExpectedOut(Schema):
    indicator: str
    area: str
    period: str
    owner: str = Field(description="The slug of the organisation that owes the figure.")
    value_id: int | None = Field(description="The figure received, if you may see it.")
    state: Literal["outstanding", "draft", "submitted", "approved", "returned"]


class RoundDetail(RoundOut):
    expected: list[ExpectedOut]


class RoundPage(Page):
    items: list[RoundOut]


class RoundQuery(PageQuery):
    closed: bool | None = Field(None, description="Only closed (true) or open (false) "
                                "rounds.")


def round_item(collection_round, expected: int) -> dict:
    fields = ("slug", "name", "period", "period_start", "period_end", "opens", "deadline",
              "remind_days_before", "closed", "instructions")
    return {**{name: getattr(collection_round, name) for name in fields},
            "expected_returns": expected, "url": collection_round.get_absolute_url()}


