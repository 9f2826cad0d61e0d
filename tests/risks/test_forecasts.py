"""Risks driven by the forecasts: the likelihood the engine's P(meet) proposes, raised for
the owner's layer, and the owner's decision kept with its reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from joinedup.assessment.models import Assessment
from joinedup.assessment.services import run_assessment
from joinedup.history.models import Change
from joinedup.partnership.models import Body
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.risks import scoring
from joinedup.risks.forecasts import repropose
from joinedup.risks.models import Category, Likelihood, Proposal, Risk, Score
from joinedup.strategy.models import Indicator, Target

pytestmark = pytest.mark.django_db
GATESHEAD = "E08000037"


def level_for(p_miss: float) -> int:
    return max(s.level for s in Likelihood.objects.all() if p_miss >= s.p_miss_from)


def latest_p_meet() -> float:
    return Assessment.objects.get(indicator__code="HW 02", area__code=GATESHEAD,
                                  is_latest=True).p_meet_target


@pytest.fixture
def healthy_weight_risk(person):
    target = Target.objects.get(indicator__code="HW 02", area__code=GATESHEAD,
                                period="2019/20")
    recorded = level_for(1 - latest_p_meet())
    risk = Risk.objects.create(
        title="The healthy weight reward grant is lost", cause="Because obesity keeps rising",
        effect="the £500,000 reward grant is not paid", body=Body.objects.get(
            slug="active-healthy-gateshead"), owner=person("theme_lead"),
        category=Category.objects.get(slug="outcomes-and-targets"), driving_target=target,
        inherent_likelihood=recorded, inherent_impact=4, likelihood=recorded, impact=4,
        target_likelihood=recorded, target_impact=4, review_date=dt.date(2024, 3, 31))
    risk.targets.add(target)
    return risk


def add_good_year(value: float) -> None:
    DataValue.objects.create(indicator=Indicator.objects.get(code="HW 02"),
                             area=Area.objects.get(code=GATESHEAD), period="2018/19",
                             value=value, state="approved")
    run_assessment(indicator=Indicator.objects.get(code="HW 02"))


def test_no_proposal_while_the_forecast_reads_the_likelihood_on_record(healthy_weight_risk):
    assert repropose(now=dt.datetime(2024, 1, 5, tzinfo=dt.UTC)) == {"raised": 0, "closed": 0}
    assert not Proposal.objects.filter(risk=healthy_weight_risk).exists()


def test_a_better_year_moves_the_chance_across_a_band_and_the_owner_overrides(
        healthy_weight_risk, person, client_as):
    before = latest_p_meet()
    recorded = healthy_weight_risk.likelihood
    add_good_year(31.0)   # well below the last figures: the forecast improves
    after = latest_p_meet()
    proposed = level_for(1 - after)
    assert after > before and proposed < recorded
    proposal = Proposal.objects.get(risk=healthy_weight_risk, state=Proposal.State.OPEN)
    assert (proposal.recorded_likelihood, proposal.proposed_likelihood, proposal.reason) == (
        recorded, proposed, "first forecast")
    assert proposal.source == f"P(miss) {1 - after:.2f} for HW 02 target 2019/20"
    # It reaches the owner's layer: the theme partnership's register, for its owner.
    page = client_as("theme_lead").get(reverse("risks:register"),
                                       {"body": "active-healthy-gateshead"})
    assert b"Awaiting your decision" in page.content
    assert proposal.source.encode() in page.content

    scoring.decide(proposal, accept=False, person=person("theme_lead"),
                   reason="One good year is not a trend: keep it until 2019/20 figures.")
    proposal.refresh_from_db()
    healthy_weight_risk.refresh_from_db()
    assert (proposal.state, proposal.decided_likelihood, proposal.decided_by.username) == (
        "overridden", recorded, "theme.lead")
    assert healthy_weight_risk.likelihood == recorded
    kept = Score.objects.get(risk=healthy_weight_risk)
    assert (kept.source, kept.likelihood, kept.reason) == (
        "overridden", recorded, "One good year is not a trend: keep it until 2019/20 figures.")
    assert Change.objects.for_object(proposal).filter(
        reason="One good year is not a trend: keep it until 2019/20 figures.").exists()
    # Nothing new is known, so another run proposes nothing again.
    run_assessment(indicator=Indicator.objects.get(code="HW 02"))
    assert Proposal.objects.filter(risk=healthy_weight_risk, state="open").count() == 0


def test_accepting_the_proposal_records_the_new_likelihood(healthy_weight_risk, person):
    add_good_year(31.0)
    proposal = Proposal.objects.get(risk=healthy_weight_risk, state=Proposal.State.OPEN)
    scoring.decide(proposal, accept=True, person=person("theme_lead"))
    healthy_weight_risk.refresh_from_db()
    # No control is in place, so the forecast's evidence lowers the inherent likelihood too.
    assert (healthy_weight_risk.likelihood, healthy_weight_risk.inherent_likelihood) == (
        proposal.proposed_likelihood, proposal.proposed_likelihood)
    kept = Score.objects.get(risk=healthy_weight_risk)
    assert (kept.source, kept.reason) == (
        "accepted", f"Accepted the forecast's likelihood: {proposal.source}.")


def test_an_override_without_a_reason_is_refused(healthy_weight_risk, person):
    add_good_year(31.0)
    proposal = Proposal.objects.get(risk=healthy_weight_risk, state=Proposal.State.OPEN)
    with pytest.raises(scoring.ValidationError, match="Say why the forecast's likelihood"):
        scoring.decide(proposal, accept=False, person=person("theme_lead"))
    proposal.refresh_from_db()
    assert proposal.state == "open"


def test_only_those_who_keep_the_risk_decide(healthy_weight_risk, person):
    add_good_year(31.0)
    proposal = Proposal.objects.get(risk=healthy_weight_risk, state=Proposal.State.OPEN)
    with pytest.raises(scoring.PermissionDenied):
        scoring.decide(proposal, accept=True, person=person("police"))
    assert Proposal.objects.get(pk=proposal.pk).state == "open"
