"""Decisions on the demo's exceptions that give the packs something to hold."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

from joinedup.exceptions.decisions import PlanDetails, triage, write_commentary
from joinedup.exceptions.models import IndicatorException
from joinedup.partnership.models import Body, Membership

#: Red exceptions the Steering Group escalates to the Board, and what it recommends.
ESCALATED = {
    ("HW 02", "2017/18"): "Fund a joint healthy-weight programme for primary schools.",
    ("EC 02", "2023"): "Move employment support into the wards where inactivity is highest.",
}
#: A performance issue, handled by its theme partnership with a remedial plan.
PERFORMANCE = ("HW 05", "2018/19")
#: A data anomaly: its figure goes back to its owner.
ANOMALY = ("HW 04", "2017")


def exception(code: str, period: str) -> IndicatorException:
    return IndicatorException.objects.select_related("indicator", "layer").get(
        indicator__code=code, period=period)


def comment(found: IndicatorException, user) -> None:
    write_commentary(found, user, what_happened="The figure moved further from the target.",
                     why="Demand rose faster than the services could respond.",
                     what_is_being_done="The theme partnership is reviewing the pathway.")


def escalate(user, code: str, period: str, recommendation: str, *,
             commentary: bool = True) -> IndicatorException:
    found = exception(code, period)
    triage([found.pk], user, "escalate", "No one partner can turn this alone.",
           recommendation=recommendation, board_asked_for="resources")
    if commentary:
        comment(found, user)
    return exception(code, period)


@pytest.fixture
def board_round(person, django_capture_on_commit_callbacks):
    """Two red exceptions escalated with commentary, one performance issue, one anomaly."""
    officer = person("officer")
    escalated = [escalate(officer, code, period, text)
                 for (code, period), text in ESCALATED.items()]
    handled = exception(*PERFORMANCE)
    triage([handled.pk], officer, "performance", "The theme partnership will handle it.",
           plan=PlanDetails(owner=officer, due=dt.date(2027, 3, 31),
                            actions=["Review the pathway"]))
    returned = exception(*ANOMALY)
    # Figures sent back re-assess the exception once the decision is committed.
    with django_capture_on_commit_callbacks(execute=True):
        triage([returned.pk], officer, "anomaly", "Check the smoking figure against the source.")
    assert exception(*ANOMALY).state == "awaiting_correction"
    return {"escalated": escalated, "performance": exception(*PERFORMANCE),
            "anomaly": exception(*ANOMALY)}


def board() -> Body:
    return Body.objects.get(slug="gsp-board")


def member_emails(body: Body) -> set[str]:
    return set(Membership.objects.filter(body=body, person__is_active=True)
               .exclude(person__email="").values_list("person__email", flat=True))


def pdf_text(data: bytes) -> str:
    """The PDF's text, as pdftotext reads it, with runs of white space made one space."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
    return " ".join(text.split())


def html_text(data: bytes) -> str:
    """The HTML's text without its tags, style or charts, white space made one space."""
    text = data.decode("utf-8")
    text = re.sub(r"<(style|svg)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for entity, char in (("&#x27;", "'"), ("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"),
                         ("&gt;", ">")):
        text = text.replace(entity, char)
    return " ".join(text.split())


def sheet_rows(data: bytes, title_start: str) -> list[dict]:
    """The rows of the workbook's sheet whose name starts with ``title_start``, as dicts."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    (sheet,) = [s for s in book.worksheets if s.title.startswith(title_start)]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def pdf_pages(data: bytes) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                              text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))
