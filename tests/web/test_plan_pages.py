"""Delivery plan pages: the lead partnership writes a plan through its five stages and its
option appraisal, opens it to challenge, answers the other partnerships' comments and agrees
it; every refusal of the rules shows in the error summary and nothing is saved."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from joinedup.partnership.models import Body
from joinedup.strategy import planning
from joinedup.strategy.delivery import ChallengeComment, DeliveryPlan, PlanAnswer, PlanQuestion
from joinedup.strategy.models import Indicator, Outcome

pytestmark = pytest.mark.django_db

LEAD = "active-healthy-gateshead"
OUTCOME = "Children grow up a healthy weight"
STAGE_HEADINGS = ["Stage 1: Priorities understood", "Stage 2: Current performance and trends",
                  "Stage 3: Where we are going", "Stage 4: The interventions",
                  "Stage 5: How they will be achieved"]
NO_BAU = ("The short list has no “business as usual” option: add it, with its costs, effect "
          "and risks, so the chosen option is weighed against it.")
NO_DO_MINIMUM = ("The short list has no “do minimum” option: add it, with its costs, effect and "
                 "risks, so the chosen option is weighed against it.")


def words(response) -> str:
    """What a reader hears of a page: its text without tags or charts, spaces collapsed."""
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def problems(response) -> list[tuple[str, str]]:
    """The error summary: each problem's link and words."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.content.decode(),
                      flags=re.S)
    if found is None:
        return []
    return [(href, html.unescape(text)) for href, text in
            re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', found.group(1))]


@pytest.fixture
def plan(person) -> DeliveryPlan:
    return DeliveryPlan.objects.create(
        title="Healthy weight in childhood", outcome=Outcome.objects.get(title=OUTCOME),
        lead=Body.objects.get(slug=LEAD), owner=person("theme_lead"))


def address(plan) -> str:
    return reverse("strategy:plan", args=[plan.pk])


def answer_every_question(client, plan):
    for question in PlanQuestion.objects.filter(generated=False):
        response = client.post(address(plan), {"form": "answer", "question": question.pk,
                                               "text": f"Our answer on {question.key}."})
        assert response.status_code == 302


def add_option(client, plan, kind, title, chosen=False):
    response = client.post(address(plan), {
        "form": "option", "kind": kind, "title": title, "capital_cost": "0",
        "revenue_cost": "120000", "expected_effect": f"The effect of {title.lower()}.",
        "risks": "Staff turnover."})
    assert response.status_code == 302


def choose(client, plan, title, reason):
    option = plan.options.get(title=title)
    return client.post(address(plan), {"form": "choose", "option": option.pk,
                                       "reason": reason})


def move(client, plan, name):
    return client.post(address(plan), {"form": "move", "move": name})


def test_anonymous_people_are_sent_to_sign_in(client_as, plan):
    client = client_as(None)
    sign_in = reverse("web:sign-in")
    for page in (reverse("strategy:plans"), address(plan)):
        response = client.get(page)
        assert (response.status_code, response.url) == (302, f"{sign_in}?next={page}")


def test_the_list_shows_each_plan_with_what_it_is_for_its_lead_owner_and_state(client_as,
                                                                              plan):
    response = client_as("police").get(reverse("strategy:plans"))
    assert response.status_code == 200
    row = re.search(rf'<tr class="govuk-table__row" data-plan="{plan.pk}">(.*?)</tr>',
                    response.content.decode(), flags=re.S).group(1)
    assert re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row))).strip() == (
        f"Healthy weight in childhood Outcome: {OUTCOME} Active and Healthy Gateshead "
        "Partnership Helen Okafor Draft")


def test_the_page_shows_the_five_stages_and_the_generated_answers(client_as, plan):
    before = timezone.now()
    response = client_as("theme_lead").get(address(plan))
    assert response.status_code == 200
    headings = re.findall(r'<h2 class="govuk-heading-m" id="stage-\d">(.*?)</h2>',
                          response.content.decode())
    assert headings == STAGE_HEADINGS
    generated = PlanAnswer.objects.get(plan=plan, question__key="performance-and-trend")
    assert generated.generated_at >= before
    when = timezone.localtime(generated.generated_at)
    page = words(response)
    assert ("How is performance now, and what is its trend? HW 01 Reception children with "
            "excess weight: 22.5% in 2017/18; worse than target, but within the tolerance; "
            "worsening on the period before; common cause variation: no significant change. "
            "HW 02 Year 6 children with excess weight: 36.8% in 2017/18; worse than target by "
            "more than the tolerance; improving on the period before; common cause variation: "
            "no significant change. Generated from the latest assessment and budget lines on "
            f"{when.day} {when:%B %Y} at {when:%H:%M}.") in page
    assert page.count("Generated from the latest assessment and budget lines on "
                      f"{when.day} {when:%B %Y} at {when:%H:%M}.") == 3


