"""A clear page when the database cannot be reached or the disk is full, not a 500.

What counts as either is ``joinedup.common.outages``; this middleware answers with its
page (503 or 507, ``503.html`` and ``507.html``), or with JSON for the API, and logs a
warning with the exception. It stands before the session and authentication middleware,
which read and write the database too, and sees a failure in two places:

- ``process_exception``: a failure in a view or in its template, where most are met;
- a failure in another middleware, such as the session read to learn who is signed in,
  or saved as the answer goes out. Django turns every middleware's exception into a 500
  before the middleware outside it sees it, so wrapping ``__call__`` in ``try`` would
  never catch one: it is noted as it happens (``got_request_exception``) and that 500 is
  replaced. Django has logged it as an error by then, with its traceback.

The connection is not tried before each request: pages that need no database (the API's
schema, say) go on answering without one, and ``/health/`` keeps its own answer.

Nothing is half written: each change runs in a transaction, which the failure rolled
back. A connection the failure left unusable is closed at the end of the request and the
next request opens a new one, so the site recovers by itself once the database is back.
"""

from __future__ import annotations

import sys

from csp.constants import HEADER as CSP_HEADER
from csp.utils import build_policy
from django.core.signals import got_request_exception
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from joinedup.common.outages import Outage, answered, outage

#: Paths under which the API answers, in JSON.
API_PREFIX = "/api/"
#: The failure noted on a request while another middleware was handling it.
NOTED = "joinedup_outage"


def _note(sender, request=None, **kwargs) -> None:
    failure = sys.exc_info()[1]
    if request is not None and failure is not None and outage(failure) is not None:
        if not hasattr(request, NOTED):
            setattr(request, NOTED, failure)


got_request_exception.connect(_note, dispatch_uid="joinedup.web.unavailable")


def answer(request, exc: BaseException, found: Outage) -> HttpResponse:
    """The page, or the API's JSON, for ``found``; it reads nothing from the database."""
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse({"detail": found.detail}, status=found.status)
    else:
        # A page read may be tried again as it is; a form sent must be sent again.
        again = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        response = HttpResponse(render_to_string(found.template, {"again": again}),
                                status=found.status)
        # The middleware that would add these stands inside this one.
        response[CSP_HEADER] = build_policy()
        response["X-Frame-Options"] = "DENY"
    return answered(response, request, exc, found)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        failure = getattr(request, NOTED, None)
        if failure is not None and response.status_code == 500:
            return answer(request, failure, outage(failure))
        return response

    def process_exception(self, request, exception):
        found = outage(exception)
        return answer(request, exception, found) if found is not None else None
