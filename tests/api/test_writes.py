"""Writing through the API: the same checks, permissions, locking and history as the web."""

from __future__ import annotations

import pytest

from joinedup.core.periods import parse_period
from joinedup.history.models import Change
from joinedup.returns.models import DataValue

pytestmark = pytest.mark.django_db

GATESHEAD = "E08000037"
CODE = "HW 02"  # public, owned by NHS Gateshead, in the theme the theme lead chairs


def latest(code: str = CODE) -> DataValue:
    return (DataValue.objects.filter(indicator__code=code, area__code=GATESHEAD,
                                     state="approved").order_by("-period_start").first())


def next_period(code: str = CODE) -> str:
    """A period after every stored figure of the series: one nobody has sent yet."""
    last = latest(code)
    start = int(last.period[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}" if "/" in last.period else str(start)


def figure(**changes) -> dict:
    return {"indicator": CODE, "area": GATESHEAD, "period": next_period(),
            "value": latest().value, **changes}


def counts() -> tuple[int, int]:
    """Figures, and recorded changes to figures."""
    figures = Change.objects.filter(content_type__model="datavalue")
    return DataValue.objects.count(), figures.count()


def test_sending_a_figure_saves_a_draft_and_records_who_and_why(api, person):
    answer = api("pct").post("/api/values", {"values": [figure(value=str(latest().value))],
                                             "reason": "Quarterly return"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["created"], body["changed"], body["unchanged"]) == (1, 0, 0)
    saved = DataValue.objects.get(pk=body["value_ids"][0])
    assert (saved.indicator.code, saved.area.code, saved.period) == (
        CODE, GATESHEAD, parse_period(next_period()).label)
    assert saved.state == "draft" and saved.value == latest().value
    change = Change.objects.for_object(saved).get()
    assert (change.action, change.person, change.actor) == ("create", person("pct"),
                                                            "pct.analyst")
    # the owner reads it back through the API; the public does not see a draft
    assert api("pct").get(f"/api/values/{saved.pk}").json()["state"] == "draft"
    assert api(None).get(f"/api/values/{saved.pk}").status_code == 404

    # sending the same figure again changes nothing
    again = api("pct").post("/api/values", {"values": [figure()]})
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["changed"], again.json()["unchanged"]) == (
        0, 0, 1)


def test_sent_figures_can_be_submitted_at_once(api):
    answer = api("pct").post("/api/values", {"values": [figure()], "submit": True})
    assert answer.status_code == 201, answer.content
    saved = DataValue.objects.get(pk=answer.json()["value_ids"][0])
    assert saved.state == "submitted"


def test_one_bad_row_rejects_them_all_with_row_and_column(api):
    before = counts()
    good = figure()
    other = figure(indicator="HW 03", period=next_period("HW 03"), value=latest("HW 03").value)
    answer = api("pct").post("/api/values", {"values": [good, figure(value="twelve"), other]})
    assert answer.status_code == 422, answer.content
    assert answer.json() == {
        "detail": "2 problems in the figures sent; nothing was saved.",
        "problems": [  # the second row is also the first one's figure again
            {"row": 2, "column": "value", "message": "'twelve' is not a number",
             "severity": "error"},
            {"row": 2, "column": "",
             "message": "this row repeats row 1 (same indicator, area and period)",
             "severity": "error"}]}
    assert counts() == before

    answer = api("pct").post("/api/values", {"values": [good, figure(indicator="ZZ 99")]})
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        {"row": 2, "column": "indicator", "message": "unknown indicator code 'ZZ 99'",
         "severity": "error"}]
    assert counts() == before


def test_a_request_that_does_not_fit_the_schema_names_the_row_and_field(api):
    before = counts()
    item = figure()
    del item["value"]
    answer = api("pct").post("/api/values", {"values": [figure(), item]})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "The request is not valid: see value.",
        "problems": [{"row": 2, "column": "value", "message": "Field required",
                      "severity": "error"}]}
    answer = api("pct").post("/api/values", {"values": []})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "The request is not valid: see values.",
        "problems": [{"row": None, "column": "values",
                      "message": "List should have at least 1 item after validation, not 0",
                      "severity": "error"}]}
    pct = api("pct")
    answer = pct.client.post("/api/values", "{not json", content_type="application/json",
                             headers=pct._headers())
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Cannot parse request body"}
    assert counts() == before


def test_figures_of_another_organisation_are_refused(api):
    before = counts()
    answer = api("police").post("/api/values", {"values": [figure()]})
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        {"row": 1, "column": "indicator",
         "message": "you cannot send figures for HW 02: they come from NHS Gateshead "
                    "(Gateshead Primary Care Trust)",
         "severity": "error"}]
    assert counts() == before


def test_an_unknown_round_is_refused(api):
    answer = api("pct").post("/api/values", {"values": [figure()], "round": "no-such-round"})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "There is no such collection round.",
        "problems": [{"row": None, "column": "round",
                      "message": "there is no collection round 'no-such-round'",
                      "severity": "error"}]}


def test_stale_change_is_refused_and_explained(api):
    pct = api("pct")
    pk = pct.post("/api/values", {"values": [figure()]}).json()["value_ids"][0]
    new = round(latest().value + 0.1, 1)
    first = pct.patch(f"/api/values/{pk}", {"version": 1, "value": new})
    assert first.status_code == 200, first.content
    assert (first.json()["value"], first.json()["version"]) == (new, 2)
    stale = pct.patch(f"/api/values/{pk}", {"version": 1, "value": new + 0.1})
    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        "Someone changed this figure after you opened it (your copy is version 1, it is now "
        "version 2). Your change was not saved: look at the figure as it is now, and make "
        "your change again if it is still needed.")
    assert DataValue.objects.get(pk=pk).value == new
    bad = pct.patch(f"/api/values/{pk}", {"version": 2, "value": "lots"})
    assert bad.status_code == 422
    assert [(p["column"], p["message"]) for p in bad.json()["problems"]] == [
        ("value", "'lots' is not a number")]
    assert DataValue.objects.get(pk=pk).value == new


