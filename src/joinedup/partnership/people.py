"""Finding the person a command-line command acts as.

A command is run as a person, so that what it does is checked and recorded as theirs.
``--user USERNAME`` names them; without it, ``JOINEDUP_USER`` does, and failing that the
login name of whoever runs the command.
"""

from __future__ import annotations

import getpass
import os

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import CommandError

from joinedup.partnership.models import Person


def person_for_command(username: str | None, *, refusal: str) -> Person:
    """The active person ``username`` names (by default ``JOINEDUP_USER``, then the login
    name), or a ``CommandError``.

    ``refusal`` is the error's message, with ``{username!r}`` where the name goes, so each
    command can say what the person is needed for.
    """
    username = username or os.environ.get("JOINEDUP_USER") or getpass.getuser()
    person = Person.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise CommandError(refusal.format(username=username))
    return person


class PartnershipView(AnonymousUser):
    """The partnership's own view, for a command run on the server with no ``--user``: it
    sees every row, as whoever can run commands there can already."""

    is_superuser = True

    @property
    def is_authenticated(self):
        return True


#: The exit status of a command asked for someone or something that is not there.
UNKNOWN = 2


def viewer_for_command(username: str | None) -> Person | PartnershipView:
    """Whose view a reading command (``--user USERNAME``) gives: that active person's, or
    with no ``--user`` the partnership's own; an unknown name is a ``CommandError`` with
    exit status ``UNKNOWN``."""
    if not username:
        return PartnershipView()
    try:
        return person_for_command(
            username, refusal="There is no active person with the username {username!r}.")
    except CommandError as error:
        raise CommandError(str(error), returncode=UNKNOWN) from None
