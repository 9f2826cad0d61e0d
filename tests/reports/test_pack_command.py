"""joinedup pack: build and issue from the command line, write an issued pack back out."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.reports import building
from joinedup.reports.models import Pack

from . import helpers
from .helpers import (
    ESCALATED,
    board,
    escalate,
    html_text,
    member_emails,
    sheet_rows,
)

pytestmark = pytest.mark.django_db
board_round = helpers.board_round


def test_issue_prints_the_id_last_and_issued_writes_the_same_bytes(board_round, tmp_path,
                                                                   capsys, person):
    out = tmp_path / "board.xlsx"
    call_command("pack", "--body", "gsp-board", "--format", "xlsx", "--out", str(out),
                 "--issue", "--user", "officer", "--quiet")
    printed = capsys.readouterr()
    pack = Pack.objects.get(body=board(), state="issued")
    assert printed.out.splitlines()[-1] == str(pack.pk)
    assert printed.err == (f"{out}: issued pack {pack.pk} of Gateshead Strategic Partnership "
                           f"for {pack.period}, {pack.size:,} bytes, SHA-256 {pack.sha256}\n")
    issued = out.read_bytes()
    assert issued == building.file_bytes(pack)
    rows = sheet_rows(issued, "2 Performance exceptions")
    assert {r["Recommendation to the Board"] for r in rows} == set(ESCALATED.values())
    assert sorted(m.to[0] for m in mail.outbox) == sorted(member_emails(board()))

    escalate(person("officer"), "SC 01", "2017/18", "Fund alcohol liaison nurses.")
    again = tmp_path / "again.xlsx"
    call_command("pack", "--issued", str(pack.pk), "--out", str(again))
    assert capsys.readouterr().out.splitlines()[-1] == str(pack.pk)
    assert again.read_bytes() == issued


def test_a_draft_is_built_for_a_meeting_in_its_agenda_order(board_round, tmp_path, capsys):
    meeting = board().meetings.order_by("-starts").first()
    out = tmp_path / "board.html"
    call_command("pack", "--body", "gsp-board", "--meeting", str(meeting.pk), "--format",
                 "html", "--out", str(out), "--user", "officer", "--quiet")
    pack = Pack.objects.get(pk=int(capsys.readouterr().out.splitlines()[-1]))
    assert (pack.state, pack.meeting, pack.period) == ("draft", meeting, meeting.period)
    text = html_text(out.read_bytes())
    slots = [f"{s.order}. {s.title}" for s in meeting.slots.order_by("order")]
    after_contents = text[text.index(slots[-1]) + len(slots[-1]):]
    assert [after_contents.index(s) for s in slots] == sorted(after_contents.index(s)
                                                              for s in slots)


@pytest.mark.parametrize("arguments, reason", [
    (["--body", "gsp-board", "--format", "html", "--issue", "--user", "board.member"],
     "Only the partnership officer and the chair, vice-chair and officer of Gateshead "
     "Strategic Partnership may build and issue its packs."),
    (["--body", "nowhere", "--format", "pdf"], "there is no body 'nowhere'; bodies: gsp-board, "),
    (["--issued", "999999"], "there is no pack 999999"),
    (["--body", "gsp-board", "--format", "pdf", "--user", "officer", "--period", "someday"],
     "The period 'someday' is not one JoinedUp reads: "),
])
def test_a_refusal_exits_non_zero_with_one_line(arguments, reason, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("pack", *arguments, "--out", str(tmp_path / "pack.out"))
    message = str(refused.value)
    assert refused.value.returncode == 1
    assert "\n" not in message
    assert message.startswith(reason)
    assert not (tmp_path / "pack.out").exists()


def test_issuing_without_the_red_commentary_is_refused(board_round, tmp_path, person):
    bare = escalate(person("officer"), "SC 01", "2017/18", "Fund alcohol liaison nurses.",
                    commentary=False)
    with pytest.raises(CommandError) as refused:
        call_command("pack", "--body", "gsp-board", "--format", "html", "--out",
                     str(tmp_path / "pack.html"), "--issue", "--user", "officer", "--quiet")
    assert str(refused.value) == (
        f"Exception {bare.pk} (SC 01 2017/18) is red and has no commentary, which Gateshead "
        "Strategic Partnership requires before its pack is issued: have its owner write the "
        "commentary, then issue the pack.")
    assert Pack.objects.filter(state="issued").count() == 0
    assert mail.outbox == []
