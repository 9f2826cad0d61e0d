"""Who is calling the API.

Reads answer everyone, each with what they may see: a program sending a token, a person
signed in to the site (so the site's own pages can call the API), or an anonymous visitor
(public indicators and approved figures only). Writes need a token, which is never sent
by a browser on its own, so no cross-site request can make a write in someone's name.

A token that is sent but cannot be used is refused outright, with the reason, rather than
quietly treated as anonymous: a program with a revoked token should learn so at once.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from ninja.security import HttpBearer

from joinedup.partnership.tokens import ApiToken


class TokenRefused(Exception):
    """A token was sent but cannot be used; the message says why."""


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``: the person who holds the token."""

    openapi_description = "A personal API token: `joinedup api-token create USERNAME`."

    def __call__(self, request):
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRefused("Send the token as 'Authorization: Bearer <token>'.")
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        record = ApiToken.objects.matching(token)
        if record is None:
            raise TokenRefused("This API token is not recognised. Check that it was copied "
                               "whole, or ask for a new one.")
        refusal = record.refusal()
        if refusal:
            raise TokenRefused(refusal)
        record.note_use()
        request.user = record.person
        return record.person


def signed_in_or_anonymous(request):
    """Without a token: the person signed in to the site, or an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return AnonymousUser()


#: Reads: a token if one is sent, else the person signed in to the site, else anonymous.
READ = [BearerToken(), signed_in_or_anonymous]
#: Writes: a token only.
WRITE = [BearerToken()]
#: Marks reads in the OpenAPI document as open to anonymous callers too.
OPTIONAL_TOKEN = {"security": [{}]}
