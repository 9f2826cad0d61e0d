"""A figure's history page follows ``Change.visible_to``, and names staff only to partners."""

from __future__ import annotations

import pytest

from joinedup.history.models import Change
from joinedup.history.recording import recorded_as
from joinedup.returns.models import DataValue

pytestmark = pytest.mark.django_db


def _changed(code: str, person) -> DataValue:
    """An approved figure of ``code`` whose note ``person`` has just changed."""
    figure = DataValue.objects.filter(indicator__code=code, state="approved").order_by(
        "pk").first()
    with recorded_as(person, reason="Source confirmed"):
        figure.note = "Checked against the source"
        figure.save()
    return figure


def test_a_restricted_figures_history_is_not_found_by_a_partner_without_access(person,
                                                                                client_as):
    figure = _changed("SC 02", person("police"))  # police-restricted, shared with the council
    path = f"/returns/figures/{figure.pk}/"
    assert client_as("pct").get(path).status_code == 404
    assert client_as(None).get(path).status_code == 404
    page = client_as("police").get(path).content.decode()
    assert "Source confirmed" in page and "police.analyst" in page


def test_the_changes_to_a_restricted_figure_are_not_visible_to_a_partner_without_access(
        person):
    figure = _changed("SC 02", person("police"))
    change = Change.objects.for_object(figure).get(reason="Source confirmed")
    assert list(Change.objects.visible_to(person("pct")).for_object(figure)) == []
    assert list(Change.objects.visible_to(None).for_object(figure)) == []
    assert change in Change.objects.visible_to(person("police")).for_object(figure)


def test_anonymous_visitors_read_a_public_figures_history_without_names(person, client_as):
    pct = person("pct")
    figure = _changed("HW 01", pct)
    figure.approved_by = person("theme_lead")
    figure.save(update_fields=["approved_by"])
    path = f"/returns/figures/{figure.pk}/"
    public = client_as(None).get(path)
    assert public.status_code == 200
    page = public.content.decode()
    assert "Source confirmed" in page
    lead = person("theme_lead")
    for name in ("pct.analyst", pct.get_full_name(), "theme.lead", lead.get_full_name()):
        assert name not in page
    rows = [row["change"].actor for row in public.context["history"]]
    assert "pct.analyst" in rows  # there is a change by a person, shown as "a partner"
    assert page.count('data-testid="history-who">a partner</td>') == len(rows)
    assert "Approved</dt><dd class=\"govuk-summary-list__value\">by a partner," in page


def test_partners_see_who_changed_a_figure(person, client_as):
    figure = _changed("HW 01", person("pct"))
    figure.approved_by = person("theme_lead")
    figure.save(update_fields=["approved_by"])
    page = client_as("board").get(f"/returns/figures/{figure.pk}/").content.decode()
    assert 'data-testid="history-who">pct.analyst</td>' in page
    assert f"by {person('theme_lead').get_full_name()}," in page
