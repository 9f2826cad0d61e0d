"""``joinedup exceptions`` and ``joinedup triage``: the rows a script reads, and decisions
taken from the command line with the same rules as the pages."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from joinedup import cli
from joinedup.exceptions.models import IndicatorException, TriageDecision
from joinedup.partnership.roles import TRIAGE_REFUSAL
from joinedup.returns.models import DataValue

pytestmark = pytest.mark.django_db

HEADER = ["id", "indicator", "title", "period", "layer", "flags", "areas", "state", "decision"]
RESTRICTED = {"CY 07", "NG 06", "SC 02"}  # NHS- and police-restricted indicators


def listed(*args) -> str:
    out = io.StringIO()
    call_command("exceptions", *args, stdout=out)
    return out.getvalue()


def rows(*args) -> list[dict]:
    return list(csv.DictReader(io.StringIO(listed("--format", "csv", *args))))


def run(*argv) -> int:
    """Run ``joinedup ARGV`` as the shell does, and give its exit status."""
    try:
        cli.main(list(argv))
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.fixture
def entry_point(monkeypatch):
    """The ``joinedup`` entry point in this process, on the test's database connection
    (a command run from the command line closes its connections as it ends)."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    return run


def escalate(*exceptions, user="steering.member", stderr=None) -> str:
    out = io.StringIO()
    call_command("triage", *[str(e.pk) for e in exceptions], "--decision", "escalate",
                 "--note", "Worse three years running", "--recommendation",
                 "Fund a healthy weight service", "--ask", "resources", "--user", user,
                 stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def test_a_csv_row_has_exactly_the_exception_fields(exception_for):
    exception = exception_for("HW 02", "2017/18")
    found = rows("--period", "2017/18")
    assert list(found[0]) == HEADER
    assert [row for row in found if row["id"] == str(exception.pk)] == [{
        "id": str(exception.pk), "indicator": "HW 02",
        "title": "Year 6 children with excess weight", "period": "2017/18",
        "layer": "active-healthy-gateshead", "flags": "red;likely_to_miss;consistently_fails",
        "areas": "E08000037", "state": "open", "decision": ""}]
    # as at 2017/18: nothing for a period ending later
    assert "2018/19" not in {row["period"] for row in found}
    assert len(found) == 16


def test_json_gives_the_same_fields_with_lists_as_arrays(exception_for):
    exception = exception_for("SC 02", "2022/23-2024/25")
    found = json.loads(listed("--format", "json"))
    assert [row for row in found if row["id"] == exception.pk] == [{
        "id": exception.pk, "indicator": "SC 02",
        "title": "Homicides per million people, Northumbria police force area",
        "period": "2022/23-2024/25", "layer": "safer-gateshead",
        "flags": ["red", "likely_to_miss", "consistently_fails"], "areas": ["E23000007"],
        "state": "open", "decision": ""}]
    # no --user: the partnership's own view, restricted indicators included
    assert len(found) == 54


def test_user_lists_what_that_person_may_see(person):
    found = rows("--user", "board.member")
    assert len(found) == 50
    assert {row["indicator"] for row in found} & RESTRICTED == set()
    assert {int(row["id"]) for row in found} == set(
        IndicatorException.objects.visible_to(person("board")).values_list("pk", flat=True))


def test_the_board_lists_exactly_what_was_escalated_to_it(exception_for):
    hw02, sc01 = exception_for("HW 02", "2017/18"), exception_for("SC 01", "2017/18")
    assert listed("--body", "gsp-board") == ",".join(HEADER) + "\n"
    assert escalate(hw02, sc01) == (
        f"Exception {hw02.pk}, HW 02 2017/18 (active-healthy-gateshead): escalated to the "
        "Board, asking for a move of resources.\n"
        f"Exception {sc01.pk}, SC 01 2017/18 (safer-gateshead): escalated to the Board, "
        "asking for a move of resources.\n")
    found = rows("--body", "gsp-board")
    assert [(row["id"], row["indicator"], row["decision"]) for row in found] == [
        (str(hw02.pk), "HW 02", "escalate"), (str(sc01.pk), "SC 01", "escalate")]
    decisions = TriageDecision.objects.order_by("exception__indicator__code")
    assert [(d.exception_id, d.decided_by.username, d.board_asked_for, d.recommendation)
            for d in decisions] == [
        (hw02.pk, "steering.member", "resources", "Fund a healthy weight service"),
        (sc01.pk, "steering.member", "resources", "Fund a healthy weight service")]


def test_a_board_member_cannot_triage_from_the_command_line(exception_for, entry_point,
                                                            capsys):
    exception = exception_for("HW 02", "2017/18")
    status = entry_point("triage", str(exception.pk), "--decision", "escalate", "--note",
                         "Strategic", "--recommendation", "Act", "--ask", "strategy",
                         "--user", "board.member")
    assert status == 1
    assert capsys.readouterr() == ("", TRIAGE_REFUSAL + "\n")
    exception.refresh_from_db()
    assert (exception.decision, TriageDecision.objects.count()) == ("", 0)


def test_a_refusal_from_call_command_is_the_reason_alone(exception_for):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        escalate(exception_for("HW 02", "2017/18"), user="board.member", stderr=err)
    assert (exited.value.code, err.getvalue()) == (1, TRIAGE_REFUSAL + "\n")


def test_an_anomaly_is_reassessed_as_the_command_commits(
        exception_for, django_capture_on_commit_callbacks):
    exception = exception_for("HW 04", "2017")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("triage", str(exception.pk), "--decision", "anomaly", "--note",
                     "Check the 2017 figure against the survey", "--user", "steering.member",
                     stdout=out)
    assert len(callbacks) == 1
    assert out.getvalue() == (
        f"Exception {exception.pk}, HW 04 2017 (active-healthy-gateshead): data anomaly; "
        "1 figure sent back to its owner, to be corrected and approved again.\n")
    exception.refresh_from_db()
    assert (exception.state, exception.decision) == ("awaiting_correction", "anomaly")
    figure = DataValue.objects.get(indicator=exception.indicator, area__code="E08000037",
                                   period="2017")
    assert (figure.state, figure.returned_reason) == (
        "returned", "Check the 2017 figure against the survey")


def test_a_performance_issue_gets_its_plan_from_the_options(exception_for):
    exception = exception_for("HW 01", "2017/18")
    out = io.StringIO()
    call_command("triage", str(exception.pk), "--decision", "performance", "--note",
                 "Rising for three years", "--owner", "theme.lead", "--due", "2027-03-31",
                 "--action", "Extend the school food programme", "--action",
                 "Commission a healthy weight service", "--review", "2019/20",
                 "--user", "steering.member", stdout=out)
    assert out.getvalue() == (
        f"Exception {exception.pk}, HW 01 2017/18 (active-healthy-gateshead): performance "
        "issue; remedial plan owned by theme.lead, 2 actions due 31 March 2027, reviewed "
        "with the 2019/20 figure.\n")
    plan = TriageDecision.objects.get(exception=exception).plan
    assert (plan.owner.username, plan.review_period, [a.action for a in plan.actions.all()]) == (
        "theme.lead", "2019/20",
        ["Extend the school food programme", "Commission a healthy weight service"])


def test_a_performance_issue_without_an_owner_is_refused(exception_for):
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("triage", str(exception_for("HW 01", "2017/18").pk), "--decision",
                     "performance", "--note", "Rising", "--user", "officer", stderr=err)
    assert err.getvalue() == "A performance issue needs a remedial plan with an owner.\n"
    assert TriageDecision.objects.count() == 0


BODIES = ("gsp-board, steering-group, prosperous-gateshead, active-healthy-gateshead, "
          "safer-gateshead, childrens-trust, sustainable-gateshead, independent-living, "
          "central-area-forum, east-area-forum, south-area-forum, inner-west-area-forum, "
          "outer-west-area-forum, performance-working-group, finance-officers-group")


@pytest.mark.parametrize(("args", "reason"), [
    (["--user", "nobody"], "There is no active person with the username 'nobody'."),
    (["--body", "no-such-body"], f"There is no body 'no-such-body'. Bodies: {BODIES}."),
])
def test_unknown_names_are_refused_with_the_reason(args, reason):
    with pytest.raises(CommandError) as refused:
        listed(*args)
    assert str(refused.value) == reason


def test_a_period_that_cannot_be_read_is_refused_in_one_line():
    with pytest.raises(CommandError) as refused:
        listed("--period", "2019/20 Q9")
    reason = str(refused.value)
    assert reason.startswith("--period: Cannot read '2019/20 Q9' as a period: Q9 is not a "
                             "quarter: quarters are numbered Q1 to Q4.")
    assert "\n" not in reason


def test_an_unknown_body_exits_non_zero_with_one_line(entry_point, capsys):
    assert entry_point("exceptions", "--body", "nope") == 1
    assert capsys.readouterr() == (
        "", f"CommandError: There is no body 'nope'. Bodies: {BODIES}.\n")


def test_out_writes_the_file_and_says_so(tmp_path):
    target = tmp_path / "board.json"
    err = io.StringIO()
    call_command("exceptions", "--format", "json", "--user", "steering.member", "--out",
                 str(target), stdout=io.StringIO(), stderr=err)
    assert len(json.loads(target.read_text())) == 53
    assert err.getvalue() == f"53 exceptions written to {target}.\n"


@pytest.mark.parametrize(("args", "reason"), [
    (["--decision", "escalate", "--user", "nobody"],
     "There is no active person with the username 'nobody'; say who decides with --user "
     "USERNAME."),
    (["--decision", "performance", "--owner", "nobody", "--due", "2027-03-31", "--user",
      "officer"], "There is no person with the username 'nobody' to own the remedial plan."),
])
def test_triage_names_an_unknown_person(exception_for, args, reason):
    with pytest.raises(CommandError) as refused:
        call_command("triage", str(exception_for("HW 02", "2017/18").pk), "--note", "Why",
                     *args)
    assert str(refused.value) == reason
    assert TriageDecision.objects.count() == 0
