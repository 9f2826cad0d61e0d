"""Spend lines out to a file: the export (which re-imports unchanged) and the template.

Both have the spend return's columns in ``spend_return.EXPORT`` order. Amounts are written
as pounds and pence with two decimals, so a re-import reads exactly what was stored.
"""

from __future__ import annotations

import polars as pl

from joinedup.resources.models import BudgetLine
from joinedup.resources.spend_return import EXPORT
from joinedup.returns.spreadsheets import write_table

ABOUT = ["Spend lines from JoinedUp",
         "Amounts are pounds. Lines marked illustrative are invented to show how the system "
         "works; apportioned_by names the base a larger area's total was spread by."]
_FIELDS = ("partner__slug", "stream__slug", "theme__slug", "outcome__title", "area__code",
           "financial_year", "arrangement", "pool__slug", "budget", *BudgetLine.QUARTERS,
           "apportioned_by", "description", "illustrative")


def _pounds(value) -> str:
    return "" if value is None else f"{value:.2f}"


def export_frame(user, *, year: str | None = None, partner: str | None = None) -> pl.DataFrame:
    """The spend lines ``user`` may see, as text cells in the return's columns."""
    lines = BudgetLine.objects.visible_to(user)
    if year:
        lines = lines.filter(financial_year=year)
    if partner:
        lines = lines.filter(partner__slug=partner)
    rows = []
    for values in lines.order_by("financial_year", "partner__slug", "stream__slug",
                                 "theme__slug", "area__code", "pk").values_list(*_FIELDS):
        cells = list(values)
        for i in range(8, 13):
            cells[i] = _pounds(cells[i])
        cells[3] = cells[3] or ""
        cells[7] = cells[7] or ""
        cells[-1] = "yes" if cells[-1] else "no"
        rows.append(cells)
    return pl.DataFrame(rows, orient="row", schema={c: pl.String for c in EXPORT})


def template_frame(user, *, year: str) -> pl.DataFrame:
    """A spend return to fill in: the partner's lines for ``year`` if it has any (to
    update), else one example row for the partner's own organisation."""
    frame = export_frame(user, year=year)
    organisation = getattr(user, "organisation", None)
    if organisation is not None:
        frame = frame.filter(pl.col("partner") == organisation.slug)
    if frame.height:
        return frame
    return pl.DataFrame([{
        "partner": getattr(organisation, "slug", ""), "stream": "", "theme": "",
        "outcome": "", "area": "", "financial_year": year, "arrangement": "single",
        "pool": "", "budget": "", "actual_q1": "", "actual_q2": "", "actual_q3": "",
        "actual_q4": "", "apportioned_by": "", "description": "", "illustrative": "no"}],
        schema={c: pl.String for c in EXPORT})


def spend_file(frame: pl.DataFrame, fmt: str) -> bytes:
    return write_table(frame, fmt, about=ABOUT)
