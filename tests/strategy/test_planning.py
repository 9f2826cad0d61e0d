"""A delivery plan moves draft → challenge → agreed only by its rules: an option appraisal
with business as usual and do-minimum, and no challenge comment left unanswered."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from joinedup.history.models import Change
from joinedup.partnership.models import Body
from joinedup.strategy import planning
from joinedup.strategy.delivery import DeliveryPlan, Option, PlanAnswer, PlanQuestion
from joinedup.strategy.models import Outcome

pytestmark = pytest.mark.django_db
LEAD = "active-healthy-gateshead"


@pytest.fixture
def plan(person):
    made = DeliveryPlan.objects.create(
        title="Children grow up a healthy weight",
        outcome=Outcome.objects.get(title="Children grow up a healthy weight"),
        lead=Body.objects.get(slug=LEAD), owner=person("theme_lead"))
    for question in PlanQuestion.objects.filter(generated=False):
        PlanAnswer.objects.create(plan=made, question=question, text=f"Our answer: {question.key}")
    return made


def short_list(plan, *kinds, chosen="other"):
    for kind in kinds:
        Option.objects.create(plan=plan, kind=kind, title=f"Option {kind}",
                              revenue_cost=Decimal("100000"), expected_effect="Some effect",
                              chosen=kind == chosen)


def test_an_appraisal_without_business_as_usual_and_do_minimum_is_refused(plan, person):
    short_list(plan, "other")
    plan.choice_reason = "It works in Sunderland."
    with pytest.raises(ValidationError) as refused:
        planning.open_to_challenge(plan, person("theme_lead"))
    assert refused.value.messages == [
        "The short list has no “business as usual” option: add it, with its costs, effect "
        "and risks, so the chosen option is weighed against it.",
        "The short list has no “do minimum” option: add it, with its costs, effect and risks, "
        "so the chosen option is weighed against it."]
    assert DeliveryPlan.objects.get(pk=plan.pk).state == "draft"


def test_unanswered_questions_and_no_reason_are_refused(plan, person):
    PlanAnswer.objects.filter(plan=plan, question__key="how").update(text="")
    short_list(plan, "bau", "do_minimum", "other")
    with pytest.raises(ValidationError) as refused:
        planning.open_to_challenge(plan, person("theme_lead"))
    assert refused.value.messages == [
        "Stage 5: answer “How will the interventions be achieved, and what works locally?”",
        "Say why the chosen option was chosen."]


def test_a_plan_is_not_agreed_while_a_challenge_comment_is_unanswered(plan, person):
    short_list(plan, "bau", "do_minimum", "other")
    plan.choice_reason = "Best effect for the money."
    planning.open_to_challenge(plan, person("theme_lead"))
    safer = Body.objects.get(slug="safer-gateshead")
    remark = planning.comment(plan, body=safer, person=person("police"), kind="linkage",
                              text="Link with the night-time economy work on alcohol.")
    with pytest.raises(ValidationError) as refused:
        planning.agree(plan, person("theme_lead"))
    assert refused.value.messages == [
        "Safer Gateshead Partnership's comment on a linkage is not answered yet."]
    assert DeliveryPlan.objects.get(pk=plan.pk).state == "challenge"
    planning.answer(remark, person=person("theme_lead"),
                    text="Added to stage 4: a joint action with Safer Gateshead.")
    with pytest.raises(ValidationError) as refused:
        planning.answer(remark, person=person("theme_lead"), text="A second thought.")
    assert refused.value.messages == [
        "Safer Gateshead Partnership's comment is answered already: the answer stands as "
        "given."]
    remark.refresh_from_db()
    assert remark.answer == "Added to stage 4: a joint action with Safer Gateshead."
    planning.agree(plan, person("theme_lead"))
    plan.refresh_from_db()
    assert (plan.state, plan.agreed_by.username) == ("agreed", "theme.lead")
    assert Change.objects.for_object(plan).filter(reason="Agreed after its challenge").exists()


def test_only_other_theme_or_district_partnerships_comment_and_only_the_lead_agrees(plan, person):
    short_list(plan, "bau", "do_minimum", "other")
    plan.choice_reason = "Best effect for the money."
    planning.open_to_challenge(plan, person("theme_lead"))
    with pytest.raises(ValidationError,
                       match=r"^\[.Comments come from the other theme and district partnerships\..\]$"):
        planning.comment(plan, body=plan.lead, person=person("theme_lead"), kind="gap",
                         text="We forgot something.")
    with pytest.raises(PermissionDenied, match="Only members of Safer Gateshead"):
        planning.comment(plan, body=Body.objects.get(slug="safer-gateshead"),
                         person=person("pct"), kind="gap", text="A gap.")
    with pytest.raises(PermissionDenied):
        planning.agree(plan, person("police"))


def test_a_member_of_a_theme_partnership_starts_a_plan_it_leads(person):
    lead = Body.objects.get(slug=LEAD)
    outcome = Outcome.objects.get(title="Children grow up a healthy weight")
    made = planning.start_plan(person("theme_lead"), title="  Healthy weight  ", lead=lead,
                               outcome=outcome)
    assert (made.title, made.state, made.owner.username, made.outcome_id) == (
        "Healthy weight", "draft", "theme.lead", outcome.pk)
    assert Change.objects.for_object(made).get().reason == f"Plan started for {lead}"


def test_a_plan_is_started_only_by_its_lead_for_one_outcome_or_indicator(person):
    lead = Body.objects.get(slug=LEAD)
    outcome = Outcome.objects.get(title="Children grow up a healthy weight")
    before = DeliveryPlan.objects.count()
    with pytest.raises(PermissionDenied) as refused:
        planning.start_plan(person("police"), title="Healthy weight", lead=lead,
                            outcome=outcome)
    assert str(refused.value) == ("Only the members of Active and Healthy Gateshead "
                                  "Partnership and the partnership officer may start a plan "
                                  "it leads.")
    with pytest.raises(ValidationError) as refused:
        planning.start_plan(person("theme_lead"), title=" ", lead=lead)
    assert refused.value.messages == [
        "Give the plan a title.", "Choose one outcome or one indicator for the plan, not both."]
    with pytest.raises(ValidationError) as refused:
        planning.start_plan(person("theme_lead"), title="A plan",
                            lead=Body.objects.get(slug="steering-group"), outcome=outcome)
    assert refused.value.messages == [
        "Steering Group is not a theme or district partnership: one of those leads a delivery "
        "plan."]
    assert DeliveryPlan.objects.count() == before


def test_only_an_option_on_the_plans_short_list_is_chosen_and_with_a_reason(plan, person):
    short_list(plan, "bau", "do_minimum", "other")
    other_plan = DeliveryPlan.objects.exclude(pk=plan.pk).first()
    elsewhere = Option.objects.create(plan=other_plan, kind="other", title="Not this plan's",
                                      expected_effect="None here")
    with pytest.raises(ValidationError) as refused:
        planning.choose_option(plan, elsewhere.pk, " ", person("theme_lead"))
    assert refused.value.messages == [
        f"There is no option {elsewhere.pk} on this plan's short list.",
        "Say why the chosen option was chosen."]
    assert list(plan.options.filter(chosen=True).values_list("kind", flat=True)) == ["other"]