def test_a_change_made_stale_on_its_way_is_refused_as_stale(api, monkeypatch):
    from joinedup.returns import importing

    pct = api("pct")
    pk = pct.post("/api/values", {"values": [figure()]}).json()["value_ids"][0]
    checking = importing.import_table

    def changed_meanwhile(*args, **kwargs):
        # Another person's change to the figure commits after this one's first look.
        DataValue.objects.filter(pk=pk).update(version=2, value=99.9)
        return checking(*args, **kwargs)

    monkeypatch.setattr(importing, "import_table", changed_meanwhile)
    stale = pct.patch(f"/api/values/{pk}", {"version": 1, "value": 12.5})
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith(
        "Someone changed this figure after you opened it (your copy is version 1, it is now "
        "version 2). Your change was not saved")
    assert DataValue.objects.get(pk=pk).value == pytest.approx(99.9)


def test_only_the_owner_changes_a_figure(api):
    approved = latest()
    answer = api("police").patch(f"/api/values/{approved.pk}",
                                 {"version": approved.version, "value": 1})
    assert answer.status_code == 403
    answer = api("pct").patch("/api/values/999999999", {"version": 1, "value": 1})
    assert answer.status_code == 404
    assert DataValue.objects.get(pk=approved.pk).value == approved.value


def test_changing_an_approved_figure_needs_a_reason(api):
    approved = latest()
    body = {"version": approved.version, "value": approved.value + 1}
    answer = api("pct").patch(f"/api/values/{approved.pk}", body)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        {"row": 1, "column": "value",
         "message": f"HW 02 for {GATESHEAD} in {approved.period} is approved and locked; "
                    "changing it needs a reason",
         "severity": "error"}]
    answer = api("pct").patch(f"/api/values/{approved.pk}",
                              {**body, "reason": "Revised by the publisher"})
    assert answer.status_code == 200, answer.content
    changed = DataValue.objects.get(pk=approved.pk)
    # changed, it is a draft again, to be submitted and approved anew
    assert (changed.state, changed.version, changed.value) == (
        "draft", approved.version + 1, approved.value + 1)
    change = Change.objects.for_object(changed).get(reason="Revised by the publisher")
    assert (change.before["value"], change.after["value"]) == (approved.value,
                                                               approved.value + 1)


def test_sign_off_through_the_api_is_recorded(api, person):
    pct, lead = api("pct"), api("theme_lead")
    sent = parse_period(next_period()).label
    pk = pct.post("/api/values", {"values": [figure()]}).json()["value_ids"][0]
    early = lead.post("/api/values/approve", {"ids": [pk]})
    assert early.status_code == 404  # a draft is the owner's own: the lead does not see it
    assert early.json()["detail"] == (f"There are no figures {pk} that you may see; nothing "
                                      "was changed.")
    assert pct.post("/api/values/submit", {"ids": [pk]}).status_code == 200
    refused = pct.post("/api/values/approve", {"ids": [pk]})
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"You may not approve figures {pk}; nothing was changed."
    no_reason = lead.post("/api/values/return", {"ids": [pk]})
    assert no_reason.status_code == 409
    assert no_reason.json()["detail"] == ("Say why the figures are being returned, so the "
                                          "owner can put them right.")
    approved = lead.post("/api/values/approve", {"ids": [pk]})
    assert approved.status_code == 200
    assert approved.json() == {"detail": "1 figure approved.", "count": 1, "ids": [pk]}
    again = lead.post("/api/values/approve", {"ids": [pk]})
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"Only submitted figures can be approved here; HW 02 {GATESHEAD} {sent} is not.")
    steps = [(c.actor, c.after["state"]) for c in
             Change.objects.for_object(DataValue(pk=pk)).order_by("time", "pk")]
    assert steps == [("pct.analyst", "draft"), ("pct.analyst", "submitted"),
                     ("theme.lead", "approved")]
    assert api(None).get(f"/api/values/{pk}").json()["state"] == "approved"


def test_returning_a_figure_gives_the_owner_the_reason(api):
    pct, lead = api("pct"), api("theme_lead")
    pk = pct.post("/api/values", {"values": [figure()], "submit": True}).json()["value_ids"][0]
    answer = lead.post("/api/values/return", {"ids": [pk], "reason": "Check the denominator"})
    assert answer.status_code == 200
    back = pct.get(f"/api/values/{pk}").json()
    assert (back["state"], back["returned_reason"]) == ("returned", "Check the denominator")


def test_an_unusual_figure_waits_for_a_note(api):
    before = counts()
    unusual = figure(value=latest().value * 40)
    answer = api("pct").post("/api/values", {"values": [unusual]})
    assert answer.status_code == 422, answer.content
    # the series' other figures have median 37.2 and median absolute deviation 1.1, so the
    # score is 0.6745 × (1472 − 37.2) / 1.1
    assert answer.json() == {
        "detail": "1 unusual figure to confirm: send them again with a note saying why they "
                  "are right. Nothing was saved.",
        "problems": [{"row": 1, "column": "value",
                      "message": f"{unusual['value']} is out of line with the other figures "
                                 "for HW 02 in this area (outlier score 879.8); check it, and "
                                 "confirm it with a note if it is right",
                      "severity": "warning"}]}
    assert counts() == before
    confirmed = api("pct").post("/api/values", {"values": [unusual],
                                                "note": "New measurement method"})
    assert confirmed.status_code == 201, confirmed.content
