"""``joinedup risks``: the register's rows as a script reads them, what each person may see,
and refusals that write nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import Q

from joinedup import cli
from joinedup.partnership.models import Body, Person
from joinedup.risks.models import Risk

from . import helpers
from .helpers import HEALTHY, SOURCE

pytestmark = pytest.mark.django_db
made = helpers.made

HEADER = ["id", "title", "owner", "likelihood", "impact", "score", "band", "appetite",
          "proposed_likelihood", "p_miss", "proposal_source", "links"]


def listed(*args) -> str:
    out = io.StringIO()
    call_command("risks", *args, stdout=out)
    return out.getvalue()


def csv_rows(*args) -> list[list[str]]:
    return list(csv.reader(io.StringIO(listed("--format", "csv", *args))))


def ids_listed(*args) -> list[int]:
    return [row["id"] for row in json.loads(listed("--format", "json", *args))]


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


@pytest.fixture
def proposed(made):
    helpers.proposal(made.obesity, 4)
    return made


def links() -> str:
    return f"outcome:{helpers.healthy_weight().pk}; HW 02; HW 02 target 2019/20"


def test_csv_for_the_officer_has_exactly_the_register_fields(proposed):
    made = proposed
    rows = csv_rows("--user", "officer")
    assert rows[0] == HEADER
    assert [row for row in rows[1:] if int(row[0]) in made.ids] == [
        [str(made.night.pk), "Night-time economy outgrows patrols", "police.analyst", "4", "5",
         "20", "Extreme", "4", "", "", "", ""],
        [str(made.obesity.pk), "Childhood obesity keeps rising", "theme.lead", "3", "4", "12",
         "High", "12", "4", "0.72", SOURCE, links()],
        [str(made.practice.pk), "A GP practice may close", "pct.analyst", "2", "3", "6",
         "Moderate", "6", "", "", "", ""],
    ]
    assert len(rows) == 1 + Risk.objects.count()


def test_json_for_the_officer_gives_the_same_fields_with_links_as_an_array(proposed):
    made = proposed
    rows = json.loads(listed("--format", "json", "--user", "officer"))
    assert [row for row in rows if row["id"] in made.ids] == [
        {"id": made.night.pk, "title": "Night-time economy outgrows patrols",
         "owner": "police.analyst", "likelihood": 4, "impact": 5, "score": 20,
         "band": "Extreme", "appetite": 4, "proposed_likelihood": None, "p_miss": None,
         "proposal_source": "", "links": []},
        {"id": made.obesity.pk, "title": "Childhood obesity keeps rising",
         "owner": "theme.lead", "likelihood": 3, "impact": 4, "score": 12, "band": "High",
         "appetite": 12, "proposed_likelihood": 4, "p_miss": 0.72, "proposal_source": SOURCE,
         "links": links().split("; ")},
        {"id": made.practice.pk, "title": "A GP practice may close", "owner": "pct.analyst",
         "likelihood": 2, "impact": 3, "score": 6, "band": "Moderate", "appetite": 6,
         "proposed_likelihood": None, "p_miss": None, "proposal_source": "", "links": []},
    ]
    assert all(list(row) == HEADER for row in rows)


def test_body_lists_only_that_bodys_register(made):
    listed_ids = ids_listed("--body", HEALTHY, "--user", "officer")
    assert set(listed_ids) == set(Risk.objects.filter(body__slug=HEALTHY)
                                  .values_list("pk", flat=True))
    assert {made.obesity.pk, made.practice.pk} <= set(listed_ids)
    assert made.night.pk not in listed_ids


def test_without_user_the_partnerships_own_view_lists_every_risk(made):
    assert set(ids_listed()) == set(Risk.objects.values_list("pk", flat=True))


def test_a_restricted_risk_is_listed_for_its_bodys_members_only(made):
    police = ids_listed("--user", "police.analyst")
    assert made.practice.pk not in police
    assert {made.obesity.pk, made.night.pk} <= set(police)
    assert made.practice.pk not in ids_listed("--user", "police.analyst", "--body", HEALTHY)
    assert made.practice.pk not in ids_listed("--user", "board.member")
    assert made.practice.pk in ids_listed("--user", "pct.analyst")
    assert made.practice.pk in ids_listed("--user", "theme.lead", "--body", HEALTHY)


def test_out_writes_the_file_and_says_so(made, tmp_path):
    target = tmp_path / "register.csv"
    out, err = io.StringIO(), io.StringIO()
    call_command("risks", "--user", "police.analyst", "--out", str(target), stdout=out,
                 stderr=err)
    rows = list(csv.reader(io.StringIO(target.read_text())))
    # Not restricted, or restricted to a body the police analyst sits on, or theirs.
    police = Person.objects.get(username="police.analyst")
    count = Risk.objects.filter(Q(restricted=False) | Q(owner=police)
                                | Q(body__memberships__person=police)).distinct().count()
    assert (rows[0], len(rows) - 1, out.getvalue()) == (HEADER, count, "")
    assert err.getvalue() == f"{count} risks written to {target}.\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--user", "nobody"], "There is no active person with the username 'nobody'."),
    (["--body", "nope"], "There is no body 'nope'. Bodies: {bodies}."),
])
def test_an_unknown_person_or_body_exits_2_and_writes_nothing(made, entry_point, capsys,
                                                              tmp_path, args, message):
    target = tmp_path / "register.csv"
    bodies = ", ".join(Body.objects.values_list("slug", flat=True))
    assert entry_point("risks", *args, "--out", str(target)) == 2
    assert capsys.readouterr() == ("", f"CommandError: {message.format(bodies=bodies)}\n")
    assert not target.exists()
    assert entry_point("risks", *args) == 2
    assert capsys.readouterr() == ("", f"CommandError: {message.format(bodies=bodies)}\n")
