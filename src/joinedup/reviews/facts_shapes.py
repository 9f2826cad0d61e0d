"""What a fact of partnership working looks like to the page, the API and the tests.

A fact has a name, the definition it is computed by (shown beside it, so anyone can check
it), a one-sentence summary, its headline values, and one or more breakdowns: tables whose
columns say what kind of figure they hold, so a count, a share, days and pounds are each
written the one way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Kinds of column: text, a count, a share (a fraction shown as a percentage), days, pounds.
KINDS = ("text", "count", "share", "days", "money")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = "count"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Breakdown:
    title: str
    columns: list[Column]
    rows: list[dict]

    def cells(self) -> list[list[tuple[str, bool]]]:
        """Each row's cells as (text, numeric) in column order, for the page."""
        return [[(written(row.get(c.key), c.kind), c.numeric) for c in self.columns]
                for row in self.rows]


@dataclass
class Fact:
    key: str
    name: str
    definition: str
    summary: str
    values: dict = field(default_factory=dict)
    breakdowns: list[Breakdown] = field(default_factory=list)


@dataclass
class Facts:
    """The facts one person may see for the period from ``since`` to ``until`` (both
    days included). Empty for anyone not signed in."""

    since: dt.date
    until: dt.date
    facts: list[Fact] = field(default_factory=list)

    def __iter__(self):
        return iter(self.facts)

    def __len__(self):
        return len(self.facts)

    def get(self, key: str) -> Fact:
        return next(fact for fact in self.facts if fact.key == key)


def written(value, kind: str) -> str:
    """A figure as the page writes it; a missing figure is a dash."""
    if value is None:
        return "–"
    if kind == "share":
        return percent(value)
    if kind == "days":
        return f"{value:.1f}"
    if kind == "money":
        return f"£{value:,.0f}"
    if kind == "count":
        return f"{value:,}"
    return str(value)


def percent(value: float | None) -> str:
    """A share as a percentage: whole points, or to a tenth below 10%, so that a small
    share is not written as none."""
    if value is None:
        return "–"
    return f"{100 * value:.1f}%" if 0 < value < 0.1 else f"{100 * value:.0f}%"
