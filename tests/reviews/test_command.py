"""``joinedup self-assessment``: list the rounds, export results, open and close rounds."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.reviews.models import SelfAssessmentRound

from .rounds import scored_rounds

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("self_assessment", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_list_gives_every_round_newest_first():
    rows = list(csv.DictReader(io.StringIO(run("list"))))
    current, last = SelfAssessmentRound.objects.order_by("-opens")
    assert [(r["id"], r["status"], r["submitted"]) for r in rows] == [
        (str(current.pk), "open", "9"), (str(last.pk), "closed", "11")]


def test_results_by_element_as_json_are_the_pages_figures():
    _, later = scored_rounds()
    rows = json.loads(run("results", "Test round 2101", "--format", "json"))
    assert rows[2] == {"element": "style", "name": "Style", "members": 3, "answers": 6,
                       "mean": 3.0, "lowest": 2.0, "highest": 4.0, "sd": 1.0,
                       "sector_lowest": "Voluntary and community sector",
                       "sector_highest": "Public sector", "sector_gap": 1.5,
                       "previous_mean": 3.0, "change": 0.0}


def test_results_by_question_as_csv(tmp_path):
    _, later = scored_rounds()
    out = tmp_path / "questions.csv"
    call_command("self_assessment", "results", str(later.pk), "--by", "question", "--out",
                 str(out), stdout=io.StringIO(), stderr=io.StringIO())
    rows = list(csv.DictReader(out.open()))
    assert [(r["code"], r["answers"], r["score_2"], r["score_5"]) for r in rows[:2]] == [
        ("goals-1", "3", "1", "1"), ("goals-2", "3", "1", "1")]


def test_a_partner_on_neither_body_is_refused_the_results():
    _, later = scored_rounds()
    with pytest.raises(CommandError, match="Only members of the Board and of the management "
                                           "group, and the partnership officer"):
        run("--user", "pct.analyst", "results", str(later.pk))


def test_an_unknown_round_is_named():
    with pytest.raises(CommandError, match="There is no self-assessment round 'Nothing'") as err:
        run("results", "Nothing")
    assert err.value.returncode == 2


def test_the_officer_opens_and_closes_a_round_and_others_may_not():
    opened = run("--user", "officer", "open", "--title", "Test round 2103", "--opens",
                 "2103-01-01", "--closes", "2103-02-01")
    round_ = SelfAssessmentRound.objects.get(title="Test round 2103")
    assert opened == f"Opened round {round_.pk}, Test round 2103, asking 16 questions.\n"
    with pytest.raises(CommandError, match="Only the partnership officer opens and closes"):
        run("--user", "board.member", "close", str(round_.pk))
    run("--user", "officer", "close", "Test round 2103")
    round_.refresh_from_db()
    assert round_.status == "closed"
