"""Nothing a budget line refers to is deleted while it does, by Django or by plain SQL;
and no two lines share a key.

On SQLite foreign-key constraints keep the references; on PostgreSQL, triggers do
(migration 0004), since a constraint's per-row checks cost a large spend return more than
writing it. One unique index keeps the key on both (migration 0006).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from joinedup.partnership.models import Organisation
from joinedup.places.models import Area
from joinedup.resources.models import BudgetLine, FundingStream, PooledBudget
from joinedup.strategy.models import Outcome, Theme

pytestmark = pytest.mark.django_db
REFERENCES = [(Organisation, "partner_id"), (FundingStream, "stream_id"), (Theme, "theme_id"),
              (Outcome, "outcome_id"), (Area, "area_id"), (PooledBudget, "pool_id")]


def _delete_in_sql(table: str, pk: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])
        connection.check_constraints(table_names=[BudgetLine._meta.db_table])


@pytest.mark.parametrize("model, column", REFERENCES)
def test_the_database_refuses_to_delete_what_budget_lines_refer_to(model, column):
    line = BudgetLine.objects.filter(**{f"{column}__isnull": False}).first()
    pk = getattr(line, column)
    with pytest.raises(IntegrityError):
        _delete_in_sql(model._meta.db_table, pk)
    assert model.objects.filter(pk=pk).exists()
    with pytest.raises(ProtectedError):
        model.objects.get(pk=pk).delete()


def test_a_stream_no_line_uses_can_still_be_deleted():
    spare = FundingStream.objects.create(
        slug="spare", name="A spare stream", kind="external",
        partner=Organisation.objects.get(slug="gateshead-council"))
    _delete_in_sql(FundingStream._meta.db_table, spare.pk)
    assert not FundingStream.objects.filter(pk=spare.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers")
def test_on_postgresql_triggers_not_per_row_constraints_keep_the_references():
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
                       "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                       "WHERE c.conrelid = 'resources_budgetline'::regclass "
                       "AND c.contype = 'f'")
        constrained = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {name for (name,) in cursor.fetchall()}
    assert constrained == set()
    assert {f"resources_lines_keep_{column}" for _, column in REFERENCES} <= triggers


def _copy_of(line: BudgetLine, **changes) -> BudgetLine:
    fields = ["partner_id", "stream_id", "theme_id", "outcome_id", "area_id", "financial_year",
              "arrangement", "pool_id", "budget"]
    return BudgetLine(**{**{name: getattr(line, name) for name in fields}, **changes})


@pytest.mark.parametrize("outcome", ["none", "one"])
def test_the_database_keeps_one_line_per_key_with_or_without_an_outcome(outcome):
    line = BudgetLine.objects.filter(outcome__isnull=outcome == "none").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy_of(line).save()
    assert BudgetLine.objects.filter(
        financial_year=line.financial_year, theme=line.theme, area=line.area,
        partner=line.partner, stream=line.stream, outcome=line.outcome,
        arrangement=line.arrangement).count() == 1
    # Another year is another line.
    _copy_of(line, financial_year="1999/00").save()
    assert BudgetLine.objects.filter(financial_year="1999/00", area=line.area).count() == 1


def test_the_key_is_the_only_index_the_lines_keep_up():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, BudgetLine._meta.db_table)
    indexed = sorted(name for name, c in found.items()
                     if (c["index"] or c["unique"]) and not c["primary_key"])
    assert [name for name in indexed if not name.startswith("sqlite_autoindex")] == [
        "one_budget_line_per_key"]
