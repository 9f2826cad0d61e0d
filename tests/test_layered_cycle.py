"""The layered cycle end to end, as a partnership would script it on the demo.

Assess; the Steering Group triages one exception as a data anomaly, one as a performance
issue with a remedial plan, and one as an escalation to the Board; the officer issues the
Board's pack. The pack holds the escalated item and its recommendation, and neither the
anomaly nor any indicator on track; the anomaly's figure is back with its owner; the Excel
pack holds the same items; and the issued pack reads back byte for byte after the data
change. A Board member cannot triage, by the page, the command line or the API.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connections

from joinedup import cli
from joinedup.assessment.models import Assessment
from joinedup.exceptions.models import IndicatorException, TriageDecision
from joinedup.partnership.roles import TRIAGE_REFUSAL
from joinedup.reports.models import Pack
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Strategy

pytestmark = pytest.mark.django_db

STEERING = "steering.member"
RECOMMENDATION = "Move employment support into the wards where inactivity is highest."
ANOMALY_NOTE = "The 2017 rate is far below every other year; please check the survey base."


def command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def exception_id(listed: list[dict], code: str, period: str) -> int:
    found = [row["id"] for row in listed if (row["indicator"], row["period"]) == (code, period)]
    assert len(found) == 1, (code, period, found)
    return found[0]


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return re.sub(r"\s+", " ", text)


def workbook_text(path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    cells = [str(cell) for sheet in book.worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    return re.sub(r"\s+", " ", " ".join(cells))


def on_track_codes() -> set[str]:
    """Indicators whose latest figure for Gateshead is on target."""
    home = Strategy.objects.get().area
    return set(Assessment.objects.filter(area=home, is_latest=True, status="green")
               .values_list("indicator__code", flat=True))


def test_assess_triage_three_ways_and_issue_the_board_pack(
        tmp_path, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        command("assess")
    listed = json.loads(command("exceptions", "--user", STEERING, "--format", "json"))
    anomaly = exception_id(listed, "HW 04", "2017")
    performance = exception_id(listed, "HW 05", "2018/19")
    escalated = exception_id(listed, "EC 02", "2023")

    with django_capture_on_commit_callbacks(execute=True):
        command("triage", str(anomaly), "--decision", "anomaly", "--note", ANOMALY_NOTE,
                "--user", STEERING)
    command("triage", str(performance), "--decision", "performance", "--note",
            "Admissions keep rising; the theme partnership will act.", "--owner",
            "theme.lead", "--due", "2027-03-31", "--action", "Open two more clinics",
            "--user", STEERING)
    command("triage", str(escalated), "--decision", "escalate", "--note",
            "No one partner can turn this alone.", "--recommendation", RECOMMENDATION,
            "--ask", "resources", "--user", STEERING)
    # The Board's cycle needs commentary on every red exception before its pack is issued.
    from joinedup.exceptions.decisions import write_commentary
    write_commentary(IndicatorException.objects.get(pk=escalated), person("steering"),
                     what_happened="Employment fell for a third year.",
                     why="Manufacturing jobs went faster than new ones came.",
                     what_is_being_done="Jobcentre Plus and the council share a caseload.")

    # The anomaly's figure is back with its owner, with the note as the reason.
    figure = DataValue.objects.get(indicator__code="HW 04", area__code="E08000037",
                                   period="2017")
    assert (figure.state, figure.returned_reason, figure.indicator.owner.slug) == (
        "returned", ANOMALY_NOTE, "nhs-gateshead")
    assert IndicatorException.objects.get(pk=anomaly).state == "awaiting_correction"
    assert IndicatorException.objects.get(pk=performance).plans.get().owner.username == \
        "theme.lead"

    pdf = tmp_path / "board.pdf"
    printed = command("pack", "--body", "gsp-board", "--format", "pdf", "--out", str(pdf),
                      "--issue", "--user", "officer", "--quiet")
    pack = Pack.objects.get(pk=int(printed.strip().splitlines()[-1]))
    issued = pdf.read_bytes()
    assert (pack.state, pack.sha256) == ("issued", hashlib.sha256(issued).hexdigest())

    text = pdf_text(pdf)
    assert "EC 02" in text and RECOMMENDATION in text
    assert "Adults in routine and manual jobs who smoke" not in text     # the anomaly
    assert "HW 04" not in text and "HW 05" not in text
    assert len(on_track_codes()) == 17
    assert sorted(code for code in on_track_codes() if code in text) == []

    xlsx = tmp_path / "board.xlsx"
    command("pack", "--body", "gsp-board", "--format", "xlsx", "--out", str(xlsx),
            "--user", "officer", "--quiet")
    cells = workbook_text(xlsx)
    assert "EC 02" in cells and RECOMMENDATION in cells
    assert "HW 04" not in cells and "HW 05" not in cells
    assert sorted(code for code in on_track_codes() if code in cells) == []

    # The data change: the anomaly is corrected and approved, another item escalated.
    with django_capture_on_commit_callbacks(execute=True):
        from joinedup.returns import workflow
        figure.refresh_from_db()
        workflow.change_value(figure, person("pct"), version=figure.version, value="27.0",
                              note="Rechecked against the survey", submit=True)
        workflow.approve(DataValue.objects.filter(pk=figure.pk), person("theme_lead"))
    command("triage", str(performance), "--decision", "escalate", "--note", "Now strategic",
            "--recommendation", "Agree a joint plan", "--ask", "strategy", "--user", STEERING)
    again = tmp_path / "again.pdf"
    command("pack", "--issued", str(pack.pk), "--out", str(again))
    assert again.read_bytes() == issued


def test_a_board_member_cannot_triage_by_page_command_line_or_api(
        client_as, person, monkeypatch, capsys):
    from joinedup.partnership.tokens import ApiToken

    exception = IndicatorException.objects.get(indicator__code="EC 02", period="2023")
    page = client_as("board").post("/exceptions/triage/", {
        "exception": [exception.pk], "decision": "escalate", "note": "Strategic",
        "recommendation": "Act", "board_asked_for": "strategy"})
    assert page.status_code == 403

    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        cli.main(["triage", str(exception.pk), "--decision", "escalate", "--note", "Strategic",
                  "--recommendation", "Act", "--ask", "strategy", "--user", "board.member"])
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == TRIAGE_REFUSAL

    _, token = ApiToken.objects.issue(person("board"), "test")
    answer = client_as(None).post(
        "/api/exceptions/triage", {"ids": [exception.pk], "decision": "escalate",
                                   "note": "Strategic", "recommendation": "Act",
                                   "board_asked_for": "strategy"},
        content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert (answer.status_code, answer.json()["detail"]) == (403, TRIAGE_REFUSAL)
    assert TriageDecision.objects.count() == 0
