"""The packs pages: building in the background with a progress page, issuing with a
confirmation, downloading; and who may do which."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult
from returns import test_upload_tasks as upload_tasks

from joinedup.reports import building
from joinedup.reports.models import Pack

from . import helpers
from .helpers import (
    board,
    escalate,
    member_emails,
    pdf_text,
)

pytestmark = pytest.mark.django_db
board_round = helpers.board_round
#: Runs the queued tasks in this process, as the upload tests do.
run_worker = upload_tasks.run_worker

PACKS = "/bodies/gsp-board/packs/"


def period_slug(label: str) -> str:
    """2026/27 Q2 as a file name has it: 2026-27-q2."""
    return label.lower().replace("/", "-").replace(" ", "-")


def test_a_pack_is_built_in_the_background_while_its_page_shows_progress(
        board_round, client_as, run_worker):
    client = client_as("officer")
    page = client.get(PACKS).content.decode()
    assert 'data-testid="build-form"' in page
    meeting = board().meetings.order_by("-starts").first()
    assert f"The next meeting, {meeting.starts:%A %-d %B %Y}" in page
    answer = client.post(PACKS, {"format": "pdf", "meeting": str(meeting.pk), "period": ""})
    pack = Pack.objects.get(body=board())
    assert answer.status_code == 302 and answer["Location"] == f"/packs/{pack.pk}/"
    assert (pack.work_state, pack.meeting, pack.period, pack.format) == (
        "queued", meeting, meeting.period, "pdf")
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "joinedup.reports.tasks.build_in_background"
    answer = client.get(f"/packs/{pack.pk}/")
    waiting = answer.content.decode()
    assert answer["Refresh"] == "5"
    assert "<title>Waiting to start: PDF pack of Gateshead Strategic Partnership – " in waiting
    # Asking again while it waits queues nothing more.
    client.post(PACKS, {"format": "pdf", "meeting": str(meeting.pk)})
    assert DBTaskResult.objects.count() == 1

    run_worker()
    pack.refresh_from_db()
    # Gathering, a pair of charts for each of the two exceptions, writing, keeping.
    assert (pack.work_state, pack.state, pack.work_done, pack.work_total) == (
        "done", "draft", 5, 5)
    answer = client.get(f"/packs/{pack.pk}/")
    done = answer.content.decode()
    assert not answer.has_header("Refresh")
    assert f"Download {pack.file_name}" in done
    assert pack.file_name == f"gsp-board-{period_slug(meeting.period)}-draft.pdf"
    got = client.get(f"/packs/{pack.pk}/download/")
    assert (got.status_code, got["Content-Type"], got["Content-Disposition"]) == (
        200, "application/pdf", f'attachment; filename="{pack.file_name}"')
    assert "Draft" in pdf_text(got.content)[:600]


def test_issuing_from_the_page_asks_first_then_freezes_and_e_mails(board_round, client_as,
                                                                  run_worker, person):
    officer = person("officer")
    pack = building.draft_for(board(), officer, format="html")
    building.build(pack, officer)
    client = client_as("officer")
    confirm = client.get(f"/packs/{pack.pk}/issue/").content.decode()
    assert "Issue the pack and e-mail the members" in confirm
    assert "the 8 members of Gateshead Strategic Partnership with an e-mail address are" \
        in confirm
    answer = client.post(f"/packs/{pack.pk}/issue/")
    assert answer.status_code == 302
    assert Pack.objects.get(pk=pack.pk).state == "draft"  # not until the worker has done it
    run_worker()
    pack.refresh_from_db()
    assert (pack.state, pack.issued_by, pack.work_state) == ("issued", officer, "done")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(member_emails(board()))
    page = client.get(f"/packs/{pack.pk}/").content.decode()
    assert f'<code class="app-code" data-testid="pack-sha256">{pack.sha256}</code>' in page
    assert "Rebuild the draft" not in page and "Issue this pack" not in page
    got = client.get(f"/packs/{pack.pk}/download/")
    assert got["Content-Disposition"] == (
        f'attachment; filename="gsp-board-{period_slug(pack.period)}.html"')


def test_the_issue_page_gives_the_refusal_and_queues_nothing(board_round, client_as, person):
    officer = person("officer")
    bare = escalate(officer, "SC 01", "2017/18", "Fund alcohol liaison nurses.",
                    commentary=False)
    pack = building.draft_for(board(), officer, format="html")
    answer = client_as("officer").post(f"/packs/{pack.pk}/issue/")
    assert answer.status_code == 409
    assert (f'<li data-testid="issue-refusal">Exception {bare.pk} (SC 01 2017/18) is red and '
            "has no commentary") in answer.content.decode()
    assert DBTaskResult.objects.count() == 0


def test_a_board_member_may_download_but_not_build_or_issue(board_round, client_as, person):
    officer = person("officer")
    pack = building.draft_for(board(), officer, format="html")
    building.build(pack, officer)
    client = client_as("board")
    page = client.get(PACKS).content.decode()
    assert 'data-testid="build-form"' not in page
    assert ("Packs are built and issued by the partnership officer and the chair, vice-chair "
            "and officer of Gateshead Strategic Partnership.") in page
    got = client.get(f"/packs/{pack.pk}/download/")
    assert (got.status_code, got.content) == (200, building.file_bytes(pack))
    assert "Issue this pack" not in client.get(f"/packs/{pack.pk}/").content.decode()
    assert client.post(PACKS, {"format": "pdf"}).status_code == 403
    assert client.get(f"/packs/{pack.pk}/issue/").status_code == 403
    assert client.post(f"/packs/{pack.pk}/issue/").status_code == 403
    assert client.post(f"/packs/{pack.pk}/build/").status_code == 403
    assert DBTaskResult.objects.count() == 0
    assert Pack.objects.get(pk=pack.pk).state == "draft"


def test_packs_are_for_people_who_are_signed_in(client_as, person):
    officer = person("officer")
    pack = building.draft_for(board(), officer, format="html")
    building.build(pack, officer)
    client = client_as(None)
    for path in (PACKS, f"/packs/{pack.pk}/", f"/packs/{pack.pk}/download/"):
        answer = client.get(path)
        assert (answer.status_code, answer["Location"]) == (302, f"/account/sign-in/?next={path}")


def test_an_unreadable_period_is_told_and_nothing_is_built(client_as):
    answer = client_as("officer").post(PACKS, {"format": "pdf", "meeting": "none",
                                               "period": "next spring"})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "<title>Error: Packs of Gateshead Strategic Partnership – " in page
    assert "The period &#x27;next spring&#x27; is not one JoinedUp reads" in page
    assert Pack.objects.count() == 0