def test_a_plan_goes_from_draft_through_its_challenge_to_agreed(client_as, plan, person):
    lead = client_as("theme_lead")
    answer_every_question(lead, plan)
    add_option(lead, plan, "bau", "Carry on as now")
    add_option(lead, plan, "do_minimum", "Keep the school nurses only")
    add_option(lead, plan, "other", "A family weight service")
    response = choose(lead, plan, "A family weight service",
                      "The biggest effect for the money.")
    assert response.status_code == 302
    page = words(lead.get(address(plan)))
    assert ("A family weight service Another option £0 £120,000 The effect of a family weight "
            "service. Staff turnover. Chosen") in page
    assert "Carry on as now Business as usual £0 £120,000" in page
    assert "Why the chosen option The biggest effect for the money." in page

    assert move(lead, plan, "open").status_code == 302
    assert DeliveryPlan.objects.get(pk=plan.pk).state == "challenge"

    police = client_as("police")
    safer = Body.objects.get(slug="safer-gateshead")
    shown = police.get(address(plan))
    assert "You comment as Safer Gateshead Partnership." in words(shown)
    response = police.post(address(plan), {
        "form": "comment", "body": safer.pk, "kind": "linkage",
        "text": "Link with the night-time economy work on alcohol."})
    assert response.status_code == 302
    remark = ChallengeComment.objects.get(plan=plan)
    assert (remark.body, remark.written_by) == (safer, person("police"))

    lead = client_as("theme_lead")
    refused = move(lead, plan, "agree")
    assert refused.status_code == 200
    assert problems(refused) == [
        (f"#reply-{remark.pk}-answer", "Safer Gateshead Partnership's comment on a linkage is "
                                       "not answered yet.")]
    assert DeliveryPlan.objects.get(pk=plan.pk).state == "challenge"

    response = lead.post(address(plan), {"form": "reply", "comment": remark.pk,
                                         "answer": "Added to stage 4: a joint action."})
    assert response.status_code == 302
    assert move(lead, plan, "agree").status_code == 302
    agreed = DeliveryPlan.objects.get(pk=plan.pk)
    assert (agreed.state, agreed.agreed_by) == ("agreed", person("theme_lead"))
    page = words(lead.get(address(plan)))
    assert ("Safer Gateshead Partnership on a linkage Comment Link with the night-time economy "
            "work on alcohol.") in page
    assert "Answer from Active and Healthy Gateshead Partnership Added to stage 4: a joint action." in page


def test_an_appraisal_without_business_as_usual_and_do_minimum_is_refused(client_as, plan):
    lead = client_as("theme_lead")
    answer_every_question(lead, plan)
    add_option(lead, plan, "other", "A family weight service")
    assert choose(lead, plan, "A family weight service", "It works in Sunderland.") \
        .status_code == 302
    refused = move(lead, plan, "open")
    assert refused.status_code == 200
    assert problems(refused) == [("#option-kind", NO_BAU), ("#option-kind", NO_DO_MINIMUM)]
    assert DeliveryPlan.objects.get(pk=plan.pk).state == "draft"


def test_a_plan_opened_too_soon_links_each_refusal_to_the_box_that_puts_it_right(client_as,
                                                                               plan):
    lead = client_as("theme_lead")
    for key in ("priority", "interventions"):
        question = PlanQuestion.objects.get(key=key)
        lead.post(address(plan), {"form": "answer", "question": question.pk, "text": "Done."})
    refused = move(lead, plan, "open")
    assert problems(refused) == [
        ("#answer-who-and-where-text", "Stage 1: answer “Who is most affected, and where?”"),
        ("#answer-how-text", "Stage 5: answer “How will the interventions be achieved, and "
                             "what works locally?”"),
        ("#option-kind", NO_BAU), ("#option-kind", NO_DO_MINIMUM),
        ("#option-kind", "Choose one option from the short list."),
        ("#option-kind", "Say why the chosen option was chosen.")]
    page = refused.content.decode()
    for box in ("answer-who-and-where-text", "answer-how-text", "option-kind"):
        assert f'id="{box}"' in page
    assert '<label class="govuk-label govuk-label--s" for="answer-how-text">How will the ' \
           "interventions be achieved, and what works locally?</label>" in page


def test_someone_who_may_not_lead_the_plan_is_refused_its_lead_actions(client_as, plan,
                                                                       person):
    assert not planning.may_lead(plan, person("police"))
    police = client_as("police")
    assert move(police, plan, "open").status_code == 403
    response = police.post(address(plan), {"form": "option", "kind": "bau", "title": "Carry on",
                                           "capital_cost": "0", "revenue_cost": "0",
                                           "expected_effect": "None."})
    assert response.status_code == 403
    assert (DeliveryPlan.objects.get(pk=plan.pk).state, plan.options.count()) == ("draft", 0)


def test_an_option_with_mistakes_is_shown_again_with_each_linked_from_the_summary(client_as,
                                                                                  plan):
    lead = client_as("theme_lead")
    response = lead.post(address(plan), {"form": "option", "kind": "other", "title": "",
                                         "capital_cost": "lots", "revenue_cost": "0",
                                         "expected_effect": "Fewer children overweight."})
    assert response.status_code == 200
    assert problems(response) == [
        ("#option-title", "Say what the option is."),
        ("#option-capital_cost", "Capital cost must be an amount in pounds, such as 25000.")]
    assert plan.options.count() == 0


