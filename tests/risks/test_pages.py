"""The risk pages, and who sees and keeps which risk: a restricted risk never leaks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from joinedup.partnership.models import Body, Organisation, Person
from joinedup.risks.models import Category, Control, Risk, Score
from joinedup.strategy.models import Outcome, PathwayAction

pytestmark = pytest.mark.django_db
EVERYONE = ["officer", "pct", "police", "theme_lead", "board", "steering", "finance"]


def make_risk(title: str, body: str, owner: str, *, restricted=False, inherent=(4, 4),
              now=(4, 4)) -> Risk:
    return Risk.objects.create(
        title=title, cause="Because of a cause", effect="leading to an effect",
        category=Category.objects.get(slug="outcomes-and-targets"),
        body=Body.objects.get(slug=body), owner=Person.objects.get(username=owner),
        restricted=restricted, inherent_likelihood=inherent[0], inherent_impact=inherent[1],
        likelihood=now[0], impact=now[1], target_likelihood=2, target_impact=2,
        review_date=dt.date(2024, 6, 30))


@pytest.fixture
def risks():
    return {"open": make_risk("Fewer children walk to school", "active-healthy-gateshead",
                              "theme.lead"),
            "restricted": make_risk("An organised crime group targets a ward",
                                    "safer-gateshead", "police.analyst", restricted=True)}


SEES_RESTRICTED = {"officer", "police"}
KEEPS_OPEN = {"officer", "theme_lead", "pct"}
KEEPS_RESTRICTED = {"officer", "police"}


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_permission_matrix(risks, persona, person, client_as):
    user = person(persona)
    assert set(Risk.objects.visible_to(user).filter(pk__in=[r.pk for r in risks.values()])
               .values_list("title", flat=True)) == {
        risks["open"].title, *([risks["restricted"].title] if persona in SEES_RESTRICTED
                               else [])}
    assert Risk.objects.editable_by(user).filter(pk=risks["open"].pk).exists() == (
        persona in KEEPS_OPEN)
    assert Risk.objects.editable_by(user).filter(pk=risks["restricted"].pk).exists() == (
        persona in KEEPS_RESTRICTED)
    client = client_as(persona)
    register = client.get(reverse("risks:register"))
    assert register.status_code == 200
    assert (risks["restricted"].title.encode() in register.content) == (
        persona in SEES_RESTRICTED)
    page = client.get(reverse("risks:risk", args=[risks["restricted"].pk]))
    assert page.status_code == (200 if persona in SEES_RESTRICTED else 404)
    assert risks["restricted"].title.encode() not in page.content or persona in SEES_RESTRICTED
    scored = client.post(reverse("risks:risk", args=[risks["open"].pk]), {
        "form": "score", "likelihood": "4", "impact": "5", "reason": "Worse than thought"})
    assert scored.status_code == (302 if persona in KEEPS_OPEN else 403)


def test_nobody_signed_out_sees_the_register(risks, client_as):
    client = client_as(None)
    assert client.get(reverse("risks:register")).status_code == 302
    assert client.get(reverse("risks:risk", args=[risks["open"].pk])).status_code == 302


def test_scoring_down_needs_a_control_in_place(risks, client_as):
    risk = risks["open"]
    client = client_as("theme_lead")
    url = reverse("risks:risk", args=[risk.pk])
    refused = client.post(url, {"form": "score", "likelihood": "2", "impact": "4",
                                "reason": "We have a plan"})
    assert refused.status_code == 200
    assert b"below the inherent score of 16, but no control is in place" in refused.content
    assert not Score.objects.filter(risk=risk).exists()

    action = PathwayAction.objects.create(
        outcome=Outcome.objects.filter(theme__body__slug="active-healthy-gateshead").first(),
        title="Walking bus in every primary school", due=dt.date(2009, 9, 1),
        lead=Organisation.objects.get(slug="gateshead-council"), status="on_track")
    added = client.post(url, {"form": "control", "kind": "control",
                              "description": "Walking buses", "actions": [action.pk]})
    assert added.status_code == 302
    control = Control.objects.get(risk=risk)
    assert list(control.actions.all()) == [action]
    still = client.post(url, {"form": "score", "likelihood": "2", "impact": "4",
                              "reason": "We have a plan"})
    assert b"no control is in place" in still.content   # its action is not complete yet

    PathwayAction.objects.filter(pk=action.pk).update(status="complete", progress=100)
    done = client.post(url, {"form": "score", "likelihood": "2", "impact": "4",
                             "reason": "Walking buses run in every school"})
    assert done.status_code == 302
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact, risk.score) == (2, 4, 8)
    kept = Score.objects.get(risk=risk)
    assert (kept.source, kept.reason, kept.recorded_by.username) == (
        "owner", "Walking buses run in every school", "theme.lead")
    page = client.get(url)
    assert b"Walking buses run in every school" in page.content


def test_the_register_shows_the_heat_map_and_the_movement(risks, client_as, person):
    risk = risks["open"]
    Score.objects.create(risk=risk, likelihood=3, impact=4, quarter="2000/01 Q1",
                         reason="Earlier", recorded_at=dt.datetime(2000, 5, 1, tzinfo=dt.UTC))
    page = client_as("theme_lead").get(reverse("risks:register"),
                                       {"body": "active-healthy-gateshead"})
    rows = [r for r in page.context["rows"] if r["id"] == risk.pk]
    assert [(r["score"], r["band"], r["previous_score"], r["movement"]) for r in rows] == [
        (16, "Extreme", 12, "up")]
    cell = next(c for row in page.context["heat"] for c in row
                if (c["likelihood"], c["impact"]) == (4, 4))
    assert (cell["count"], cell["up"], cell["band"]) == (
        sum(1 for r in page.context["rows"] if (r["likelihood"], r["impact"]) == (4, 4)),
        sum(1 for r in page.context["rows"] if (r["likelihood"], r["impact"]) == (4, 4)
            and r["movement"] == "up"), "Extreme")
    assert b"Score 16, Extreme" in page.content


def test_an_unknown_body_is_not_found(client_as):
    assert client_as("officer").get(reverse("risks:register"),
                                    {"body": "no-such-body"}).status_code == 404
