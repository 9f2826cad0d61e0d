"""The partnership keeps its scales, bands and appetites in the administration, with a
reason; changes that would break the matrix are refused, and risks are raised at their
inherent score."""

from __future__ import annotations

import pytest
from django.urls import reverse

from joinedup.history.models import Change
from joinedup.partnership.models import Body, Person
from joinedup.risks.models import Band, Category, Likelihood, Risk

pytestmark = pytest.mark.django_db
REASON = "Agreed at the risk workshop"


@pytest.fixture
def admin_client(client):
    client.force_login(Person.objects.create_superuser("site.admin", "a@example.org", "x-0"))
    return client


def test_an_appetite_changes_with_its_reason(admin_client):
    finance = Category.objects.get(slug="finance")
    answer = admin_client.post(reverse("admin:risks_category_change", args=[finance.pk]), {
        "name": finance.name, "slug": finance.slug, "appetite": "6",
        "description": finance.description, "change_reason": REASON})
    assert answer.status_code == 302
    finance.refresh_from_db()
    assert finance.appetite == 6
    assert Change.objects.for_object(finance).filter(reason=REASON).exists()


def test_a_band_that_leaves_a_score_uncovered_is_refused(admin_client):
    high = Band.objects.get(name="High")
    answer = admin_client.post(reverse("admin:risks_band_change", args=[high.pk]), {
        "name": "High", "lowest": "9", "highest": "12", "colour": "orange",
        "change_reason": REASON})
    assert answer.status_code == 200
    assert ("With this band, the bands must hold every score L × I once; not [8]."
            in answer.content.decode())
    assert Band.objects.get(pk=high.pk).lowest == 8


def test_bounds_of_p_miss_that_fall_as_the_likelihood_rises_are_refused(admin_client):
    likely = Likelihood.objects.get(level=4)
    answer = admin_client.post(reverse("admin:risks_likelihood_change", args=[likely.pk]), {
        "level": "4", "word": likely.word, "description": likely.description,
        "p_miss_from": "0.9", "change_reason": REASON})
    assert answer.status_code == 200
    assert "With this level, the P(miss) bounds must start at 0 and rise with the likelihood." \
        in answer.content.decode()


def test_a_risk_is_raised_at_its_inherent_score(admin_client):
    body = Body.objects.get(slug="sustainable-gateshead")
    owner = Person.objects.get(username="officer")
    form = {"title": "Flooding closes the Team Valley", "cause": "Because of heavy rain",
            "effect": "businesses close", "category": Category.objects.get(slug="reputation").pk,
            "owner": owner.pk, "body": body.pk, "inherent_likelihood": "3",
            "inherent_impact": "4", "likelihood": "2", "impact": "4",
            "target_likelihood": "2", "target_impact": "3", "review_date": "2024-03-31",
            "change_reason": REASON}
    refused = admin_client.post(reverse("admin:risks_risk_add"), form)
    assert refused.status_code == 200
    assert "Raise a risk at its inherent score" in refused.content.decode()
    assert not Risk.objects.filter(title="Flooding closes the Team Valley").exists()
    added = admin_client.post(reverse("admin:risks_risk_add"), {**form, "likelihood": "3"})
    assert added.status_code == 302
    risk = Risk.objects.get(title="Flooding closes the Team Valley")
    assert (risk.score, risk.inherent_score, risk.target_score) == (12, 12, 6)
    assert Change.objects.for_object(risk).filter(reason=REASON).exists()
