"""The REST API: one NinjaAPI, with a router from each app, and errors that always explain.

Every error answer is JSON with a ``detail`` sentence; a request that does not fit the
schema is a 422 listing each problem with its row and column, in the same shape as
figures that fail the returns checks, so a program handles both one way.
"""

from __future__ import annotations

import logging

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from joinedup.partnership.api_auth import TokenRefused
from joinedup.common.api import invalid
from joinedup.common.outages import KINDS, answered, outage

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Indicators, areas, quarterly figures, collection rounds, stored assessments, exceptions
and their decisions, meetings, packs, risks and delivery plans of the partnership, for
programs.

**Reading** needs no sign-in: an anonymous caller sees public indicators and approved
figures. Send a personal token (`Authorization: Bearer <token>`) to read what its holder
may see, and to **write**: send figures, submit, approve or return them, and change one;
triage exceptions, write their commentary and minute the Board's decisions; build and issue
packs; start delivery plans, write their answers and options, challenge them and agree
them.
`joinedup api-token create USERNAME` makes a token. Every list takes `limit` and `offset`
and gives the `count` of all matches.

Figures sent here pass the same checks as an uploaded file, and are saved all together or
not at all. Every change is kept in the figure's history with who, when and why.
"""

class JoinedUpAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """Operation ids are the view names (``list_values``), unique across the routers."""
        return operation.view_func.__name__


api = JoinedUpAPI(
    title="JoinedUp API",
    version="1.0",
    description=DESCRIPTION,
    urls_namespace="api",
)

WWW_AUTHENTICATE = 'Bearer realm="JoinedUp"'


def _unauthorised(request, message: str, error: str | None = None):
    response = api.create_response(request, {"detail": message}, status=401)
    challenge = WWW_AUTHENTICATE + (f', error="{error}"' if error else "")
    response["WWW-Authenticate"] = challenge
    return response


@api.exception_handler(TokenRefused)
def token_refused(request, exc):
    return _unauthorised(request, str(exc), "invalid_token")


@api.exception_handler(AuthenticationError)
def token_missing(request, exc):
    return _unauthorised(request, "This needs an API token: send 'Authorization: Bearer "
                         "<token>'. Make one with 'joinedup api-token create USERNAME'.")


def _problem(error: dict) -> dict:
    """A pydantic error located as a returns problem: the item's row and the field."""
    place = [part for part in list(error.get("loc", ()))[1:] if part != "body"]
    row, column = None, ""
    if len(place) >= 2 and place[0] == "values" and isinstance(place[1], int):
        row = place[1] + 1
        column = next((str(p) for p in place[2:] if isinstance(p, str)), "")
    elif place:
        column = str(place[0])
    return {"row": row, "column": column, "message": str(error.get("msg", "is not valid")),
            "severity": "error"}


@api.exception_handler(ValidationError)
def request_invalid(request, exc):
    problems = [_problem(error) for error in exc.errors]
    where = ", ".join(sorted({p["column"] for p in problems if p["column"]})) or "the request"
    return api.create_response(
        request, invalid(f"The request is not valid: see {where}.", problems), status=422)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(Exception)
def unexpected(request, exc):
    logger.exception("API request %s %s failed", request.method, request.path)
    return api.create_response(
        request, {"detail": "Something went wrong on our side; nothing was changed. "
                  "Try again, and tell the partnership officer if it happens again."},
        status=500)


def database_failed(request, exc):
    """A database out of reach (503) or a full disk (507) answers as the pages do; any
    other database error is a fault like any other."""
    found = outage(exc)
    if found is None:
        return unexpected(request, exc)
    response = api.create_response(request, {"detail": found.detail}, status=found.status)
    return answered(response, request, exc, found)


for _kind in KINDS:
    api.add_exception_handler(_kind, database_failed)


def _mount() -> None:
    from joinedup.api.maps import router as maps
    from joinedup.benchmarks.api import router as benchmarks
    from joinedup.constitution.api import router as constitution
    from joinedup.public.api import router as public
    from joinedup.reviews.api import router as reviews
    from joinedup.reviews.facts_api import router as facts
    from joinedup.assessment.api import router as assessments
    from joinedup.exceptions.api import router as exceptions
    from joinedup.localities.api import router as places
    from joinedup.partnership.api import router as meetings
    from joinedup.places.api import router as areas
    from joinedup.returns.api import rounds, values
    from joinedup.reports.api import router as packs
    from joinedup.reports.contribution_api import router as contributions
    from joinedup.reports.profile_api import router as profiles
    from joinedup.resources.api import router as resources
    from joinedup.risks.api import router as risks
    from joinedup.strategy.api import router as indicators
    from joinedup.strategy.plan_api import router as plans

    api.add_router("/indicators", indicators, tags=["Indicators"])
    api.add_router("/areas/maps", maps, tags=["Areas"])
    api.add_router("/areas", areas, tags=["Areas"])
    api.add_router("/values", values, tags=["Figures"])
    api.add_router("/rounds", rounds, tags=["Collection rounds"])
    api.add_router("/assessments", assessments, tags=["Assessments"])
    api.add_router("/exceptions", exceptions, tags=["Exceptions"])
    api.add_router("/meetings", meetings, tags=["Meetings"])
    api.add_router("/packs", packs, tags=["Packs"])
    api.add_router("/resources", resources, tags=["Resources"])
    api.add_router("/risks", risks, tags=["Risks"])
    api.add_router("/places", places, tags=["Places"])
    api.add_router("/profiles", profiles, tags=["Places"])
    api.add_router("/plans", plans, tags=["Delivery plans"])
    api.add_router("/districts", contributions, tags=["Two tiers"])
    api.add_router("/self-assessment", reviews, tags=["Partnership health"])
    api.add_router("/facts", facts, tags=["Partnership health"])
    api.add_router("/constitution", constitution, tags=["Constitution and sharing"])
    api.add_router("/benchmarks", benchmarks, tags=["Benchmarks"])
    api.add_router("/public", public, tags=["Public data"])


_mount()
