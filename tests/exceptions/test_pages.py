"""The triage page, each exception's page and the commentary form, through the test client.

The Steering Group member triages the demo's exceptions through the page; each test checks
what the database holds afterwards, and what the person reads.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser

import pytest

from joinedup.exceptions.decisions import DecisionRefused, PlanDetails, triage
from joinedup.exceptions.models import (
    Commentary,
    IndicatorException,
    RemedialPlan,
    TriageDecision,
)
from joinedup.partnership.models import Person
from joinedup.partnership.roles import TRIAGE_REFUSAL
from joinedup.returns.models import DataValue

pytestmark = pytest.mark.django_db
TRIAGE = "/exceptions/triage/"
DUE = dt.date(2027, 3, 31)


class _Texts(HTMLParser):
    """The text inside each element with a ``data-testid``, and each table row's cells."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "area", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str | None]] = []
        self.texts: dict[str, list[str]] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        testid = dict(attrs).get("data-testid")
        self.open.append((tag, testid))
        if testid:
            self.texts.setdefault(testid, []).append("")
        table = self._inside("table")
        if tag == "tr" and table:
            self.rows.setdefault(table, []).append([])
        if tag in ("td", "th") and table:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.open:
            return
        if tag in ("td", "th") and self.cell is not None:
            table = self._inside("table")
            self.rows[table][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, testid in self.open:
            if testid:
                self.texts[testid][-1] += data
        if self.cell is not None:
            self.cell.append(data)

    def _inside(self, tag):
        return next((testid for t, testid in reversed(self.open) if t == tag and testid), None)


def read(response) -> _Texts:
    parser = _Texts()
    parser.feed(response.content.decode())
    return parser


def text(response, testid: str) -> list[str]:
    """The tidied text of each element with ``data-testid``, in page order."""
    return [" ".join(t.split()) for t in read(response).texts.get(testid, [])]


def banner(response) -> str:
    found = re.search(r'govuk-notification-banner__heading">(.*?)</p>', response.content.decode(),
                      re.S)
    return unescape(found.group(1)) if found else ""


def problems(response) -> list[str]:
    return re.findall(r'<li><a href="#[^"]+">(.*?)</a></li>', _summary(response), re.S)


def _summary(response) -> str:
    found = re.search(r'data-testid="problems">(.*?)</ul>', response.content.decode(), re.S)
    return unescape(found.group(1)) if found else ""


def anchors(response) -> list[str]:
    return re.findall(r'<li><a href="#([^"]+)">', _summary(response))


@pytest.fixture
def steering(client_as):
    return client_as("steering")


def test_a_data_anomaly_through_the_page_sends_the_figure_back(
        steering, exception_for, person, django_capture_on_commit_callbacks):
    exception = exception_for("HW 04", "2017")
    figure = DataValue.objects.get(indicator=exception.indicator, area__code="E08000037",
                                   period="2017")
    with django_capture_on_commit_callbacks(execute=True):
        posted = steering.post(TRIAGE, {
            "exception": [exception.pk], "decision": "anomaly",
            "note": "24.5 is far below the years either side: check the source."})
    assert (posted.status_code, posted["Location"]) == (302, TRIAGE)
    response = steering.get(TRIAGE)
    assert banner(response) == ("HW 04 2017: sent back to NHS Gateshead as a data anomaly; "
                                "1 figure returned.")
    made = TriageDecision.objects.get()
    assert (made.exception, made.decision, made.decided_by, made.figures_returned,
            made.replaces) == (exception, "anomaly", person("steering"), 1, None)
    exception.refresh_from_db()
    assert (exception.state, exception.decision) == ("awaiting_correction", "anomaly")
    figure.refresh_from_db()
    assert (figure.state, figure.returned_reason) == (
        "returned", "24.5 is far below the years either side: check the source.")
    # An exception awaiting corrected figures is no longer open, so it leaves the page.
    assert f'id="exception-{exception.pk}"' not in response.content.decode()


def test_a_performance_issue_through_the_page_makes_a_remedial_plan(
        steering, exception_for, person):
    exception = exception_for("HW 02", "2017/18")
    response = steering.post(TRIAGE, {
        "exception": [exception.pk], "decision": "performance",
        "note": "Off track for three years running; the partnership must act.",
        "owner": person("pct").pk,
        "actions": "Audit school nursing referrals\n\nExtend the healthy weight programme",
        "due_day": "31", "due_month": "3", "due_year": "2027", "review_period": ""},
        follow=True)
    assert banner(response) == (
        "HW 02 2017/18: a performance issue for Active and Healthy Gateshead Partnership, with "
        "a remedial plan owned by Tom Richardson, to review in 2018/19.")
    made = TriageDecision.objects.get()
    assert (made.exception, made.decision, made.recommendation, made.board_asked_for) == (
        exception, "performance", "", "")
    plan = RemedialPlan.objects.get()
    assert (plan.exception, plan.decision, plan.owner, plan.review_period, plan.summary) == (
        exception, made, person("pct"), "2018/19",
        "Off track for three years running; the partnership must act.")
    assert [(a.action, a.due, a.lead.slug, a.status) for a in plan.actions.all()] == [
        ("Audit school nursing referrals", DUE, "nhs-gateshead", "planned"),
        ("Extend the healthy weight programme", DUE, "nhs-gateshead", "planned")]
    exception.refresh_from_db()
    assert (exception.state, exception.decision) == ("open", "performance")


def test_an_escalation_through_the_page_carries_its_recommendation(steering, exception_for):
    exception = exception_for("EC 01", "2023")
    response = steering.post(TRIAGE, {
        "exception": [exception.pk], "decision": "escalate",
        "note": "The employment target cannot be met without new money.",
        "recommendation": "Move £200,000 from the skills budget to the work programme.",
        "board_asked_for": "resources"}, follow=True)
    assert banner(response) == "EC 01 2023: escalated to the Board, asking for a move of resources."
    made = TriageDecision.objects.get()
    assert (made.exception, made.decision, made.recommendation, made.board_asked_for) == (
        exception, "escalate", "Move £200,000 from the skills budget to the work programme.",
        "resources")
    assert RemedialPlan.objects.count() == 0
    exception.refresh_from_db()
    assert exception.decision == "escalate"


def test_a_bulk_decision_decides_every_chosen_exception(steering, exception_for):
    first, second = exception_for("HW 01", "2017/18"), exception_for("HW 05", "2018/19")
    response = steering.post(TRIAGE, {
        "exception": [first.pk, second.pk], "decision": "escalate",
        "note": "Both need the Board to rethink the strategy.",
        "recommendation": "Review the healthy weight strategy.",
        "board_asked_for": "strategy"}, follow=True)
    assert banner(response) == (
        "HW 01 2017/18: escalated to the Board, asking for a change of strategy. "
        "HW 05 2018/19: escalated to the Board, asking for a change of strategy.")
    assert sorted(TriageDecision.objects.values_list("exception_id", "decision", "note")) == \
        sorted([(first.pk, "escalate", "Both need the Board to rethink the strategy."),
                (second.pk, "escalate", "Both need the Board to rethink the strategy.")])
    assert set(IndicatorException.objects.filter(decision="escalate")
               .values_list("pk", flat=True)) == {first.pk, second.pk}


def test_a_missing_recommendation_keeps_the_input_and_saves_nothing(steering, exception_for):
    hw02, ec01 = exception_for("HW 02", "2017/18"), exception_for("EC 01", "2023")
    response = steering.post(TRIAGE, {
        "exception": [hw02.pk, ec01.pk], "decision": "escalate",
        "note": "Needs the Board's attention.", "recommendation": "  ",
        "board_asked_for": "strategy"})
    assert response.status_code == 200
    assert problems(response) == [
        "EC 01 2023 and HW 02 2017/18: Write the recommendation to the Board."]
    assert anchors(response) == ["recommendation"]
    page = response.content.decode()
    assert "<title>Error: Triage exceptions" in page
    for exception in (hw02, ec01):
        assert re.search(rf'id="choose-{exception.pk}" name="exception" type="checkbox" '
                         rf'value="{exception.pk}" checked>', page)
    assert re.search(r'id="decision-3" name="decision" type="radio" value="escalate"[^>]*checked',
                     page)
    assert ">Needs the Board&#x27;s attention.</textarea>" in page
    assert re.search(r'value="strategy" checked>', page)
    assert TriageDecision.objects.count() == 0
    assert IndicatorException.objects.exclude(decision="").count() == 0


def test_a_refusal_by_the_service_saves_none_of_the_chosen(steering, exception_for, person):
    outlier, missing = exception_for("HW 04", "2017"), exception_for("HW 01", "2018/19")
    # HW 01 2018/19 is flagged only for its missing return: there is no figure to send back.
    with pytest.raises(DecisionRefused) as refused:
        triage([outlier.pk, missing.pk], person("steering"), "anomaly", "Check these figures.")
    assert str(refused.value).startswith(f"Exception {missing.pk} (HW 01 2018/19")
    response = steering.post(TRIAGE, {
        "exception": [outlier.pk, missing.pk], "decision": "anomaly",
        "note": "Check these figures."})
    assert response.status_code == 200
    assert problems(response) == [str(refused.value)]
    assert anchors(response) == ["decision"]
    assert TriageDecision.objects.count() == 0
    assert DataValue.objects.get(indicator=outlier.indicator, area__code="E08000037",
                                 period="2017").state == "approved"


def test_a_plan_owner_must_fit_each_chosen_exception(steering, exception_for, person):
    exception = exception_for("EC 01", "2023")
    response = steering.post(TRIAGE, {
        "exception": [exception.pk], "decision": "performance", "note": "Act on it.",
        "owner": person("pct").pk, "actions": "Do something",
        "due_day": "31", "due_month": "2", "due_year": "2027"})
    assert problems(response) == [
        "EC 01 2023: Tom Richardson cannot own its plan; choose someone on Prosperous Gateshead "
        "Partnership, at Gateshead Council, or the partnership officer.",
        "EC 01 2023: The due date must be a real date."]
    assert anchors(response) == ["owner", "id_due_day"]
    assert 'id="id_due_day" name="due_day" type="text" inputmode="numeric" value="31"' in \
        response.content.decode()
    assert TriageDecision.objects.count() == 0


def test_choosing_no_exception_is_an_error_at_the_first_box(steering):
    response = steering.post(TRIAGE, {"decision": "anomaly", "note": "Check."})
    first = re.search(r'id="choose-(\d+)"', response.content.decode()).group(1)
    assert problems(response) == ["Choose at least one exception to decide on."]
    assert anchors(response) == [f"choose-{first}"]
    assert TriageDecision.objects.count() == 0


def test_the_triage_page_lists_open_exceptions_by_theme_undecided_first(
        steering, exception_for, person):
    decided = exception_for("HW 01", "2017/18")
    triage([decided.pk], person("steering"), "escalate", "For the Board.",
           recommendation="Rethink.", board_asked_for="strategy")
    response = steering.get(TRIAGE)
    assert response.status_code == 200
    shown = IndicatorException.objects.filter(
        pk__in=[int(pk) for pk in re.findall(r'data-exception="(\d+)"',
                                             response.content.decode())])
    # NG 06 is restricted to the council's partners; the steering member cannot see it.
    assert shown.count() == 53
    assert not shown.filter(indicator__code="NG 06").exists()
    order = [int(pk) for pk in re.findall(r'data-exception="(\d+)"', response.content.decode())]
    names = {e.pk: f"{e.indicator.code} {e.period}" for e in shown.select_related("indicator")}
    healthy = [names[pk] for pk in order if names[pk].startswith("HW ")]
    assert healthy[:3] == ["HW 01 2018/19", "HW 02 2017/18", "HW 02 2018/19"]
    assert healthy[-1] == "HW 01 2017/18"
    assert text(response, "triage-summary") == [
        "53 open exceptions, 52 waiting for a decision. Go to the decision form"]


def test_the_period_filter_shows_exceptions_up_to_that_period(steering, exception_for):
    response = steering.get(TRIAGE, {"period": "2017"})
    page = response.content.decode()
    assert f'data-exception="{exception_for("HW 04", "2017").pk}"' in page
    assert f'data-exception="{exception_for("HW 04", "2018").pk}"' not in page
    wrong = steering.get(TRIAGE, {"period": "last year"})
    assert "last year is not a period: write it like 2018/19, 2019 or 2019/20 Q2." in \
        wrong.content.decode()


def test_each_exception_shows_its_flags_charts_and_commentary(steering, exception_for):
    exception = exception_for("HW 02", "2017/18")
    response = steering.get(TRIAGE)
    card = re.search(rf'id="exception-{exception.pk}".*?</dl>(.*?)</div>\s*</div>\s*</div>',
                     response.content.decode(), re.S)
    flags = text(response, "flags")
    assert any(f.startswith("Will not meet the target as things are. Year 6 children with "
                            "excess weight (Gateshead)") for f in flags)
    assert f'src="/exceptions/{exception.pk}/spc-chart.svg?v=' in card.group(1)
    assert f'src="/exceptions/{exception.pk}/forecast-chart.svg?v=' in card.group(1)
    chart = steering.get(f"/exceptions/{exception.pk}/spc-chart.svg")
    assert (chart.status_code, chart["Content-Type"]) == (200, "image/svg+xml; charset=utf-8")
    assert chart.content.startswith(b'<svg role="img" aria-label="Statistical process control '
                                    b'chart of Year 6 children with excess weight in Gateshead')


def test_a_board_member_may_not_triage(client_as, exception_for):
    board = client_as("board")
    exception = exception_for("EC 01", "2023")
    page = board.get(TRIAGE)
    assert page.status_code == 403
    assert text(page, "refusal") == [TRIAGE_REFUSAL]
    posted = board.post(TRIAGE, {"exception": [exception.pk], "decision": "escalate",
                                 "note": "x", "recommendation": "y",
                                 "board_asked_for": "strategy"})
    assert posted.status_code == 403
    on_page = board.post(f"/exceptions/{exception.pk}/", {
        "exception": [exception.pk], "decision": "escalate", "note": "x", "recommendation": "y",
        "board_asked_for": "strategy"})
    assert on_page.status_code == 403
    assert TriageDecision.objects.count() == 0
    assert 'href="/exceptions/triage/"' not in board.get("/").content.decode()


def test_the_steering_group_sees_triage_in_the_navigation(steering):
    assert re.search(r'class="govuk-service-navigation__link" href="/exceptions/triage/"',
                     steering.get("/").content.decode())


def test_anonymous_visitors_are_sent_to_sign_in(client_as, exception_for):
    anonymous = client_as(None)
    pk = exception_for("HW 02", "2017/18").pk
    for url in (TRIAGE, f"/exceptions/{pk}/", f"/exceptions/{pk}/commentary/"):
        response = anonymous.get(url)
        assert (response.status_code, response["Location"]) == (
            302, f"/account/sign-in/?next={url}")


def test_the_exception_page_shows_its_decision_history(steering, exception_for, person):
    exception = exception_for("HW 02", "2017/18")
    first_at = dt.datetime(2026, 1, 10, 10, 0, tzinfo=dt.UTC)
    triage([exception.pk], person("officer"), "escalate", "The Board should see it.",
           recommendation="Rethink the programme.", board_asked_for="strategy", now=first_at)
    triage([exception.pk], person("steering"), "performance", "The theme can handle it.",
           plan=PlanDetails(owner=person("pct"), due=DUE, actions=["Audit referrals"]),
           now=first_at + dt.timedelta(days=30))
    response = steering.get(f"/exceptions/{exception.pk}/")
    assert response.status_code == 200
    rows = read(response).rows["history"]
    assert rows[1:] == [
        ["9 Feb 2026, 10:00", "Alan Fraser", "Performance issue Current",
         "The theme can handle it.", "Escalated to the Board of 10 Jan 2026, 10:00"],
        ["10 Jan 2026, 10:00", "Priya Shaw",
         "Escalated to the Board Recommendation: Rethink the programme.",
         "The Board should see it.", "–"]]
    assert read(response).rows["actions"][1:] == [
        ["Audit referrals", "NHS Gateshead", "31 March 2027", "Planned"]]
    assert text(response, "progress") == [
        "No figure since the plan yet; the 2018/19 figure will show whether it is working."]
    later = steering.get(f"/exceptions/{exception_for('HW 02', '2018/19').pk}/")
    assert text(later, "occurrences") == [
        "2017/18: open; Performance issue by Alan Fraser on 9 Feb 2026 (The theme can handle "
        "it.); Escalated to the Board by Priya Shaw on 10 Jan 2026 (The Board should see it.)"]
    assert f'href="/exceptions/{exception.pk}/"' in later.content.decode()


def test_the_exception_page_is_hidden_from_those_who_may_not_see_the_indicator(
        client_as, exception_for):
    restricted = exception_for("NG 06", "2015/16")
    assert client_as("steering").get(f"/exceptions/{restricted.pk}/").status_code == 404
    assert client_as("officer").get(f"/exceptions/{restricted.pk}/").status_code == 200


COMMENTARY = {"what_happened": "36.8% in 2017/18, 3.4 points over the milestone.",
              "why": "Fewer schools took part in the programme.",
              "what_is_being_done": "Two more schools join in September."}


def test_the_indicator_owner_writes_the_commentary(client_as, exception_for, person):
    exception = exception_for("HW 02", "2017/18")
    pct = client_as("pct")
    url = f"/exceptions/{exception.pk}/commentary/"
    assert pct.get(url).status_code == 200
    response = pct.post(url, COMMENTARY, follow=True)
    assert response.redirect_chain == [(f"/exceptions/{exception.pk}/", 302)]
    assert banner(response) == "HW 02 2017/18: commentary saved."
    saved = Commentary.objects.get(exception=exception)
    assert (saved.what_happened, saved.why, saved.what_is_being_done, saved.written_by) == (
        *COMMENTARY.values(), person("pct"))
    steering = client_as("steering").get(TRIAGE)
    assert "Fewer schools took part in the programme." in steering.content.decode()


def test_commentary_is_refused_to_those_outside_the_owner_and_the_layer(
        client_as, exception_for):
    exception = exception_for("HW 02", "2017/18")
    url = f"/exceptions/{exception.pk}/commentary/"
    for persona in ("steering", "board"):
        response = client_as(persona).post(url, COMMENTARY)
        assert response.status_code == 403
        assert text(response, "refusal") == [
            "Only NHS Gateshead, the members of Active and Healthy Gateshead Partnership and "
            "the partnership officer may write this commentary."]
    assert Commentary.objects.count() == 0
    assert client_as("officer").get(url).status_code == 200


def test_a_commentary_with_a_part_missing_keeps_what_was_written(client_as, exception_for):
    exception = exception_for("HW 02", "2017/18")
    response = client_as("pct").post(f"/exceptions/{exception.pk}/commentary/",
                                      {**COMMENTARY, "why": " "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say why it happened: the story behind the curve." in page
    assert ">36.8% in 2017/18, 3.4 points over the milestone.</textarea>" in page
    assert Commentary.objects.count() == 0


def test_who_may_comment_is_offered_the_link_on_the_triage_page(client_as, exception_for):
    exception = exception_for("HW 02", "2017/18")
    link = f'href="/exceptions/{exception.pk}/commentary/"'
    assert link in client_as("officer").get(TRIAGE).content.decode()
    steering = client_as("steering").get(TRIAGE).content.decode()
    assert link not in steering
    assert "No commentary yet. NHS Gateshead or Active and Healthy Gateshead Partnership " \
           "writes it." in " ".join(steering.split())


def test_the_theme_page_links_each_flag_to_its_exception(client_as, exception_for):
    exception = exception_for("HW 02", "2017/18")
    link = f'href="/exceptions/{exception.pk}/"'
    theme = "/themes/active-and-healthy-gateshead/"
    assert link in client_as("pct").get(theme).content.decode()
    assert link not in client_as(None).get(theme).content.decode()


def test_only_people_who_may_own_its_plan_are_offered_on_an_exception_page(
        steering, exception_for):
    exception = exception_for("HW 02", "2017/18")
    page = steering.get(f"/exceptions/{exception.pk}/").content.decode()
    select = re.search(r'<select[^>]*id="owner".*?</select>', page, re.S).group(0)
    offered = {Person.objects.get(pk=pk).username
               for pk in re.findall(r'<option value="(\d+)"', select)}
    # The members of Active and Healthy Gateshead, NHS Gateshead's staff, and the officer.
    assert offered == {"theme.lead", "trust.director", "pct.analyst", "pct.chief", "officer"}
