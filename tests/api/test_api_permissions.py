"""Every API route × persona, allowed and denied; restricted figures never leak.

Expectations come from the demo catalogue's sharing rules (who owns each restricted
indicator and who it is shared with) and from the querysets, never typed in, so the matrix
follows the data.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from joinedup.assessment.models import Assessment
from joinedup.returns.importing import import_table
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.strategy.models import Indicator

from test_permissions import HIDDEN
from test_permissions import may_see as sharing_rule

from api_client import ApiClient

pytestmark = pytest.mark.django_db

ALL = [None, "officer", "pct", "police", "theme_lead", "board"]
RESTRICTED = ["SC 02", "CY 07", "NG 06"]
GATESHEAD = "E08000037"


@pytest.fixture
def user_of(person):
    return lambda persona: person(persona) if persona else AnonymousUser()


def catalogue_item(demo_sources, code: str) -> dict:
    return next(i for i in demo_sources.catalogue["indicator"] if i["code"] == code)


def may_see(persona, user, item: dict) -> bool:
    """The sharing rule, restated from the catalogue (as the page matrix states it)."""
    return sharing_rule(persona, item)


def every_item(api: ApiClient, path: str, **params) -> list[dict]:
    items, offset = [], 0
    while True:
        answer = api.get(path, limit=500, offset=offset, **params)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        items += body["items"]
        offset += 500
        if offset >= body["count"]:
            assert len(items) == body["count"]
            return items


def test_the_restricted_indicators_are_restricted(demo_sources):
    for code in RESTRICTED:
        assert catalogue_item(demo_sources, code)["visibility"] == "restricted"
        assert Assessment.objects.filter(indicator__code=code, is_latest=True).exists()
        assert DataValue.objects.filter(indicator__code=code, state="approved").exists()


@pytest.mark.parametrize("persona", ALL)
def test_indicator_routes_follow_the_sharing_rules(persona, api, user_of, demo_sources):
    client, user = api(persona), user_of(persona)
    listed = {i["code"] for i in every_item(client, "/api/indicators")}
    expected = {i["code"] for i in demo_sources.catalogue["indicator"]
                if may_see(persona, user, i)}
    assert listed == expected
    assert listed == set(Indicator.objects.visible_to(user).values_list("code", flat=True))
    for code in ["HW 02", "HW 15", "IL 01", *RESTRICTED]:
        allowed = may_see(persona, user, catalogue_item(demo_sources, code))
        answer = client.get(f"/api/indicators/{code}")
        assert answer.status_code == (200 if allowed else 404), (code, answer.content)
        filtered = client.get("/api/indicators", code=code).json()["count"]
        assert filtered == (1 if allowed else 0)
        if allowed:
            assert answer.json()["code"] == code
        else:
            title = Indicator.objects.get(code=code).title
            assert title not in answer.content.decode()


@pytest.mark.parametrize("persona", ALL)
def test_figures_and_assessments_of_restricted_indicators(persona, api, user_of,
                                                          demo_sources):
    client, user = api(persona), user_of(persona)
    for code in RESTRICTED:
        allowed = may_see(persona, user, catalogue_item(demo_sources, code))
        figures = client.get("/api/values", indicator=code, limit=500).json()
        judged = client.get("/api/assessments", indicator=code, limit=500).json()
        if allowed:
            assert figures["count"] == DataValue.objects.visible_to(user).filter(
                indicator__code=code).count() > 0
            assert judged["count"] == Assessment.objects.filter(
                indicator__code=code, is_latest=True).count() > 0
        else:
            assert figures["count"] == judged["count"] == 0
            one = DataValue.objects.filter(indicator__code=code).first()
            assert client.get(f"/api/values/{one.pk}").status_code == 404


@pytest.mark.parametrize("persona", ALL)
def test_every_listed_figure_and_assessment_is_one_the_persona_may_see(persona, api,
                                                                       user_of,
                                                                       demo_sources):
    client, user = api(persona), user_of(persona)
    hidden = {i["code"] for i in demo_sources.catalogue["indicator"]
              if not may_see(persona, user, i)}
    # every persona but the officer has something hidden
    assert hidden == HIDDEN[persona]
    figures = every_item(client, "/api/values")
    assert {f["id"] for f in figures} == set(
        DataValue.objects.visible_to(user).values_list("pk", flat=True))
    assert not hidden & {f["indicator"] for f in figures}
    judged = every_item(client, "/api/assessments")
    assert not hidden & {a["indicator"] for a in judged}
    assert len(judged) == Assessment.objects.visible_to(user).filter(is_latest=True).count()
    if persona is None:
        assert {f["state"] for f in figures} == {"approved"}


@pytest.fixture
def nhs_draft(person):
    """A draft figure of a public NHS indicator: its owner's working copy."""
    code = "HW 02"
    latest = (DataValue.objects.filter(indicator__code=code, area__code=GATESHEAD)
              .order_by("-period_start").first())
    row = {"row": [1], "indicator": [code], "area": [GATESHEAD], "period": ["2090/91"],
           "value": [str(latest.value)]}
    import polars as pl

    result = import_table(pl.DataFrame(row, schema={"row": pl.Int64, **{
        k: pl.String for k in row if k != "row"}}), source="test", user=person("pct"))
    assert result.saved, [str(p) for p in result.problems]
    return DataValue.objects.get(pk=result.value_ids[0])


