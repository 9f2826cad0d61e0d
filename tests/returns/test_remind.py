"""``joinedup remind``: the right people, the right list, at the right time, and only once."""

from __future__ import annotations

import datetime as dt
import io
import os
import smtplib
import subprocess
import sys

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from joinedup.partnership.models import Organisation, Person
from joinedup.places.models import Area
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn, ReminderSent
from joinedup.returns.rounds import people_to_remind
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2031, 10, 31)
DAYS_BEFORE = 7
PERIOD = "2031/32"

# what each partner owes: indicator code and the state of its figure (None: nothing sent)
OWED = {
    "nhs-gateshead": [("HW 01", None), ("HW 02", "submitted"), ("HW 03", "draft")],
    "northumbria-police": [("SC 02", None), ("SC 03", None)],
    # GVOC owes a public figure and one for an NHS-restricted indicator it may not see
    "gvoc": [("HW 04", None), ("CY 07", None)],
    # Tyne and Wear Fire owes only a figure its people may not see: nobody is written to
    "tyne-and-wear-fire": [("CY 07", None)],
}


def day(offset: int) -> str:
    return (DEADLINE + dt.timedelta(days=offset)).isoformat()


@pytest.fixture
def collection_round(db):
    area = Area.objects.get(code="E08000037")
    collection_round = CollectionRound.objects.create(
        name="Test reminders round", slug="test-reminders", period="2031/32 Q2",
        opens=DEADLINE - dt.timedelta(days=30), deadline=DEADLINE,
        remind_days_before=DAYS_BEFORE,
    )
    made = set()
    for slug, owed in OWED.items():
        owner = Organisation.objects.get(slug=slug)
        for code, state in owed:
            indicator = Indicator.objects.get(code=code)
            # a round asks for one figure once: a second partner owes the next year's
            period = "2032/33" if code in made else PERIOD
            made.add(code)
            ExpectedReturn.objects.create(collection_round=collection_round, indicator=indicator,
                                          area=area, owner=owner, period=period)
            if state:
                DataValue.objects.create(indicator=indicator, area=area, period=PERIOD,
                                         value=10.0, state=state)
    # someone who has left, and someone with no e-mail address, are never written to
    Person.objects.filter(username="pct.chief").update(is_active=False)
    Person.objects.filter(username="police.superintendent").update(email="")
    return collection_round


def still_owed_visible_to(person: Person) -> set[str]:
    visible = set(Indicator.objects.visible_to(person).values_list("code", flat=True))
    return {code for code, state in OWED.get(person.organisation.slug, [])
            if state in (None, "draft") and code in visible}


# What the rules above come to: the NHS chief has left and the police superintendent has
# no address; GVOC's board member may not see CY 07, and the fire service sees nothing it owes.
REMINDED = {
    "pct.analyst@example.org": {"HW 01", "HW 03"},
    "police.analyst@example.org": {"SC 02", "SC 03"},
    "board.member@example.org": {"HW 04"},
}


def expected_recipients() -> dict[str, Person]:
    people = Person.objects.filter(organisation__slug__in=OWED, is_active=True).exclude(email="")
    found = {p.email: p for p in people if still_owed_visible_to(p)}
    assert {email: still_owed_visible_to(p) for email, p in found.items()} == REMINDED
    return found


def remind(*args) -> str:
    out = io.StringIO()
    call_command("remind", *args, stdout=out)
    return out.getvalue()


def test_before_reminders_run_from_n_days_ahead_until_the_deadline(collection_round):
    assert people_to_remind(collection_round, "before", DEADLINE - dt.timedelta(DAYS_BEFORE + 1)) == []
    for offset in (-DAYS_BEFORE, -1, 0):
        due = people_to_remind(collection_round, "before", DEADLINE + dt.timedelta(offset))
        assert {r.person.email for r in due} == set(expected_recipients())
    assert people_to_remind(collection_round, "before", DEADLINE + dt.timedelta(1)) == []


def test_missed_reminders_go_on_any_day_after_the_deadline(collection_round):
    assert people_to_remind(collection_round, "missed", DEADLINE) == []
    for offset in (1, 30):
        due = people_to_remind(collection_round, "missed", DEADLINE + dt.timedelta(offset))
        assert {r.person.email for r in due} == set(expected_recipients())


def test_closed_and_unopened_rounds_send_nothing(collection_round):
    collection_round.closed = True
    collection_round.save()
    assert people_to_remind(collection_round, "missed", DEADLINE + dt.timedelta(1)) == []
    collection_round.closed = False
    collection_round.opens = DEADLINE - dt.timedelta(days=2)
    collection_round.save()
    assert people_to_remind(collection_round, "before", DEADLINE - dt.timedelta(days=5)) == []


def test_each_person_gets_their_partner_s_outstanding_returns(collection_round, settings):
    settings.JOINEDUP_BASE_URL = "https://partnership.example.org/"
    remind("--today", day(-DAYS_BEFORE), "--round", collection_round.slug)
    recipients = expected_recipients()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(recipients)
    assert {"fire.manager@example.org", "pct.chief@example.org", "officer@example.org"}.isdisjoint(
        m.to[0] for m in mail.outbox)
    link = f"https://partnership.example.org{collection_round.get_absolute_url()}"
    for message in mail.outbox:
        person = recipients[message.to[0]]
        listed = still_owed_visible_to(person)
        owed = {code for code, _ in OWED[person.organisation.slug]}
        for code in owed:
            indicator = Indicator.objects.get(code=code)
            line = f"- {code} {indicator.title}: Gateshead, {PERIOD}"
            assert (line in message.body) == (code in listed), (person, code)
        assert link in message.body
        assert "31 October 2031" in message.body
        returns = "1 return" if len(listed) == 1 else f"{len(listed)} returns"
        assert message.subject == f"{collection_round.name}: {returns} due by 31 October 2031"
    pct = next(m for m in mail.outbox if m.to == ["pct.analyst@example.org"])
    assert "HW 03" in pct.body and "in draft" in pct.body
    board = next(m for m in mail.outbox if m.to == ["board.member@example.org"])
    assert "HW 04" in board.body and "CY 07" not in board.body


