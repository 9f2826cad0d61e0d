"""``joinedup plans`` and ``joinedup plan``: the demo's plans listed, and one written out."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connections

from joinedup import cli
from joinedup.strategy.delivery import DeliveryPlan

pytestmark = pytest.mark.django_db


def ids() -> dict[str, int]:
    return dict(DeliveryPlan.objects.values_list("title", "pk"))


def listed(*args) -> str:
    out = io.StringIO()
    call_command("plans", *args, stdout=out)
    return out.getvalue()


def run(*argv) -> int:
    """Run ``joinedup ARGV`` as the shell does, and give its exit status."""
    try:
        cli.main(list(argv))
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.fixture
def entry_point(monkeypatch):
    """The entry point in this process, on the test's database connection."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    return run


def test_plans_as_csv_are_the_demos_three_in_the_lead_partnerships_order():
    plan = ids()
    assert listed("--format", "csv").splitlines() == [
        "id,title,outcome,state,lead",
        f"{plan['More people in work']},More people in work,More people in work,draft,"
        "prosperous-gateshead",
        f"{plan['Healthy weight in Year 6']},Healthy weight in Year 6,Children grow up a "
        "healthy weight,agreed,active-healthy-gateshead",
        f"{plan['Less harm from alcohol']},Less harm from alcohol,Less harm from alcohol,"
        "challenge,safer-gateshead",
    ]


def test_plans_as_json_for_a_partner_are_the_same_rows(tmp_path):
    out = tmp_path / "plans.json"
    call_command("plans", "--format", "json", "--user", "police.analyst", "--out", str(out),
                 stderr=io.StringIO())
    assert [(r["title"], r["state"]) for r in json.loads(out.read_text())] == [
        ("More people in work", "draft"), ("Healthy weight in Year 6", "agreed"),
        ("Less harm from alcohol", "challenge")]


def test_an_unknown_user_exits_2_and_writes_nothing(entry_point, tmp_path, capsys):
    out = tmp_path / "plans.csv"
    status = entry_point("plans", "--format", "csv", "--user", "nobody", "--out", str(out))
    assert (status, out.exists(), capsys.readouterr().err) == (
        2, False, "CommandError: There is no active person with the username 'nobody'.\n")


def test_an_unknown_plan_exits_2_and_writes_nothing(entry_point, tmp_path, capsys):
    missing = max(ids().values()) + 1
    out = tmp_path / "plan.pdf"
    status = entry_point("plan", str(missing), "--format", "pdf", "--out", str(out))
    assert (status, out.exists(), capsys.readouterr().err) == (
        2, False, f"CommandError: There is no delivery plan {missing}; `joinedup plans` "
                  "lists them.\n")


def test_plan_writes_the_html_and_prints_its_id(tmp_path, capsys):
    plan = ids()["Less harm from alcohol"]
    out = tmp_path / "plan.html"
    call_command("plan", str(plan), "--format", "html", "--out", str(out), "--user",
                 "theme.lead")
    html = out.read_text()
    assert (capsys.readouterr().out, html.count("<strong>Not answered yet.</strong>")) == (
        f"{plan}\n", 1)