@pytest.mark.parametrize("persona", ALL)
def test_unapproved_figures_of_other_organisations_never_appear(persona, api, user_of,
                                                                nhs_draft):
    client, user = api(persona), user_of(persona)
    owner_side = persona in ("officer", "pct")
    listed = client.get("/api/values", indicator="HW 02", state="draft").json()
    one = client.get(f"/api/values/{nhs_draft.pk}")
    assert (nhs_draft.pk in {f["id"] for f in listed["items"]}) == owner_side
    assert one.status_code == (200 if owner_side else 404)
    assert DataValue.objects.visible_to(user).filter(pk=nhs_draft.pk).exists() == owner_side


@pytest.mark.parametrize("persona", ALL)
def test_rounds_are_for_signed_in_partners(persona, api, user_of):
    client, user = api(persona), user_of(persona)
    rounds = CollectionRound.objects.order_by("slug")
    # the demo's last quarter's and this quarter's, each asking for figures
    assert rounds.count() == 2 and all(r.expected.exists() for r in rounds)
    listed = client.get("/api/rounds").json()
    assert listed["count"] == (0 if persona is None else rounds.count())
    for collection_round in rounds:
        answer = client.get(f"/api/rounds/{collection_round.slug}")
        if persona is None:
            assert answer.status_code == 404
            continue
        assert answer.status_code == 200
        expected = answer.json()["expected"]
        # every return of the round but those of the indicators hidden from the persona
        shown = collection_round.expected.exclude(indicator__code__in=HIDDEN[persona])
        assert sorted(e["indicator"] for e in expected) == sorted(
            shown.values_list("indicator__code", flat=True))
        assert len(expected) == ExpectedReturn.objects.visible_to(user).filter(
            collection_round=collection_round).count()


PUBLIC_READS = ["/api/areas", f"/api/areas/{GATESHEAD}", "/api/areas/E05001067",
                "/api/indicators/HW%2002", "/api/indicators/hw-02", "/api/values",
                "/api/assessments", "/api/openapi.json"]


@pytest.mark.parametrize("persona", ALL)
def test_public_reads_answer_everyone(persona, api):
    client = api(persona)
    for path in PUBLIC_READS:
        assert client.get(path).status_code == 200, path


WRITES = [("post", "/api/values", {"values": [{"indicator": "HW 02", "area": GATESHEAD,
                                               "period": "2090/91", "value": 1}]}),
          ("post", "/api/values/submit", {"ids": [1]}),
          ("post", "/api/values/approve", {"ids": [1]}),
          ("post", "/api/values/return", {"ids": [1], "reason": "Wrong"}),
          ("patch", "/api/values/1", {"version": 1, "value": 2})]


@pytest.mark.parametrize("method,path,body", WRITES)
def test_writes_refuse_anonymous_callers_and_change_nothing(method, path, body, api):
    before = list(DataValue.objects.order_by("pk").values_list("pk", "version", "state"))
    answer = getattr(api(None), method)(path, body)
    assert answer.status_code == 401
    assert answer.json()["detail"] == ("This needs an API token: send 'Authorization: Bearer "
                                       "<token>'. Make one with 'joinedup api-token create "
                                       "USERNAME'.")
    assert list(DataValue.objects.order_by("pk").values_list("pk", "version", "state")) == before


