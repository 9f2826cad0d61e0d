"""A delivery plan written out as one file: HTML, PDF (WeasyPrint, as packs are) or Word.

The file holds the plan's title, what it is for, its lead, owner and state; its five
stages, each with its questions and answers (a generated answer says so, and when it was
written), stage 3 with the forecast chart of each of the plan's indicators (the pack's
charts, ``pack_charts``) and the resources behind it, capital and revenue by single,
aligned and pooled (``plan_facts.plan_resources``), and stage 5 with the option appraisal and the reasons for the
choice; the challenge comments and their answers; and the pathway actions the plan
delivers through. The HTML and the PDF are one document, as a pack's are; the Word file
has the same headings, text and tables, with each chart as a picture (the SVG drawn to PNG
by vl-convert, as Word has no place for SVG) above its caption.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import vl_convert
from django.template.loader import render_to_string
from django.utils import timezone

from joinedup.reports import formats
from joinedup.reports.pack_charts import series_charts
from joinedup.resources.templatetags.money import pounds
from joinedup.risks.plan_facts import ARRANGEMENTS, Resources, indicators_of, plan_resources
from joinedup.strategy.delivery import STAGES, DeliveryPlan, PlanQuestion

FORMATS = ("pdf", "docx", "html")


@dataclass
class Item:
    """One question of a stage and the plan's answer to it."""

    question: PlanQuestion
    text: str
    generated_at: object = None

    @property
    def generated(self) -> bool:
        return self.question.generated

    @property
    def generated_note(self) -> str:
        if not self.generated:
            return ""
        if self.generated_at is None:
            return "Generated from the engine and the resources table: not written yet."
        return ("Generated from the engine and the resources table on "
                f"{_moment(self.generated_at)}.")


@dataclass
class Chart:
    indicator: object
    svg: str | None
    caption: str


@dataclass
class Stage:
    number: int
    name: str
    items: list[Item] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    resources: Resources | None = None

    @property
    def resource_rows(self) -> list[list[str]]:
        """The resources grid as a table's rows: Capital, Revenue, Total, each with its
        single, aligned, pooled and total amounts."""
        if self.resources is None:
            return []
        return [[row["spend_kind"].capitalize(),
                 *[pounds(row[column]) for column in (*ARRANGEMENTS, "total")]]
                for row in self.resources.grid.iter_rows(named=True)]

    @property
    def heading(self) -> str:
        return f"Stage {self.number}: {self.name}"


@dataclass
class PlanContents:
    plan: DeliveryPlan
    purpose: str
    stages: list[Stage]
    options: list
    comments: list
    actions: list
    built_at: object

    @property
    def facts(self) -> list[tuple[str, str]]:
        plan = self.plan
        rows = [("For", self.purpose), ("Lead", plan.lead.name),
                ("Owner", _person(plan.owner)), ("State", plan.get_state_display())]
        if plan.agreed_at:
            rows.append(("Agreed", f"{_moment(plan.agreed_at)} by {_person(plan.agreed_by)}"))
        if plan.illustrative:
            rows.append(("Illustrative", "Invented to show how the system works."))
        return rows


def purpose(plan: DeliveryPlan) -> str:
    """What the plan is for: its outcome, or its indicator and the indicator's outcome."""
    if plan.indicator_id:
        indicator = plan.indicator
        return (f"Indicator {indicator.code} {indicator.title} (outcome: "
                f"{indicator.outcome.title})")
    return f"Outcome: {plan.outcome.title}"


def outcome_title(plan: DeliveryPlan) -> str:
    return (plan.indicator.outcome if plan.indicator_id else plan.outcome).title


def gather(plan: DeliveryPlan, viewer, *, charts: bool = True) -> PlanContents:
    plan = (DeliveryPlan.objects.select_related("lead", "owner", "agreed_by", "outcome",
                                                "indicator__outcome").get(pk=plan.pk))
    answers = {a.question_id: a for a in plan.answers.all()}
    stages = {number: Stage(number, name) for number, name in STAGES.items()}
    for question in PlanQuestion.objects.all():
        found = answers.get(question.pk)
        stages[question.stage].items.append(
            Item(question, found.text if found else "",
                 found.generated_at if found else None))
    if charts:
        stages[3].charts = forecast_charts(plan, viewer)
    stages[3].resources = plan_resources(plan)
    return PlanContents(
        plan=plan, purpose=purpose(plan), stages=list(stages.values()),
        options=list(plan.options.all()),
        comments=list(plan.comments.select_related("body", "written_by", "answered_by")),
        actions=list(plan.actions.select_related("lead", "owner").order_by("due", "title")),
        built_at=timezone.now())


