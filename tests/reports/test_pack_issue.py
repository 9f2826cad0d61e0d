"""Issuing a pack: the refusal without commentary, the freeze, the e-mails, and what the next
pack says is new or resolved since."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.db import transaction

from joinedup.exceptions.decisions import PlanDetails, triage
from joinedup.history.models import Change
from joinedup.partnership.models import Body, Membership, Person, ReportingCycle
from joinedup.reports import building
from joinedup.reports.models import Pack, PackFile, PackFrozen

from . import helpers
from .helpers import (
    ESCALATED,
    board,
    comment,
    escalate,
    html_text,
    member_emails,
    pdf_text,
)

pytestmark = pytest.mark.django_db
board_round = helpers.board_round


def draft(user, fmt: str = "html", body: Body | None = None) -> Pack:
    return building.draft_for(body or board(), user, format=fmt)


def test_issuing_is_refused_while_a_red_exception_has_no_commentary(board_round, person):
    officer = person("officer")
    bare = escalate(officer, "SC 01", "2017/18", "Fund alcohol liaison nurses.",
                    commentary=False)
    pack = draft(officer)
    assert ReportingCycle.objects.get(body=board()).red_needs_commentary
    reason = (f"Exception {bare.pk} (SC 01 2017/18) is red and has no commentary, which "
              f"Gateshead Strategic Partnership requires before its pack is issued: have its "
              "owner write the commentary, then issue the pack.")
    with pytest.raises(building.PackRefused) as refused:
        building.issue(pack, officer)
    assert str(refused.value) == reason
    pack.refresh_from_db()
    assert (pack.state, pack.sha256, len(mail.outbox)) == ("draft", "", 0)
    comment(bare, officer)
    building.issue(pack, officer)
    assert Pack.objects.get(pk=pack.pk).state == "issued"


def test_without_the_rule_a_red_exception_without_commentary_may_be_issued(board_round,
                                                                           person):
    officer = person("officer")
    escalate(officer, "SC 01", "2017/18", "Fund alcohol liaison nurses.", commentary=False)
    ReportingCycle.objects.filter(body=board()).update(red_needs_commentary=False)
    pack = building.issue(draft(officer), officer)
    assert pack.state == "issued"


def test_an_issued_pack_is_kept_byte_for_byte_whatever_changes_later(board_round, person,
                                                                     client_as):
    officer = person("officer")
    pack = building.issue(draft(officer, "pdf"), officer)
    issued = bytes(PackFile.objects.get(pack=pack).content)
    assert hashlib.sha256(issued).hexdigest() == pack.sha256
    assert len(issued) == pack.size
    text = pdf_text(issued)
    assert f"Issued on {pack.issued_at:%-d %B %Y}" in text[:600]
    assert "Draft" not in text
    # The data changes: another exception goes up to the Board.
    later = escalate(officer, "SC 01", "2017/18", "Fund alcohol liaison nurses.")
    answer = client_as("board").get(f"/packs/{pack.pk}/download/")
    assert answer.status_code == 200
    assert answer.content == issued
    # A new draft has the change; the issued pack cannot be rebuilt, changed or removed.
    fresh = draft(officer, "pdf")
    assert fresh.pk != pack.pk
    building.build(fresh, officer)
    assert later.indicator.title in pdf_text(building.file_bytes(fresh))
    with pytest.raises(building.PackRefused) as refused:
        building.build(pack, officer)
    assert str(refused.value) == (f"Pack {pack.pk} was issued on {pack.issued_at:%-d %B %Y}, "
                                  "so it cannot be built again; build a new draft instead.")
    frozen = f"Pack {pack.pk} is issued, so it cannot be changed."
    for change in (lambda: Pack.objects.get(pk=pack.pk).save(),
                   lambda: Pack.objects.filter(pk=pack.pk).update(period="2030/31"),
                   lambda: PackFile(pack=pack, content=b"other").save()):
        with pytest.raises(PackFrozen) as stopped, transaction.atomic():
            change()
        assert str(stopped.value) == frozen
    with pytest.raises(PackFrozen) as stopped, transaction.atomic():
        Pack.objects.get(pk=pack.pk).delete()
    assert str(stopped.value) == f"Pack {pack.pk} is issued, so it cannot be removed."
    assert bytes(PackFile.objects.get(pack=pack).content) == issued


def test_issuing_e_mails_exactly_the_body_s_members_a_link(board_round, person, settings):
    officer = person("officer")
    settings.JOINEDUP_BASE_URL = "https://joinedup.example.org/"
    pack = building.issue(draft(officer), officer)
    expected = member_emails(board())
    assert len(expected) == 8
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        expected)
    assert {len(message.to) for message in mail.outbox} == {1}
    message = mail.outbox[0]
    assert message.subject == f"Gateshead Strategic Partnership: pack issued for {pack.period}"
    assert f"https://joinedup.example.org/packs/{pack.pk}/download/" in message.body
    assert "holds 2 performance exceptions" in message.body


def test_the_history_records_who_built_and_issued_a_pack(board_round, person):
    officer = person("officer")
    pack = building.issue(draft(officer), officer)
    issued = Change.objects.filter(object_id=pack.pk, content_type__model="pack",
                                   reason="Pack issued").get()
    assert (issued.person, issued.before["state"], issued.after["state"]) == (
        officer, "draft", "issued")
    assert issued.after["sha256"] == pack.sha256


def test_the_next_pack_says_what_is_new_and_what_is_resolved(board_round, person):
    officer = person("officer")
    first = building.issue(draft(officer), officer)
    kept, moved = board_round["escalated"]
    triage([moved.pk], officer, "performance", "The theme partnership can handle it now.",
           plan=building_plan(officer))
    added = escalate(officer, "SC 01", "2017/18", "Fund alcohol liaison nurses.")
    second = draft(officer)
    building.build(second, officer)
    assert second.manifest["previous_pack"] == first.pk
    assert {(row["id"], row["new"]) for row in second.manifest["exceptions"]} == {
        (kept.pk, False), (added.pk, True)}
    assert second.manifest["resolved"] == [{
        "id": moved.pk, "indicator": moved.indicator.code, "title": moved.indicator.title,
        "period": moved.period, "now": "Now decided as: performance issue."}]
    text = html_text(building.file_bytes(second))
    assert (f"Compared with the last issued pack, issued on {first.issued_at:%-d %B %Y}: 1 new "
            "since then, 1 resolved.") in text
    assert (f"{moved.indicator.code} {moved.indicator.title} {moved.period} Now decided as: "
            "performance issue.") in text
    assert text.count("New since the last pack") == 1
    assert ESCALATED[(kept.indicator.code, kept.period)] in text


def building_plan(owner) -> PlanDetails:
    return PlanDetails(owner=owner, due=dt.date(2027, 3, 31), actions=["Review the pathway"])


def test_the_chair_may_issue_the_body_s_pack_and_a_member_may_not(board_round, person):
    chair = Person.objects.get(username="council.leader")
    assert Membership.objects.get(body=board(), person=chair).role == "chair"
    pack = building.issue(draft(chair), chair)
    assert (pack.state, pack.issued_by) == ("issued", chair)
    steering = Body.objects.get(slug="steering-group")
    assert Membership.objects.get(body=steering, person=person("steering")).role == "member"
    with pytest.raises(building.PackRefused) as refused:
        draft(person("steering"), body=steering)
    assert str(refused.value) == ("Only the partnership officer and the chair, vice-chair and "
                                  "officer of Steering Group may build and issue its packs.")
    assert Pack.objects.filter(body=steering).count() == 0
