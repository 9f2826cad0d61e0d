"""A delivery plan written out: the demo's agreed plan as PDF, Word and HTML."""

from __future__ import annotations

import io
import subprocess

import docx
import pytest

from joinedup.partnership.people import PartnershipView
from joinedup.reports import plan_export
from joinedup.risks.plan_facts import plan_resources
from joinedup.strategy.delivery import DeliveryPlan, PlanAnswer

pytestmark = pytest.mark.django_db

HEADINGS = ["Stage 1: Priorities understood", "Stage 2: Current performance and trends",
            "Stage 3: Where we are going", "Stage 4: The interventions",
            "Stage 5: How they will be achieved"]


def agreed() -> DeliveryPlan:
    return DeliveryPlan.objects.get(title="Healthy weight in Year 6")


def forecast_text(plan: DeliveryPlan) -> str:
    return PlanAnswer.objects.get(plan=plan, question__key="forecast").text


def in_order(text: str, parts: list[str]) -> bool:
    places = [text.find(part) for part in parts]
    return -1 not in places and places == sorted(places)


def test_the_agreed_plans_forecast_is_the_one_it_was_agreed_on():
    assert forecast_text(agreed()) == ("HW 02: 36.9% forecast for 2019/20 against the target "
                                       "of 33.0%; a 12% chance of meeting it.")


def test_the_pdf_holds_the_five_stages_in_order_and_the_generated_forecast(tmp_path):
    plan = agreed()
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(plan_export.write(plan, "pdf", PartnershipView()))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert in_order(text, [*HEADINGS[:3], forecast_text(plan), *HEADINGS[3:]]) is True


def test_the_pdf_renders_its_pages(tmp_path):
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(plan_export.write(agreed(), "pdf", PartnershipView()))
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    pages = sorted(tmp_path.glob("page-*.png"))
    assert (len(pages), count >= 3) == (count, True)


def test_the_docx_has_the_stages_as_headings_and_the_options_as_a_table():
    plan = agreed()
    document = docx.Document(io.BytesIO(plan_export.write(plan, "docx", PartnershipView())))
    stages = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert stages == [*HEADINGS, "Challenge", "Actions"]
    options = next(t for t in document.tables if t.rows[0].cells[0].text == "Kind")
    assert [(r.cells[0].text, r.cells[6].text) for r in options.rows[1:]] == [
        ("Business as usual", ""), ("Do minimum", ""), ("Another option", "Chosen")]


def test_the_docx_holds_the_generated_forecast_after_stage_3():
    plan = agreed()
    document = docx.Document(io.BytesIO(plan_export.write(plan, "docx", PartnershipView())))
    paragraphs = [p.text for p in document.paragraphs]
    at = paragraphs.index(forecast_text(plan))
    assert paragraphs[at + 1].startswith("Generated from the engine and the resources table "
                                         "on ") is True
    assert paragraphs.index(HEADINGS[2]) < at < paragraphs.index(HEADINGS[3])


def test_the_html_has_the_forecast_chart_in_stage_3():
    html = plan_export.write(agreed(), "html", PartnershipView()).decode()
    stage_3 = html[html.index(HEADINGS[2]):html.index(HEADINGS[3])]
    assert stage_3.count('<svg role="img" aria-label="Forecast of Year 6 children with excess '
                         'weight in Gateshead') == 1


def test_the_html_shows_the_answered_challenge_and_the_actions_with_their_status():
    html = plan_export.write(agreed(), "html", PartnershipView()).decode()
    challenge = html[html.index('id="challenge"'):html.index('id="actions"')]
    assert (challenge.count("Safer Gateshead Partnership on a linkage"),
            challenge.count("Not answered yet")) == (1, 0)
    actions = html[html.index('id="actions"'):]
    assert actions.count("<tr><td>") == 4


def test_the_docx_draws_the_forecast_chart_as_a_picture_in_stage_3():
    document = docx.Document(io.BytesIO(plan_export.write(agreed(), "docx", PartnershipView())))
    pictures = [r for r in document.part.rels.values() if r.reltype.endswith("/image")]
    assert [r.target_part.content_type for r in pictures] == ["image/png"]
    png = pictures[0].target_part.blob
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    paragraphs = [p.text for p in document.paragraphs]
    caption = next(t for t in paragraphs if t.startswith("HW 02 Year 6 children with excess "
                                                         "weight in Gateshead: forecast to"))
    assert paragraphs.index(HEADINGS[2]) < paragraphs.index(caption) < paragraphs.index(
        HEADINGS[3])


def test_the_resources_grid_is_in_stage_3_of_the_pdf_and_the_docx(tmp_path):
    plan = agreed()
    grid = plan_resources(plan).grid
    expected = [[row["spend_kind"].capitalize(), *[f"£{row[c]:,.0f}" for c in
                                                   ("single", "aligned", "pooled", "total")]]
                for row in grid.iter_rows(named=True)]
    document = docx.Document(io.BytesIO(plan_export.write(plan, "docx", PartnershipView())))
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "Single")
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["", "Single", "Aligned", "Pooled", "Total"], *expected]
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(plan_export.write(plan, "pdf", PartnershipView()))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    rows = [" ".join(row) for row in expected]
    assert in_order(text, [HEADINGS[2], "Resources", "Single Aligned Pooled Total", *rows,
                           HEADINGS[3]]) is True
