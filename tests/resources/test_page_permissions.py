"""No page shows a budget line its reader may not see: the spend lines page, its
download, and the resources-against-performance page's table, for every persona."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from joinedup.resources.models import BudgetLine

from .test_spend_permissions import PERSONAS, YEAR, expected_line_ids

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_show_only_the_lines_the_rule_allows(persona, person, client_as):
    client = client_as(persona)
    user = person(persona) if persona else None
    expected = expected_line_ids(user) if user else set()
    lines_page = client.get(reverse("resources:lines"), {"year": YEAR})
    download = client.get(reverse("resources:lines-download", args=["csv"]), {"year": YEAR})
    table = client.get(reverse("resources:performance"), {"year": YEAR, "format": "csv"})
    if persona is None:
        assert [r.status_code for r in (lines_page, download, table)] == [302, 302, 302]
        return
    allowed = BudgetLine.objects.filter(pk__in=expected, financial_year=YEAR)
    count = allowed.count()
    assert f'data-testid="line-count">{count:,} line' in lines_page.content.decode()
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == count
    assert sorted(Decimal(r["budget"]) for r in rows) == sorted(
        line.budget for line in allowed)
    if not count:
        assert table.status_code == 404
        return
    spent = sum(Decimal(r["spend"] or "0") for r in
                csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    wards = sum((line.budget for line in allowed.filter(area__level="ward")), Decimal(0))
    assert spent.quantize(Decimal("0.01")) == wards