def test_nobody_is_reminded_twice(collection_round):
    remind("--today", day(-DAYS_BEFORE), "--round", collection_round.slug)
    sent = len(mail.outbox)
    assert sent == len(expected_recipients())
    remind("--today", day(-DAYS_BEFORE), "--round", collection_round.slug)
    remind("--today", day(-1), "--round", collection_round.slug)
    assert len(mail.outbox) == sent
    records = ReminderSent.objects.filter(collection_round=collection_round)
    assert records.count() == sent and set(records.values_list("kind", flat=True)) == {"before"}
    for record in records.select_related("person"):
        assert record.outstanding == len(still_owed_visible_to(record.person))
    assert people_to_remind(collection_round, "before", DEADLINE) == []


def test_a_run_racing_another_sends_nothing_the_other_sent(collection_round, monkeypatch):
    """Two cron runs that both listed the same people: the record, written first, wins."""
    listed = {kind: people_to_remind(collection_round, kind, DEADLINE + dt.timedelta(1))
              for kind in ("before", "missed")}
    assert listed["missed"]
    monkeypatch.setattr("joinedup.returns.management.commands.remind.people_to_remind",
                        lambda collection_round, kind, today: listed[kind])
    remind("--today", day(1), "--round", collection_round.slug)
    sent = len(mail.outbox)
    assert (sent, listed["before"]) == (len(REMINDED), [])
    assert sorted(r.person.email for r in listed["missed"]) == sorted(REMINDED)
    output = remind("--today", day(1), "--round", collection_round.slug)
    assert len(mail.outbox) == sent
    assert output == ("Reminders for 2031-11-01: 0 sent across 1 round (0 before the deadline, "
                      "0 deadline missed).\n")


def test_the_missed_reminder_goes_once_after_the_deadline(collection_round):
    remind("--today", day(-DAYS_BEFORE), "--round", collection_round.slug)
    before = len(mail.outbox)
    remind("--today", day(1), "--round", collection_round.slug)
    missed = mail.outbox[before:]
    assert sorted(m.to[0] for m in missed) == sorted(expected_recipients())
    for message in missed:
        owed = len(REMINDED[message.to[0]])
        assert message.subject == (f"{collection_round.name}: "
                                   f"{owed} return{'s' if owed > 1 else ''} overdue")
        assert "have not been received and are now overdue" in message.body
    remind("--today", day(2), "--round", collection_round.slug)
    assert len(mail.outbox) == before + len(missed)


def test_a_partner_that_has_sent_everything_is_not_reminded(collection_round):
    area = Area.objects.get(code="E08000037")
    for code, state in OWED["northumbria-police"]:
        DataValue.objects.create(indicator=Indicator.objects.get(code=code), area=area,
                                 period=PERIOD, value=3.0, state="submitted")
    remind("--today", day(1), "--round", collection_round.slug)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        email for email in expected_recipients() if email != "police.analyst@example.org")


def test_a_dry_run_sends_and_records_nothing(collection_round):
    output = remind("--today", day(-DAYS_BEFORE), "--round", collection_round.slug, "--dry-run")
    assert mail.outbox == []
    assert not ReminderSent.objects.filter(collection_round=collection_round).exists()
    for email in expected_recipients():
        assert email in output
    assert f"{len(expected_recipients())} would be sent" in output


def test_a_cron_run_prints_one_summary_line_and_covers_every_open_round(collection_round):
    CollectionRound.objects.exclude(pk=collection_round.pk).delete()
    output = remind("--today", day(1))
    assert output.count("\n") == 1
    assert f"{len(expected_recipients())} sent across 1 round" in output
    assert len(mail.outbox) == len(expected_recipients())


def test_a_failed_send_is_not_recorded_and_is_explained(collection_round, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(CommandError, match="Could not send the reminder to .*run again"):
        remind("--today", day(1), "--round", collection_round.slug)
    assert not ReminderSent.objects.filter(collection_round=collection_round).exists()


def test_bad_arguments_are_refused_clearly(collection_round):
    with pytest.raises(CommandError, match="not a date; write it as YYYY-MM-DD"):
        remind("--today", "31/10/2031")
    with pytest.raises(CommandError, match="no collection round 'nope'.*test-reminders"):
        remind("--round", "nope")


def test_the_command_line_exits_non_zero_on_a_bad_date(tmp_path):
    env = {**os.environ, "JOINEDUP_DATA_DIR": str(tmp_path), "SECRET_KEY": "test"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "joinedup.cli", "remind", "--today", "soon"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2  # a usage error, as argparse reports one
    assert result.stderr.splitlines()[-1] == (
        "joinedup remind: error: argument --today: 'soon' is not a date; write it as "
        "YYYY-MM-DD, for example 2009-07-31")
