"""``joinedup remind``: e-mail partners who still owe returns, before and after a deadline.

Meant for a daily cron job. Each person gets at most one "before the deadline" and one
"deadline missed" e-mail per round, because every e-mail sent is recorded as a
``ReminderSent`` in the same transaction, and the record is written first: a second run,
even a concurrent one, finds it and sends nothing. A failed send rolls its record back, so
the next run tries again.
"""

from __future__ import annotations

import argparse
import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from joinedup.partnership.models import Body
from joinedup.returns.models import CollectionRound, ReminderSent
from joinedup.returns.rounds import BEFORE, MISSED, Reminder, people_to_remind

KIND_WORDS = {BEFORE: "before the deadline", MISSED: "deadline missed"}


def day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, for example 2009-07-31"
        ) from None


def round_url(collection_round: CollectionRound) -> str:
    return settings.JOINEDUP_BASE_URL.rstrip("/") + collection_round.get_absolute_url()


def write_reminder(reminder: Reminder, collection_round: CollectionRound, today: dt.date,
                   partnership_name: str) -> EmailMessage:
    """The plain-text e-mail for one person, from the ``returns/email`` templates."""
    context = {
        "person": reminder.person,
        "organisation": reminder.person.organisation,
        "kind": reminder.kind,
        "round": collection_round,
        "lines": reminder.lines,
        "days_left": (collection_round.deadline - today).days,
        "round_url": round_url(collection_round),
        "partnership_name": partnership_name,
        "service_name": settings.JOINEDUP_SERVICE_NAME,
    }
    subject = " ".join(render_to_string("returns/email/reminder_subject.txt", context).split())
    body = render_to_string("returns/email/reminder.txt", context)
    return EmailMessage(subject, body, to=[reminder.person.email])


class Command(BaseCommand):
    help = (
        "E-mail reminders to partners who still owe returns: some days before a round's "
        "deadline, and once after it is missed. Safe to run daily from cron: nobody is "
        "reminded twice. Prints one summary line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=day, metavar="YYYY-MM-DD",
                            help="Act as on this day instead of today.")
        parser.add_argument("--round", dest="slug", metavar="SLUG",
                            help="Only this round (by its slug); otherwise every open round.")
        parser.add_argument("--dry-run", action="store_true",
                            help="List who would be reminded; send and record nothing.")

    def handle(self, *args, today=None, slug=None, dry_run=False, **options):
        today = today or timezone.localdate()
        verbosity = options.get("verbosity", 1)
        rounds = self._rounds(slug, today)
        board = Body.objects.filter(parent=None, kind=Body.Kind.BOARD).only("name").first()
        partnership_name = board.name if board else "the partnership"
        counts = {BEFORE: 0, MISSED: 0}
        connection = None if dry_run else get_connection()
        for collection_round in rounds:
            for kind in (BEFORE, MISSED):
                for reminder in people_to_remind(collection_round, kind, today):
                    message = write_reminder(reminder, collection_round, today, partnership_name)
                    if dry_run or verbosity >= 2:
                        self.stdout.write(
                            f"  {collection_round.slug}: {KIND_WORDS[kind]} to "
                            f"{reminder.person.email} ({len(reminder.lines)} outstanding)")
                    if dry_run or self._send(message, reminder, collection_round, connection):
                        counts[kind] += 1
        total = counts[BEFORE] + counts[MISSED]
        verb = "would be sent (dry run: nothing sent)" if dry_run else "sent"
        self.stdout.write(
            f"Reminders for {today.isoformat()}: {total} {verb} across {len(rounds)} "
            f"round{'s' if len(rounds) != 1 else ''} ({counts[BEFORE]} before the deadline, "
            f"{counts[MISSED]} deadline missed)."
        )

    def _rounds(self, slug: str | None, today: dt.date) -> list[CollectionRound]:
        if slug is None:
            return list(CollectionRound.objects.open_on(today).order_by("deadline", "slug"))
        collection_round = CollectionRound.objects.filter(slug=slug).first()
        if collection_round is None:
            known = ", ".join(CollectionRound.objects.order_by("slug")
                              .values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"There is no collection round {slug!r}. Rounds: {known}.")
        return [collection_round]

    def _send(self, message: EmailMessage, reminder: Reminder,
              collection_round: CollectionRound, connection) -> bool:
        """Record, then send; False if another run recorded this reminder first."""
        message.connection = connection
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    collection_round=collection_round, person=reminder.person,
                    kind=reminder.kind, sent_at=timezone.now(), outstanding=len(reminder.lines),
                )
                message.send()
        except IntegrityError:
            return False
        except OSError as error:
            raise CommandError(
                f"Could not send the reminder to {reminder.person.email}: {error}. Reminders "
                "already sent are recorded; run again to send the rest."
            ) from error
        return True
