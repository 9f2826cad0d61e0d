"""The demo partnership's pathway of actions and its risk register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from joinedup.assessment.models import Assessment
from joinedup.core.periods import financial_quarter
from joinedup.history.models import Change
from joinedup.risks.models import Control, Likelihood, Proposal, Risk, Score
from joinedup.risks.register import previous_quarter, register
from joinedup.risks.scoring import check_justified, quarter_of
from joinedup.strategy.models import PathwayAction, ProgressNote

pytestmark = pytest.mark.django_db

REWARD_RISK = "Healthy weight reward grant lost"
NEW_THIS_QUARTER = "NHS reorganisation weakens the PCT's focus on Gateshead"


def test_the_pathway_has_the_fifty_actions_due_between_2007_and_2010():
    # The Audit Commission's case study: 50 pathway actions to complete in 2007-2010.
    due = PathwayAction.objects.filter(due__gte=dt.date(2007, 1, 1),
                                       due__lte=dt.date(2010, 12, 31))
    assert due.count() == 50
    assert due.filter(owner__isnull=True).count() == 0


def test_only_what_the_case_study_says_is_not_illustrative():
    stated = PathwayAction.objects.filter(illustrative=False)
    assert stated.count() == 7
    assert {a.note.startswith("The case study:") for a in stated} == {True}
    assert {(a.status, a.progress) for a in stated} == {("complete", 100)}


def test_statuses_agree_with_progress():
    assert set(PathwayAction.objects.filter(status="complete")
               .values_list("progress", flat=True)) == {100}
    assert set(PathwayAction.objects.filter(status="not_started")
               .values_list("progress", flat=True)) == {0}


def test_nearly_every_action_due_before_2009_is_complete():
    early = PathwayAction.objects.filter(due__lt=dt.date(2009, 1, 1))
    assert (early.count(), early.filter(status="complete").count()) == (10, 9)


def test_owners_write_progress_notes():
    assert ProgressNote.objects.count() == 8
    assert ProgressNote.objects.filter(written_by__isnull=True).count() == 0


def test_every_risk_is_valid_and_its_score_justified():
    risks = list(Risk.objects.all())
    assert len(risks) == 13
    for risk in risks:
        risk.full_clean()
        check_justified(risk, risk.likelihood, risk.impact)
    assert {r.illustrative for r in risks} == {True}
    assert Control.objects.filter(actions__isnull=True).count() == 0


def test_the_theme_lead_owns_two_active_and_healthy_risks():
    owned = Risk.objects.filter(owner__username="theme.lead",
                                body__slug="active-healthy-gateshead")
    assert owned.count() == 2


def test_the_reward_risk_is_driven_by_the_2019_20_stretch_target():
    risk = Risk.objects.get(title=REWARD_RISK)
    target = risk.driving_target
    assert (target.indicator.code, target.period, target.kind, target.reward_grant) == (
        "HW 02", "2019/20", "reward", Decimal("500000.00"))
    assert list(risk.pools.values_list("slug", flat=True)) == ["healthy-weight-pool"]


def test_the_reward_risk_has_the_proposal_its_forecast_implies():
    risk = Risk.objects.get(title=REWARD_RISK)
    target = risk.driving_target
    latest = Assessment.objects.get(indicator=target.indicator, area=target.area,
                                    is_latest=True)
    assert (latest.forecast_period, latest.target) == (target.period, target.value)
    p_miss = 1 - latest.p_meet_target
    reads = max(level for level, p_miss_from
                in Likelihood.objects.values_list("level", "p_miss_from")
                if p_miss_from <= p_miss)
    # The forecast reads a likelihood other than the one on record, so one proposal
    # awaits the owner.
    assert reads != risk.likelihood
    assert list(risk.proposals.values_list(
        "state", "recorded_likelihood", "proposed_likelihood", "p_miss")) == [
        (Proposal.State.OPEN, risk.likelihood, reads, round(p_miss, 4))]


def test_restricted_risks_are_seen_only_within_their_bodies(person):
    restricted = Risk.objects.filter(restricted=True)
    assert sorted(restricted.values_list("body__slug", flat=True)) == [
        "childrens-trust", "safer-gateshead", "safer-gateshead"]
    assert Risk.objects.visible_to(person("pct")).filter(restricted=True).count() == 0
    assert sorted(Risk.objects.visible_to(person("police")).filter(restricted=True)
                  .values_list("body__slug", flat=True)) == [
        "safer-gateshead", "safer-gateshead"]


def test_score_history_covers_the_last_two_quarters():
    this_quarter = financial_quarter(timezone.localdate())
    last_two = [quarter_of(this_quarter.shift(-n).start) for n in (2, 1)]
    assert last_two[1] == previous_quarter(timezone.localdate())
    scored = {quarter: set(Score.objects.filter(quarter=quarter)
                           .values_list("risk__title", flat=True)) for quarter in last_two}
    everything_but_new = set(Risk.objects.exclude(title=NEW_THIS_QUARTER)
                             .values_list("title", flat=True))
    assert scored == dict.fromkeys(last_two, everything_but_new)


def test_the_register_shows_movement_since_the_last_quarter(person):
    table = register(person("officer"))
    moved = dict(table.group_by("movement").len().iter_rows())
    assert moved == {"up": 4, "down": 4, "same": 4, "new": 1}


def test_every_risk_and_score_written_is_in_the_history():
    for model in (Risk, Control, Score, PathwayAction, ProgressNote):
        created = set(Change.objects.filter(
            content_type=ContentType.objects.get_for_model(model), action="create",
            actor="demo builder").values_list("object_id", flat=True))
        assert set(model.objects.values_list("pk", flat=True)) - created == set()


def test_building_again_keeps_the_same_register():
    def counts():
        return (PathwayAction.objects.count(), ProgressNote.objects.count(),
                Risk.objects.count(), Control.objects.count(), Score.objects.count(),
                Proposal.objects.count(), Proposal.objects.filter(state="open").count())

    before = counts()
    call_command("demo", "--no-migrate", "--quiet", verbosity=0)
    # 53 pathway actions from pathway.toml, and 1 agreed from last year's 7S self-assessment
    assert counts() == before == (54, 8, 13, 32, 33, 1, 1)
