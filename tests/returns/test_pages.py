"""The returns pages: entry form, uploads, sign-off and a figure's history, in the browser's
place (Django's test client), with who may do what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from joinedup.returns.models import DataValue, Upload

from .helpers import GATESHEAD, csv_bytes, latest, make_round, next_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_round(person):
    return make_round(["HW 02", "HW 01"], person("pct").organisation)


def test_entry_form_lists_what_is_owed_and_checks_each_cell(client_as, test_round):
    client = client_as("pct")
    page = client.get(f"/returns/rounds/{test_round.slug}/enter/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "HW 02" in text and "HW 01" in text
    assert str(latest("HW 02").period) in text          # the figures before, beside it
    response = client.post(page.request["PATH_INFO"], {"value-1": "abc", "value-2": "",
                                                       "action": "save"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "&#x27;abc&#x27; is not a number" in body and 'href="#value-1"' in body
    assert 'class="govuk-input govuk-input--width-5 govuk-input--error" id="value-1"' in body
    before = DataValue.objects.count()
    lines = sorted(["HW 01", "HW 02"])
    values = {f"value-{i}": str(latest(code).value) for i, code in enumerate(lines, start=1)}
    response = client.post(page.request["PATH_INFO"], {**values, "action": "submit"})
    assert response.status_code == 302
    assert DataValue.objects.count() == before + 2
    assert set(DataValue.objects.filter(period__in=[next_label(c) for c in lines],
                                        area__code=GATESHEAD, indicator__code__in=lines)
               .values_list("state", flat=True)) == {"submitted"}


def test_a_partner_owing_nothing_sees_so(client_as, test_round):
    page = client_as("police").get(f"/returns/rounds/{test_round.slug}/enter/")
    assert page.status_code == 200 and b"owes no figures" in page.content


def test_upload_page_shows_row_and_column_then_saves(client_as, test_round):
    client = client_as("pct")
    bad = csv_bytes(["indicator,area,period,value", f"HW 02,{GATESHEAD},1999/00,oops"])
    response = client.post("/returns/upload/", {"file": SimpleUploadedFile("bad.csv", bad),
                                                "round": test_round.slug})
    upload = Upload.objects.latest("received_at")
    assert response.status_code == 302 and response["Location"] == f"/returns/uploads/{upload.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Row 2, value: &#x27;oops&#x27; is not a number" in page
    assert "Row 2, period:" in page and "Nothing has been saved" in page
    good = csv_bytes(["indicator,area,period,value",
                      f"HW 02,{GATESHEAD},{next_label('HW 02')},{latest('HW 02').value}"])
    client.post("/returns/upload/", {"file": SimpleUploadedFile("good.csv", good),
                                     "round": test_round.slug, "submit": "yes"})
    upload = Upload.objects.latest("received_at")
    assert upload.outcome == "saved" and upload.created == 1
    assert b"Figures saved" in client.get(f"/returns/uploads/{upload.pk}/").content
    # an upload is private to its sender (and the officers)
    assert client_as("police").get(f"/returns/uploads/{upload.pk}/").status_code == 404
    assert client_as("officer").get(f"/returns/uploads/{upload.pk}/").status_code == 200


def test_sign_off_pages_submit_approve_and_show_history(client_as, test_round):
    owner = client_as("pct")
    good = csv_bytes(["indicator,area,period,value",
                      f"HW 02,{GATESHEAD},{next_label('HW 02')},{latest('HW 02').value}"])
    owner.post("/returns/upload/", {"file": SimpleUploadedFile("good.csv", good)})
    figure = DataValue.objects.get(indicator__code="HW 02", area__code=GATESHEAD,
                                   period=next_label("HW 02"))
    mine = owner.get("/returns/figures/").content.decode()
    assert f'value="{figure.pk}"' in mine
    owner.post("/returns/figures/", {"figure": [figure.pk]})
    figure.refresh_from_db()
    assert figure.state == "submitted"
    # the owner cannot approve, nor can another partner
    assert f'value="{figure.pk}"'.encode() not in owner.get("/returns/approvals/").content
    lead = client_as("theme_lead")
    assert f'value="{figure.pk}"'.encode() in lead.get("/returns/approvals/").content
    lead.post("/returns/approvals/", {"figure": [figure.pk], "action": "approve"})
    figure.refresh_from_db()
    assert figure.state == "approved"
    history = lead.get(f"/returns/figures/{figure.pk}/").content.decode()
    for who in ("pct.analyst", "theme.lead"):
        assert who in history
    assert "state: draft → submitted" in history and "state: submitted → approved" in history


def test_a_stale_edit_on_the_figure_page_is_refused(client_as):
    approved = latest("HW 02")
    opened = approved.value
    client = client_as("pct")
    form = {"version": approved.version, "value": opened + 1, "reason": "fix",
            "action": "save"}
    assert client.post(f"/returns/figures/{approved.pk}/", form).status_code == 302
    response = client.post(f"/returns/figures/{approved.pk}/", {**form, "value": opened + 2})
    assert response.status_code == 200
    assert b"Your change was not saved" in response.content
    approved.refresh_from_db()
    # the first edit stands; the stale second one left no mark
    assert approved.value == pytest.approx(opened + 1)
    assert approved.version == 2


# A public, approved figure's page is open to all, so a visitor who may not change it is
# refused (403) rather than sent to sign in.
@pytest.mark.parametrize("persona", [None, "board", "police"])
def test_only_the_owner_may_change_a_figure(client_as, persona):
    approved = latest("HW 02")
    opened = approved.value
    assert client_as(persona).get(f"/returns/figures/{approved.pk}/").status_code == 200
    response = client_as(persona).post(f"/returns/figures/{approved.pk}/",
                                       {"version": approved.version, "value": 1, "reason": "x"})
    assert response.status_code == 403
    approved.refresh_from_db()
    assert (approved.version, approved.value) == (1, opened)
