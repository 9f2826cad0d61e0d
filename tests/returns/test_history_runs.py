"""Figures created together are recorded as one run; each figure's history still tells all."""

from __future__ import annotations

import pytest

from joinedup.history.models import Change
from joinedup.history.reading import history_of
from joinedup.returns import workflow
from joinedup.returns.importing import import_file
from joinedup.returns.models import DataValue

from .helpers import GATESHEAD, csv_bytes, latest, next_label

pytestmark = pytest.mark.django_db


def _send_two(pct):
    """New HW 01 and HW 02 figures for Gateshead, in one upload."""
    lines = [f"{code},{GATESHEAD},{next_label(code)},{latest(code).value}"
             for code in ("HW 01", "HW 02")]
    result = import_file(csv_bytes(["indicator,area,period,value", *lines]), "two.csv",
                         user=pct)
    assert result.saved and result.created == 2
    return DataValue.objects.filter(pk__in=result.value_ids).order_by("pk"), result


def test_one_change_covers_the_run_and_only_the_run(person):
    figures, result = _send_two(person("pct"))
    run = Change.objects.get(action="create", object_id=figures[0].pk)
    assert (run.last_object_id, run.run_size, run.actor) == (figures[1].pk, 2, "pct.analyst")
    assert run.after == {"figures": 2, "state": "draft", "source": "two.csv",
                         "upload": result.upload.pk}
    for figure in figures:
        assert list(Change.objects.for_object(figure)) == [run]
    # a figure just outside the run is not covered by it
    outside = DataValue.objects.filter(pk__lt=figures[0].pk).order_by("-pk").first()
    assert run not in Change.objects.for_object(outside)


def test_history_fills_in_the_values_as_created_from_later_changes(person):
    pct = person("pct")
    figures, _ = _send_two(pct)
    figure = figures[0]
    sent = figure.value
    result = workflow.change_value(figure, pct, version=figure.version, value=sent + 0.5,
                                   note="Corrected after a recount")
    assert result.saved
    figure.refresh_from_db()
    changed, created = history_of(figure, pct)
    assert (changed.action, created.action) == ("update", "create")
    assert (changed.before["value"], changed.after["value"]) == (sent, sent + 0.5)
    # the creation shows the figure as it was sent, not as it is now
    assert created.before is None and created.after["value"] == sent
    assert created.after["note"] == "" and created.after["version"] == 1
    assert created.run["source"] == "two.csv"
    # the other figure of the run, never changed, shows itself as it is
    (untouched,) = history_of(figures[1], pct)
    assert untouched.after == figures[1].snapshot()


def test_the_figure_page_says_where_a_created_figure_came_from(person, client_as):
    figures, result = _send_two(person("pct"))
    page = client_as("pct").get(f"/returns/figures/{figures[0].pk}/").content.decode()
    assert "one of 2 figures sent in" in page
    assert f'href="/returns/uploads/{result.upload.pk}/"' in page
    assert f"value: {figures[0].value}" in page
    officer = client_as("officer").get(f"/returns/figures/{figures[0].pk}/").content.decode()
    assert f'href="/returns/uploads/{result.upload.pk}/"' in officer
    # the theme lead, approving it, is told the file's name but is not led to the file
    workflow.submit(figures, person("pct"))
    lead = client_as("theme_lead").get(f"/returns/figures/{figures[0].pk}/").content.decode()
    assert "one of 2 figures sent in two.csv" in lead
    assert f"/returns/uploads/{result.upload.pk}/" not in lead
