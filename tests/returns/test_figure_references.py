"""No indicator or area is deleted while figures refer to it, by Django or by plain SQL.

On SQLite foreign-key constraints keep this; on PostgreSQL, triggers do (migration 0005),
since a constraint's per-row checks cost a large upload more than writing it.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db


def _delete_in_sql(table: str, pk: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])
        # SQLite checks its (deferred) constraints at commit; ask now, inside the test.
        connection.check_constraints(table_names=[DataValue._meta.db_table])


@pytest.mark.parametrize("model, column", [(Indicator, "indicator_id"), (Area, "area_id")])
def test_the_database_refuses_to_delete_what_figures_refer_to(model, column):
    figure = DataValue.objects.first()
    pk = getattr(figure, column)
    with pytest.raises(IntegrityError):
        _delete_in_sql(model._meta.db_table, pk)
    assert model.objects.filter(pk=pk).exists()
    with pytest.raises(ProtectedError):
        model.objects.get(pk=pk).delete()


def test_what_no_figure_refers_to_can_still_be_deleted():
    indicator = Indicator.objects.first()
    spare = Indicator.objects.create(code="ZZ 99", title="A spare indicator", unit="%",
                                     outcome=indicator.outcome, owner=indicator.owner)
    _delete_in_sql(Indicator._meta.db_table, spare.pk)
    assert not Indicator.objects.filter(pk=spare.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers")
def test_on_postgresql_triggers_not_per_row_constraints_keep_the_references():
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
                       "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                       "WHERE c.conrelid = 'returns_datavalue'::regclass AND c.contype = 'f'")
        constrained = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {name for (name,) in cursor.fetchall()}
    assert not constrained & {"indicator_id", "area_id"}
    assert {"returns_figures_keep_indicator_id", "returns_figures_keep_area_id"} <= triggers
