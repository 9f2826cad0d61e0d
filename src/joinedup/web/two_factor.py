"""Two-factor sign-in (TOTP, with django-otp) for officers and administrators.

Anyone who has turned it on signs in with their password as before, and is then asked for
the six-digit code their authenticator app shows. Until they give it, every page but that
one and signing out sends them to it: so a sign-in by any route (the administration's own
sign-in form too) needs the code. API tokens do not use the session, and are unaffected.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from joinedup.history.recording import build_change

# The person the session's answer is for, and whether they must give a code: looked up
# once a session, not on every page.
SESSION_KEY = "joinedup_two_factor"
OPEN_WHILE_WAITING = {"web:sign-in-code", "web:sign-out", "web:sign-in"}


def may_use_two_factor(user) -> bool:
    """Officers (of any body) and administrators may turn two-factor sign-in on."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or user.memberships.filter(role="officer").exists()


def needs_code(request) -> bool:
    user = request.user
    known = request.session.get(SESSION_KEY)
    if known and known[0] == user.pk:
        return known[1]
    return remember(request, user_has_device(user, confirmed=True))


def remember(request, required: bool) -> bool:
    request.session[SESSION_KEY] = [request.user.pk, required]
    return required


def record(device, action: str, person) -> None:
    """Keep who turned two-factor sign-in on or off, and when (never the secret)."""
    state = {"person": person.get_username(), "two_factor_sign_in": action == "create"}
    before, after = (None, state) if action == "create" else (
        {**state, "two_factor_sign_in": True}, None)
    build_change(device, action, before, after).save()


class TwoFactorMiddleware:
    """Sends a person who has given their password but not yet their code to the code page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_WHILE_WAITING:
            return None
        if not needs_code(request):
            return None
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('web:sign-in-code')}?{query}")