START_FORM = re.compile(r'<form method="post" novalidate data-testid="start-form">(.*?)</form>',
                        flags=re.S)
THEME_PARTNERSHIPS = ["Prosperous Gateshead Partnership", "Active and Healthy Gateshead Partnership",
                      "Safer Gateshead Partnership", "Children and Young People's Trust Board",
                      "Sustainable Gateshead Partnership", "Independent Living Partnership"]


def start_form_leads(response) -> list[str] | None:
    """The partnerships the start form offers to lead the plan, or None without the form."""
    form = START_FORM.search(response.content.decode())
    if form is None:
        return None
    return [html.unescape(label) for label in re.findall(
        r'<label class="govuk-label govuk-radios__label" for="start-lead[^"]*">(.*?)</label>',
        form.group(1))]


def start(client, **fields):
    return client.post(reverse("strategy:plans"), fields)


def test_the_start_form_is_shown_only_to_those_who_may_start_a_plan(client_as, person):
    plans = reverse("strategy:plans")
    assert start_form_leads(client_as("theme_lead").get(plans)) == [
        "Active and Healthy Gateshead Partnership"]
    assert start_form_leads(client_as("police").get(plans)) == ["Safer Gateshead Partnership"]
    assert start_form_leads(client_as("officer").get(plans)) == THEME_PARTNERSHIPS
    finance = client_as("finance")
    assert not any(planning.may_start(body, person("finance"))
                   for body in Body.objects.filter(kind__in=planning.PLAN_LEADS))
    assert start_form_leads(finance.get(plans)) is None
    assert "Start a delivery plan" not in words(finance.get(plans))
    before = DeliveryPlan.objects.count()
    refused = start(finance, title="A plan", lead=Body.objects.get(slug=LEAD).pk,
                    outcome=Outcome.objects.get(title=OUTCOME).pk)
    assert (refused.status_code, DeliveryPlan.objects.count()) == (403, before)


def test_the_plans_are_in_the_navigation_of_those_signed_in(client_as):
    link = '<a class="govuk-service-navigation__link" href="/plans/"'
    assert link not in client_as(None).get(reverse("partnership:overview")).content.decode()
    page = client_as("police").get(reverse("strategy:plans")).content.decode()
    assert f'{link} aria-current="page">' in page


def test_a_theme_lead_starts_a_plan_for_an_outcome(client_as, person):
    outcome = Outcome.objects.get(title=OUTCOME)
    lead = Body.objects.get(slug=LEAD)
    response = start(client_as("theme_lead"), title="  Healthier weight in Reception  ",
                     lead=lead.pk, outcome=outcome.pk, indicator="")
    started = DeliveryPlan.objects.get(title="Healthier weight in Reception")
    assert (response.status_code, response.url) == (302, f"/plans/{started.pk}/")
    assert (started.lead, started.owner, started.outcome, started.indicator, started.state,
            started.illustrative) == (lead, person("theme_lead"), outcome, None, "draft", False)


def test_the_partnership_officer_starts_a_plan_for_an_indicator(client_as, person):
    indicator = Indicator.objects.get(code="SC 02")
    safer = Body.objects.get(slug="safer-gateshead")
    response = start(client_as("officer"), title="Fewer violent crimes in the town centre",
                     lead=safer.pk, outcome="", indicator=indicator.pk)
    started = DeliveryPlan.objects.get(title="Fewer violent crimes in the town centre")
    assert (response.status_code, response.url) == (302, f"/plans/{started.pk}/")
    assert (started.lead, started.owner, started.outcome, started.indicator) == (
        safer, person("officer"), None, indicator)


def test_a_start_without_a_title_and_for_both_an_outcome_and_an_indicator_is_refused(
        client_as):
    before = DeliveryPlan.objects.count()
    response = start(client_as("theme_lead"), title=" ", lead=Body.objects.get(slug=LEAD).pk,
                     outcome=Outcome.objects.get(title=OUTCOME).pk,
                     indicator=Indicator.objects.get(code="HW 02").pk)
    assert response.status_code == 200
    assert problems(response) == [
        ("#start-title", "Give the plan a title."),
        ("#start-outcome", "Choose one outcome or one indicator for the plan, not both.")]
    assert "<title>Error: Delivery plans" in response.content.decode()
    assert DeliveryPlan.objects.count() == before


def test_a_police_analyst_may_not_start_a_plan_led_by_active_and_healthy_gateshead(client_as):
    before = DeliveryPlan.objects.count()
    response = start(client_as("police"), title="Healthier weight in Reception",
                     lead=Body.objects.get(slug=LEAD).pk,
                     outcome=Outcome.objects.get(title=OUTCOME).pk)
    assert response.status_code == 403
    assert DeliveryPlan.objects.count() == before
