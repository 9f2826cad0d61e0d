"""What each format of a pack holds: the Board's escalated exceptions and nothing else; the
Steering Group's open exceptions; the agenda's order; a reason for every empty slot."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.utils import timezone

from joinedup.exceptions.models import IndicatorException
from joinedup.partnership.models import Body, Meeting
from joinedup.reports import building
from joinedup.reports.models import Pack

from . import helpers
from .helpers import (
    ESCALATED,
    PERFORMANCE,
    board,
    escalate,
    html_text,
    pdf_pages,
    pdf_text,
    sheet_rows,
)

pytestmark = pytest.mark.django_db
board_round = helpers.board_round

#: The finance item's first sentence, as the partnership officer who builds packs sees it.
FINANCE = ("Partners' budgets for 2023/24: £408,712,441 in 313 lines, of which £1,000,000 "
           "pooled and £1,170,000 aligned. Spent to quarter 3: £324,999,619; forecast "
           "outturn of the monitored lines £433,332,825 against £408,712,441.")
# A pack goes to every partner: the 3 restricted risks of the demo's 13 are left out.
RISKS = "10 risks in the partnership's register; 3 above the appetite for its category."
RISKS_LEFT_OUT = ("3 restricted risks are left out: they are seen only by their bodies' "
                  "members.")


def built(body: Body, user, fmt: str, meeting=None) -> tuple[Pack, bytes]:
    pack = building.draft_for(body, user, format=fmt, meeting=meeting)
    building.build(pack, user)
    return pack, building.file_bytes(pack)


def upcoming_board_meeting() -> Meeting:
    return Meeting.objects.filter(body=board()).upcoming(timezone.now()).first()


def assert_holds_the_escalated_only(text: str, escalated) -> None:
    """The escalated exceptions' indicators and recommendations are in ``text``; no other
    exception's indicator is."""
    wanted = [f"{e.indicator.code} {e.indicator.title}" for e in escalated]
    wanted += list(ESCALATED.values())
    assert len(wanted) == 2 * len(ESCALATED) == 4
    assert [name for name in wanted if name not in text] == []
    assert [name for name in others(escalated) if name in text] == []


def others(escalated) -> set[str]:
    """Every other exception's indicator, as the pack would name it: code and title."""
    kept = {e.indicator_id for e in escalated}
    return {f"{e.indicator.code} {e.indicator.title}" for e in
            IndicatorException.objects.select_related("indicator").exclude(
                indicator_id__in=kept)}


def test_the_board_pdf_holds_the_escalated_exceptions_in_agenda_order(board_round, person):
    officer = person("officer")
    meeting = upcoming_board_meeting()
    pack, data = built(board(), officer, "pdf", meeting)
    text = pdf_text(data)
    assert_holds_the_escalated_only(text, board_round["escalated"])
    # The agenda's slots, in the meeting's order, after the cover and the contents page.
    titles = [f"{slot.order}. {slot.title}" for slot in meeting.slots.order_by("order")]
    body = text[text.index("Contents") + len("Contents"):]
    body = body[body.index(titles[-1]) + len(titles[-1]):]  # past the contents page
    places = [body.index(title) for title in titles]
    assert places == sorted(places)
    assert FINANCE in body and RISKS in body and RISKS_LEFT_OUT in body
    assert text.startswith(f"{board().name} Pack for the meeting on")
    assert "Draft" in text[:400]
    pages = pdf_pages(data)
    numbers = [(int(a), int(b)) for a, b in re.findall(r"Page (\d+) of (\d+)", text)]
    assert numbers == [(n, pages) for n in range(2, pages + 1)]
    assert sorted(pack.manifest["exceptions"], key=lambda row: row["id"]) == [
        {"id": e.pk, "indicator": e.indicator.code, "title": e.indicator.title,
         "period": e.period, "layer": e.layer.slug, "state": "open", "decision": "escalate",
         "red": True, "commentary": True, "new": None}
        for e in sorted(board_round["escalated"], key=lambda e: e.pk)]


def test_the_board_html_and_workbook_hold_the_same_items(board_round, person):
    officer = person("officer")
    _, page = built(board(), officer, "html")
    text = html_text(page)
    assert_holds_the_escalated_only(text, board_round["escalated"])
    assert page.count(b"<svg") == 2 * len(ESCALATED)  # an SPC chart and a forecast each
    assert FINANCE in text and RISKS in text and RISKS_LEFT_OUT in text

    _, workbook = built(board(), officer, "xlsx")
    rows = sheet_rows(workbook, "2 Performance exceptions")
    expected = {(e.indicator.code, ESCALATED[(e.indicator.code, e.period)], e.pk)
                for e in board_round["escalated"]}
    assert {(r["Indicator"], r["Recommendation to the Board"], r["Exception id"])
            for r in rows} == expected
    assert {r["Decision"] for r in rows} == {"Escalated to the Board"}
    assert {r["What happened"] for r in rows} == {"The figure moved further from the target."}
    assert sheet_rows(workbook, "3 Finance")[0]["Detail"] == FINANCE
    assert sheet_rows(workbook, "4 Risks")[0]["Detail"] == RISKS


