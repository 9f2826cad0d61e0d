"""``joinedup api-token``: make, list and revoke the tokens programs use to call the API.

    joinedup api-token create pct.analyst --name "Quarterly upload"
    joinedup api-token list [USERNAME]
    joinedup api-token revoke PREFIX

A token is printed once, when it is made; only its digest is kept, so it cannot be shown
again. Revoke it and make another if it is lost.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from joinedup.partnership.tokens import ApiToken
from joinedup.history.recording import recorded_as

ACTOR = "joinedup api-token"


class Command(BaseCommand):
    help = "Make, list and revoke personal API tokens."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="make a token for a person and print it")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--days", type=int, help="expire after this many days "
                            "(default: no expiry)")
        listing = actions.add_parser("list", help="list tokens (never the tokens themselves)")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="revoke a token, by its prefix or number")
        revoke.add_argument("token", help="the prefix shown by 'list' (e.g. ju_AbC123xy), "
                            "or the token itself")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _create(self, username, name="", days=None, **options):
        person = _person(username)
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        with recorded_as(None, actor=ACTOR, reason=f"API token made for {username}"):
            record, token = ApiToken.objects.issue(person, name, expires=expires)
        self.stdout.write(token)
        self.stderr.write(f"Token {record.prefix}… made for {person.get_username()}"
                          f"{f', expiring {record.expires:%d %B %Y}' if expires else ''}. "
                          "Keep it safe: it is not shown again.")

    def _list(self, username=None, **options):
        tokens = ApiToken.objects.select_related("person")
        if username:
            tokens = tokens.filter(person=_person(username))
        now = timezone.now()
        for record in tokens.order_by("person__username", "-created"):
            state = _state(record, now)
            used = f"{record.last_used:%Y-%m-%d %H:%M}" if record.last_used else "never"
            self.stdout.write(f"{record.prefix}  {record.person.get_username():<16} "
                              f"{state:<8} made {record.created:%Y-%m-%d}  "
                              f"used {used}  {record.name}")
        if not tokens.exists():
            self.stderr.write("No tokens.")

    def _revoke(self, token, **options):
        found = ApiToken.objects.matching(token) or _by_prefix(token)
        with recorded_as(None, actor=ACTOR, reason="API token revoked"):
            revoked = found.revoke()
        self.stdout.write(f"Revoked {found.prefix}… of {found.person.get_username()}."
                          if revoked else f"{found.prefix}… was already revoked.")


def _person(username: str):
    person = get_user_model().objects.filter(username=username).first()
    if person is None:
        raise CommandError(f"There is no person with the username {username!r}.")
    return person


def _state(record: ApiToken, now) -> str:
    if record.revoked is not None:
        return "revoked"
    if record.expires is not None and record.expires <= now:
        return "expired"
    return "active" if record.person.is_active else "inactive"


def _by_prefix(text: str) -> ApiToken:
    found = list(ApiToken.objects.select_related("person").filter(prefix=text.rstrip("…")))
    if not found:
        raise CommandError(f"No token starts {text!r}. 'joinedup api-token list' shows them.")
    if len(found) > 1:
        raise CommandError(f"{len(found)} tokens start {text!r}; revoke by the token itself.")
    return found[0]
