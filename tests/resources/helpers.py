"""Builders shared by the resources tests: a stream, a pool and spend rows."""

from __future__ import annotations

import csv
import io

from joinedup.partnership.models import Organisation
from joinedup.resources.models import FundingStream, PooledBudget
from joinedup.strategy.models import Outcome, Theme

GATESHEAD = "E08000037"
HEADER = ("partner", "stream", "theme", "outcome", "area", "financial_year", "arrangement",
          "pool", "budget", "actual_q1", "actual_q2", "actual_q3", "actual_q4",
          "apportioned_by", "description", "illustrative")


def stream(slug: str = "council-test-stream", partner: str = "gateshead-council",
           kind: str = "mainstream") -> FundingStream:
    return FundingStream.objects.get_or_create(slug=slug, defaults={
        "name": f"Test stream {slug}", "partner": Organisation.objects.get(slug=partner),
        "kind": kind})[0]


def pool(slug: str = "test-pool") -> PooledBudget:
    made, created = PooledBudget.objects.get_or_create(slug=slug, defaults={
        "name": "Test healthy weight pool", "legal_basis": "Section 75 agreement T/1",
        "host": Organisation.objects.get(slug="gateshead-council"),
        "theme": Theme.objects.get(slug="active-and-healthy-gateshead")})
    if created:
        made.outcomes.add(Outcome.objects.get(title="Children grow up a healthy weight"))
    return made


def row(**values) -> dict:
    """A good spend row for Gateshead Council, with ``values`` changed."""
    base = {"partner": "gateshead-council", "stream": "council-test-stream",
            "theme": "active-and-healthy-gateshead", "outcome": "", "area": "E05001067",
            "financial_year": "2023/24", "arrangement": "single", "pool": "",
            "budget": "1000.00", "actual_q1": "250.00", "actual_q2": "", "actual_q3": "",
            "actual_q4": "", "apportioned_by": "", "description": "Test line",
            "illustrative": "no"}
    base.update(values)
    return base


def csv_of(rows: list[dict], header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[r.get(h, "") for h in header] for r in rows])
    return out.getvalue().encode()
