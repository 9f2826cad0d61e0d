"""A signed-in session ends after an idle time, without a database write on every page.

Django can keep a session alive by saving it on every request (``SESSION_SAVE_EVERY_REQUEST``),
which is one write per page for every reader. Instead, a signed-in person's session is
marked changed at most once a minute (``REFRESH_SECONDS``), and Django then saves it and
sends the cookie again with a fresh ``SESSION_COOKIE_AGE``. So a session ends between
``SESSION_IDLE_MINUTES`` minus one minute and ``SESSION_IDLE_MINUTES`` after the last page.
"""

from __future__ import annotations

import time

REFRESHED = "joinedup_refreshed"
REFRESH_SECONDS = 60


class IdleExpiryMiddleware:
    """Placed after the session and authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(REFRESHED, 0) >= REFRESH_SECONDS:
                request.session[REFRESHED] = now
        return response