def test_the_steering_group_workbook_holds_the_open_exceptions(board_round, person):
    officer = person("officer")
    steering = Body.objects.get(slug="steering-group")
    pack, workbook = built(steering, officer, "xlsx")
    expected = set(IndicatorException.objects.filter(state="open")
                   .exclude(indicator__visibility="restricted").values_list("pk", flat=True))
    rows = sheet_rows(workbook, "1 Performance exceptions")
    assert {r["Exception id"] for r in rows} == expected
    assert {i["id"] for i in pack.manifest["exceptions"]} == expected
    assert board_round["anomaly"].pk not in expected  # its figures went back to their owner
    decisions = {r["Indicator"]: r["Decision"] for r in rows}
    assert decisions[PERFORMANCE[0]] == "Performance issue"
    handled = next(r for r in rows if r["Indicator"] == PERFORMANCE[0])
    assert handled["Remedial plan"].startswith("The theme partnership will handle it. Owner: ")
    assert handled["Is the plan working?"] == (
        "No figure since the plan yet; the 2019/20 figure will show whether it is working.")
    assert [s.title for s in openpyxl.load_workbook(io.BytesIO(workbook)).worksheets] == [
        "Cover", "Contents", "1 Performance exceptions to tri", "2 Finance", "3 Risks",
        "4 Partnership matters", "Summary", "Resolved"]


def test_exceptions_on_restricted_indicators_are_left_out_and_counted(board_round, person):
    officer = person("officer")
    restricted = escalate(officer, "SC 02", "2022/23-2024/25", "Share the police data.")
    pack, page = built(board(), officer, "html")
    text = html_text(page)
    assert restricted.indicator.title not in text
    assert "This report shows 2 indicators by exception." in text
    assert ("1 exception is on indicators restricted to named partners, so left out of this "
            "pack, which every partner may read") in text
    assert pack.manifest["left_out_restricted"] == 1


def test_a_theme_partnerships_pack_shows_its_risks_and_overdue_actions(person):
    from joinedup.risks.models import Risk
    from joinedup.strategy.models import PathwayAction

    theme = Body.objects.get(slug="active-healthy-gateshead")
    _, data = built(theme, person("officer"), "html")
    text = " ".join(html_text(data).split())
    today = timezone.localdate()
    overdue = {a.pk for a in PathwayAction.objects.all() if a.overdue_on(today) and (
        (a.outcome is not None and a.outcome.theme.body_id == theme.pk)
        or any(c.risk.body_id == theme.pk for c in a.controls.all())
        or any(p.lead_id == theme.pk for p in a.delivery_plans.all()))}
    held = [r for r in Risk.objects.filter(body=theme) if not r.restricted]
    above = [r for r in held if r.score > r.category.appetite]
    assert len(overdue) > 0 and len(held) == 2
    assert (f"Risks and overdue actions {len(held)} risks in Active and Healthy Gateshead "
            f"Partnership's register; {len(above)} above the appetite for its category.") in text
    assert (f"{len(overdue)} actions overdue in Active and Healthy Gateshead Partnership's "
            "layer.") in text
    for action in PathwayAction.objects.filter(pk__in=overdue):
        assert (f"Overdue: {action.title} ({action.lead.display_name}") in text


def test_a_theme_partnerships_pack_shows_where_its_plans_stand(person):
    from joinedup.strategy.delivery import DeliveryPlan

    theme = Body.objects.get(slug="active-healthy-gateshead")
    _, data = built(theme, person("officer"), "html")
    text = " ".join(html_text(data).split())
    agreed = DeliveryPlan.objects.get(lead=theme)
    open_plan = DeliveryPlan.objects.get(state="challenge")
    assert (agreed.state, open_plan.comments.filter(body=theme).count()) == ("agreed", 1)
    assert (f"Delivery plan “{agreed.title}”: agreed on "
            f"{timezone.localtime(agreed.agreed_at):%-d %B %Y}.") in text
    assert "Open to challenge, with no comment from" not in text


def test_a_partnership_that_has_not_commented_is_told_of_the_plan_open_to_it(person):
    from joinedup.strategy.delivery import DeliveryPlan

    children = Body.objects.get(slug="childrens-trust")
    _, data = built(children, person("officer"), "html")
    text = " ".join(html_text(data).split())
    open_plan = DeliveryPlan.objects.get(state="challenge")
    assert DeliveryPlan.objects.filter(lead=children).count() == 0
    assert f"{children.name} leads no delivery plan yet." in text
    assert (f"Open to challenge, with no comment from {children.name} yet: "
            f"“{open_plan.title}” (led by Safer Gateshead Partnership).") in text


def test_the_lead_partnerships_pack_counts_the_comments_it_must_answer(person):
    from joinedup.strategy.delivery import DeliveryPlan

    safer = Body.objects.get(slug="safer-gateshead")
    _, data = built(safer, person("officer"), "html")
    text = " ".join(html_text(data).split())
    plan = DeliveryPlan.objects.get(lead=safer)
    waiting = plan.comments.filter(answer="").count()
    assert waiting == 1
    assert f"Delivery plan “{plan.title}”: open to challenge; 1 comment to answer." in text
    assert "Open to challenge, with no comment from Safer Gateshead" not in text