SUBMIT = {"officer": 200, "pct": 200, "police": 404, "theme_lead": 404, "board": 404}
APPROVE = {"officer": 403, "pct": 403, "police": 404, "theme_lead": 200, "board": 404}


@pytest.mark.parametrize("persona", SUBMIT)
def test_who_may_submit_an_nhs_draft(persona, api, nhs_draft, user_of):
    answer = api(persona).post("/api/values/submit", {"ids": [nhs_draft.pk]})
    assert answer.status_code == SUBMIT[persona], answer.content
    # the expectation agrees with the querysets the API is built on
    user = user_of(persona)
    assert DataValue.objects.editable_by(user).filter(pk=nhs_draft.pk).exists() == (
        SUBMIT[persona] == 200)
    nhs_draft.refresh_from_db()
    assert nhs_draft.state == ("submitted" if SUBMIT[persona] == 200 else "draft")


@pytest.mark.parametrize("persona", APPROVE)
def test_who_may_approve_a_submitted_nhs_figure(persona, api, person, nhs_draft, user_of):
    from joinedup.returns import workflow

    workflow.submit(DataValue.objects.filter(pk=nhs_draft.pk), person("pct"))
    answer = api(persona).post("/api/values/approve", {"ids": [nhs_draft.pk]})
    assert answer.status_code == APPROVE[persona], answer.content
    user = user_of(persona)
    assert DataValue.objects.approvable_by(user).filter(pk=nhs_draft.pk).exists() == (
        APPROVE[persona] == 200)
    nhs_draft.refresh_from_db()
    assert nhs_draft.state == ("approved" if APPROVE[persona] == 200 else "submitted")


RETURN = APPROVE
CHANGE = {"officer": 200, "pct": 200, "police": 403, "theme_lead": 403, "board": 403}
SEND = {"officer": 201, "pct": 201, "police": 422, "theme_lead": 422, "board": 422}


@pytest.mark.parametrize("persona", RETURN)
def test_who_may_return_a_submitted_nhs_figure(persona, api, person, nhs_draft, user_of):
    from joinedup.returns import workflow

    workflow.submit(DataValue.objects.filter(pk=nhs_draft.pk), person("pct"))
    answer = api(persona).post("/api/values/return", {"ids": [nhs_draft.pk],
                                                      "reason": "Check the source"})
    assert answer.status_code == RETURN[persona], answer.content
    nhs_draft.refresh_from_db()
    assert nhs_draft.state == ("returned" if RETURN[persona] == 200 else "submitted")


@pytest.mark.parametrize("persona", CHANGE)
def test_who_may_change_an_approved_nhs_figure(persona, api, user_of):
    figure = (DataValue.objects.filter(indicator__code="HW 02", area__code=GATESHEAD,
                                       state="approved").order_by("-period_start").first())
    answer = api(persona).patch(f"/api/values/{figure.pk}", {
        "version": figure.version, "value": figure.value + 0.1, "reason": "Revised"})
    assert answer.status_code == CHANGE[persona], answer.content
    user = user_of(persona)
    assert DataValue.objects.editable_by(user).filter(pk=figure.pk).exists() == (
        CHANGE[persona] == 200)
    changed = DataValue.objects.get(pk=figure.pk)
    assert changed.version == figure.version + (1 if CHANGE[persona] == 200 else 0)


@pytest.mark.parametrize("persona", SEND)
def test_who_may_send_nhs_figures(persona, api, user_of):
    before = DataValue.objects.count()
    usual = (DataValue.objects.filter(indicator__code="HW 02", area__code=GATESHEAD)
             .order_by("-period_start").first().value)
    answer = api(persona).post("/api/values", {"values": [
        {"indicator": "HW 02", "area": GATESHEAD, "period": "2090/91", "value": usual}]})
    assert answer.status_code == SEND[persona], answer.content
    assert DataValue.objects.count() == before + (1 if SEND[persona] == 201 else 0)
    may_send = Indicator.objects.sendable_by(user_of(persona)).filter(code="HW 02").exists()
    assert may_send == (SEND[persona] == 201)