def forecast_charts(plan: DeliveryPlan, viewer) -> list[Chart]:
    area = plan.strategy.area
    found = []
    for indicator in indicators_of(plan):
        drawn = series_charts(indicator, area, viewer)
        if drawn is None or drawn.forecast is None:
            found.append(Chart(indicator, None, f"{indicator.code} {indicator.title}: no "
                                                f"forecast for {area.name} yet."))
            continue
        found.append(Chart(indicator, drawn.forecast,
                           f"{indicator.code} {indicator.title} in {area.name}: forecast to "
                           f"{drawn.forecast_period}, with 80% and 95% prediction intervals"
                           + (f" and the target of {drawn.target:g}"
                              if drawn.target is not None else "") + "."))
    return found


def document(contents: PlanContents, *, for_print: bool) -> str:
    return render_to_string("reports/plan.html", {
        "contents": contents, "plan": contents.plan, "for_print": for_print,
        "resource_header": RESOURCE_HEADER[1:],
        "resources_caption": _resources_caption(contents.stages[2].resources)})


def html_file(plan: DeliveryPlan, viewer) -> bytes:
    return document(gather(plan, viewer), for_print=False).encode("utf-8")


def pdf_file(plan: DeliveryPlan, viewer) -> bytes:
    html = document(gather(plan, viewer), for_print=True)
    return formats.print_pdf(formats.for_print(html))


RESOURCE_HEADER = ["", "Single", "Aligned", "Pooled", "Total"]


def _resources_caption(found: Resources) -> str:
    if found.year is None:
        return f"{found.scope}."
    return (f"{found.scope}, {found.year}: {found.lines:,} budget lines, as held on "
            f"{timezone.localdate():%-d %B %Y}.")


def docx_file(plan: DeliveryPlan, viewer) -> bytes:
    from docx import Document
    from docx.shared import Cm

    contents = gather(plan, viewer, charts=True)
    plan = contents.plan
    doc = Document()
    doc.core_properties.title = plan.title
    doc.add_heading(plan.title, level=0)
    _table(doc, None, contents.facts)
    for stage in contents.stages:
        doc.add_heading(stage.heading, level=1)
        for item in stage.items:
            doc.add_heading(item.question.text, level=2)
            _paragraphs(doc, item.text or "Not answered yet.")
            if item.generated:
                doc.add_paragraph(item.generated_note).runs[0].italic = True
        for chart in stage.charts:
            if chart.svg:
                doc.add_picture(io.BytesIO(vl_convert.svg_to_png(str(chart.svg), scale=2)),
                                width=Cm(16))
            doc.add_paragraph(chart.caption).runs[0].italic = True
        if stage.resources is not None:
            doc.add_heading("Resources", level=2)
            doc.add_paragraph(_resources_caption(stage.resources))
            _table(doc, RESOURCE_HEADER, stage.resource_rows)
        if stage.number == 5:
            doc.add_heading("Option appraisal", level=2)
            if contents.options:
                _table(doc, ["Kind", "Option", "Capital cost", "Revenue cost",
                             "Expected effect", "Risks", "Chosen"],
                       [[o.get_kind_display(), o.title, pounds(o.capital_cost),
                         pounds(o.revenue_cost), o.expected_effect, o.risks or "None stated",
                         "Chosen" if o.chosen else ""] for o in contents.options])
            else:
                doc.add_paragraph("No options appraised yet.")
            doc.add_heading("Why the chosen option", level=2)
            _paragraphs(doc, plan.choice_reason or "Not said yet.")
    doc.add_heading("Challenge", level=1)
    if not contents.comments:
        doc.add_paragraph("No comments from the other theme partnerships.")
    for comment in contents.comments:
        doc.add_heading(f"{comment.body.name} on {comment.get_kind_display().lower()}",
                        level=2)
        doc.add_paragraph(f"{_person(comment.written_by)}, {_moment(comment.written_at)}: "
                          f"{comment.text}")
        doc.add_paragraph(f"Answer from {plan.lead.name}, {_person(comment.answered_by)}, "
                          f"{_moment(comment.answered_at)}: {comment.answer}"
                          if comment.answer else "Not answered yet.")
    doc.add_heading("Actions", level=1)
    if contents.actions:
        _table(doc, ["Action", "Lead", "Due", "Status"],
               [[a.title, a.lead.display_name, f"{a.due:%-d %B %Y}", a.get_status_display()]
                for a in contents.actions])
    else:
        doc.add_paragraph("No pathway actions linked to the plan yet.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


WRITERS = {"pdf": pdf_file, "docx": docx_file, "html": html_file}


def write(plan: DeliveryPlan, format: str, viewer) -> bytes:
    return WRITERS[format](plan, viewer)


def _table(doc, header: list[str] | None, rows: list) -> None:
    table = doc.add_table(rows=0, cols=len(header) if header else len(rows[0]))
    table.style = "Table Grid"
    for row in ([header] if header else []) + [list(r) for r in rows]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    if header:
        for cell in table.rows[0].cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True


def _paragraphs(doc, text: str) -> None:
    for line in text.splitlines() or [""]:
        doc.add_paragraph(line)


def _person(person) -> str:
    if person is None:
        return ""
    return person.get_full_name() or person.get_username()


def _moment(moment) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y at %H:%M}" if moment else ""
