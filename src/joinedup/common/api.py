"""Shapes every router shares: text parameters, pages of results, and error answers.

Errors always carry a ``detail`` sentence a person can act on. A request that does not
fit its schema and a set of figures that fails the returns checks answer alike, with a
list of problems, each naming the row (1 for the first item sent) and the column.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints

#: The largest id a JSON number carries exactly: the bound of every id in a path or body.
MAX_ID = 2**53

#: Text the database can hold: no NUL characters (PostgreSQL refuses them).
NO_NUL = r"^[^\x00]*$"


def _encodable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return text


def text(max_length: int, min_length: int = 0):
    """A text field the database can store, at most ``max_length`` characters."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length,
                                            pattern=NO_NUL), AfterValidator(_encodable)]


Code = text(40, 1)
ShortText = text(200)
LongText = text(5000)

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1


class Body(Schema):
    """A request body: exactly the fields it declares, each of exactly its type.

    A misspelt field or a "true" where true is meant is refused rather than guessed at,
    so a program learns of its mistake instead of having it silently ignored.
    """

    model_config = ConfigDict(strict=True, extra="forbid")


class PageQuery(Schema):
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="How many items to return.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


class Page(Schema):
    count: int = Field(description="How many items match, over all pages.")
    limit: int
    offset: int


def page(queryset, query: PageQuery, item) -> dict:
    """One page of ``queryset``, each row turned into a dict by ``item``."""
    rows = queryset[query.offset:query.offset + query.limit]
    return {"count": queryset.count(), "limit": query.limit, "offset": query.offset,
            "items": [item(row) for row in rows]}


def finite(number: float | None) -> float | None:
    """JSON has no NaN or infinity: a figure that is not a number is reported as missing."""
    if number is None or not math.isfinite(number):
        return None
    return number


class Error(Schema):
    detail: str = Field(description="What went wrong, and what to do about it.")


class ProblemOut(Schema):
    row: int | None = Field(description="The item of the request (1 for the first), or "
                            "empty when the problem is with the request as a whole.")
    column: str = Field(description="The field, such as 'value' or 'period'.")
    message: str
    severity: Literal["error", "warning"]


class Invalid(Schema):
    detail: str
    problems: list[ProblemOut]


def invalid(detail: str, problems: list[dict]) -> dict:
    return {"detail": detail, "problems": problems}


def refused_by_rule(messages: list[str], column: str = "") -> dict:
    """The body of a 422 for a rule's refusal: each reason a problem, the one reason (or
    how many there are) as the detail."""
    detail = (messages[0] if len(messages) == 1
              else f"There are {len(messages)} problems: see problems.")
    return invalid(detail, [{"row": None, "column": column, "message": message,
                             "severity": "error"} for message in messages])


#: Error answers every read may give.
READ_ERRORS = {401: Error, 422: Invalid}
#: … and reads of one thing, which may not exist (or not be visible).
DETAIL_ERRORS = {**READ_ERRORS, 404: Error}
#: Error answers writes may give.
WRITE_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Invalid}
