"""Every route, for every persona: the status each one gets.

The matrix below is the authorisation contract of the site. Each page (a Django URL
pattern, by its name) and each API operation (method and path, as the OpenAPI document
lists them) has an entry: how to fill its parameters from the demo partnership, and the
status a GET answers for anonymous visitors and for each persona. Pages and operations
that change data also say what anonymous visitors and a persona without the right get
when they try. A new route without an entry fails ``test_every_route_has_an_entry``,
naming it, so no route goes live without someone deciding who may use it.

Statuses: 200 shown; 302 sent to sign in (anonymous) or on to another page; 401 the API
wants a token; 403 refused; 404 not there for this persona (an object they may not see is
not admitted to exist); 405 that method is not taken.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from personas import PERSONAS

pytestmark = pytest.mark.django_db

#: The columns of each row of statuses, in this order.
WHO = ("anonymous", *PERSONAS)  # anonymous, officer, pct, police, theme_lead, board,
#                                 steering, finance


def everyone(status: int) -> tuple[int, ...]:
    return (status,) * len(WHO)


SIGNED_IN = (302, 200, 200, 200, 200, 200, 200, 200)
OFFICER_ONLY = (302, 200, 403, 403, 403, 403, 403, 403)

# --- pages -----------------------------------------------------------------------------
# name: (path with {parameters}, GET statuses, {unsafe method: statuses}); for an unsafe
# method the statuses are for anonymous and the persona named in REFUSED_AS.

PAGES: dict[str, tuple] = {
    # name (#case, for a second object): path, GET statuses, POST statuses (anonymous,
    # REFUSED_AS) or None, and the POST's form data
    "partnership:overview": ("/", everyone(200), (200, 200)),
    "partnership:body": ("/bodies/{body}/", everyone(200), (200, 200)),
    "partnership:report": ("/bodies/{body}/report/", SIGNED_IN, (302, 200)),
    "partnership:meeting-new": ("/bodies/{board}/meetings/new/", OFFICER_ONLY, (302, 403)),
    "partnership:meeting": ("/bodies/{board}/meetings/{meeting}/", SIGNED_IN, (302, 403)),
    "partnership:agenda-item": ("/bodies/{board}/meetings/{meeting}/items/{order}/",
                                OFFICER_ONLY, (302, 403)),
    "strategy:themes": ("/themes/", everyone(200), (200, 200)),
    "strategy:theme": ("/themes/{theme}/", everyone(200), (200, 200)),
    "strategy:indicators": ("/indicators/", everyone(200), (200, 200)),
    "strategy:indicator": ("/indicators/{indicator}/", everyone(200), (200, 200)),
    # SC 02 is restricted to the police and shared with the council
    "strategy:indicator#restricted": ("/indicators/{restricted_indicator}/",
                                      (404, 200, 404, 200, 200, 404, 200, 200), (404, 404)),
    "strategy:indicator-gap": ("/indicators/{indicator}/gap/", everyone(200), (403, 403)),
    "strategy:gaps": ("/gaps/", everyone(200), (200, 200)),
    # HW 01 has no ward figures, so no map; the restricted one is not admitted to exist
    "strategy:indicator-map": ("/indicators/{indicator}/map/", everyone(404), (404, 404)),
    "strategy:indicator-map#restricted": ("/indicators/{restricted_indicator}/map/",
                                          everyone(404), (404, 404)),
    "strategy:districts": ("/districts/", everyone(200), (200, 200)),
    # the Gateshead demo is a single tier: it has no districts
    "strategy:district": ("/districts/{district}/", everyone(404), (404, 404)),
    "strategy:plans": ("/plans/", SIGNED_IN, (302, 200)),
    "strategy:plan": ("/plans/{plan}/", SIGNED_IN, (302, 403), {"form": "answer"}),
    "places:areas": ("/areas/", everyone(200), (200, 200)),
    "places:area": ("/areas/{area}/", everyone(200), (200, 200)),
    "places:profile": ("/areas/{ward}/profile/", everyone(200), (200, 200)),
    "places:profile-pdf": ("/areas/{ward}/profile.pdf", everyone(200), (200, 200)),
    "returns:rounds": ("/returns/", SIGNED_IN, (302, 200)),
    "returns:round": ("/returns/rounds/{round}/", SIGNED_IN, (302, 200)),
    # the Board member owes no figures: nothing posted is taken
    "returns:enter": ("/returns/rounds/{round}/enter/", SIGNED_IN, (302, 302)),
    "returns:template": ("/returns/rounds/{round}/template.{fmt}", SIGNED_IN, (302, 200)),
    "returns:upload-new": ("/returns/upload/", SIGNED_IN, (302, 200)),
    # an upload is seen by the person who sent it (pct) and the officers
    "returns:upload": ("/returns/uploads/{upload}/", (302, 200, 200, 404, 404, 404, 404, 404),
                       (302, 404)),
    "returns:values": ("/returns/figures/", SIGNED_IN, (302, 302)),
    "returns:value": ("/returns/figures/{value}/", everyone(200), (403, 403)),
    "returns:value#restricted": ("/returns/figures/{restricted_value}/",
                                 (404, 200, 404, 200, 200, 404, 200, 200), (404, 404)),
    "returns:approvals": ("/returns/approvals/", SIGNED_IN, (302, 302)),
    "returns:export": ("/returns/export.{fmt}", everyone(200), (200, 200)),
    "exceptions:triage": ("/exceptions/triage/", (302, 200, 403, 403, 200, 403, 200, 403),
                          (302, 403)),
    "exceptions:budget": ("/exceptions/finance/", SIGNED_IN, (302, 403)),
    "exceptions:exception": ("/exceptions/{exception}/", SIGNED_IN, (302, 403)),
    "exceptions:exception#restricted": ("/exceptions/{restricted_exception}/",
                                        (302, 200, 404, 200, 200, 404, 200, 200), (302, 404)),
    "exceptions:commentary": ("/exceptions/{exception}/commentary/",
                              (302, 200, 200, 403, 200, 403, 403, 403), (302, 403)),
    "exceptions:spc-chart": ("/exceptions/{exception}/spc-chart.svg", SIGNED_IN, (302, 405)),
    "exceptions:forecast-chart": ("/exceptions/{exception}/forecast-chart.svg", SIGNED_IN,
                                  (302, 405)),
    "resources:overview": ("/resources/", SIGNED_IN, (302, 405)),
    "resources:lines": ("/resources/lines/", SIGNED_IN, (302, 400)),
    "resources:lines-download": ("/resources/lines.{fmt}", SIGNED_IN, (302, 405)),
    "resources:template": ("/resources/template.{fmt}", SIGNED_IN, (302, 405)),
    "resources:pool": ("/resources/pools/{pool}/", SIGNED_IN, (302, 405)),
    "resources:allocations": ("/resources/allocations/", SIGNED_IN, (302, 405)),
    "resources:compare": ("/resources/allocations/compare/", SIGNED_IN, (302, 403)),
    "resources:performance": ("/resources/performance/", SIGNED_IN, (302, 405)),
    "risks:register": ("/risks/", SIGNED_IN, (302, 405)),
    "risks:risk": ("/risks/{risk}/", SIGNED_IN, (302, 403)),
    # a restricted risk is seen by the members of its body (the police are in the
    # Children's Trust) and the officers
    "risks:risk#restricted": ("/risks/{restricted_risk}/",
                              (302, 200, 404, 200, 404, 404, 404, 404), (302, 404)),
    "risks:actions": ("/risks/actions/", SIGNED_IN, (302, 405)),
    "localities:places": ("/places/", SIGNED_IN, (302, 405)),
    "localities:forum": ("/places/forums/{forum}/", SIGNED_IN, (302, 403)),
    "localities:priorities": ("/places/priorities/", SIGNED_IN, (302, 403)),
    "localities:operation": ("/places/operations/{operation}/", SIGNED_IN, (302, 405)),
    "reports:packs": ("/bodies/{board}/packs/", SIGNED_IN, (302, 403)),
    "reports:pack": ("/packs/{pack}/", SIGNED_IN, (302, 200)),
    "reports:rebuild": ("/packs/{pack}/build/", (302, *everyone(405)[1:]), (302, 403)),
    "reports:issue": ("/packs/{pack}/issue/", OFFICER_ONLY, (302, 403)),
    # a draft not yet built has no file: each is sent back to the pack's page
    "reports:download": ("/packs/{pack}/download/", everyone(302), (302, 302)),
    "api:openapi-json": ("/api/openapi.json", everyone(200), (200, 200)),
    "api:openapi-view": ("/api/docs", everyone(200), (200, 200)),
    "api:api-root": ("/api/", everyone(404), (404, 404)),
    "api/^(?P<rest>.*)$": ("/api/no-such-route", everyone(404), (404, 404)),
    "web:sign-in": ("/account/sign-in/", (200, *everyone(302)[1:]), (200, 302)),
    "web:sign-out": ("/account/sign-out/", everyone(405), (302, 302)),
    "web:about-data": ("/account/about-the-data/", everyone(200), (405, 405)),
    "web:accessibility": ("/account/accessibility/", everyone(200), (405, 405)),
    # the second step of signing in: only in the middle of signing in
    "web:sign-in-code": ("/account/sign-in/code/", everyone(302), (302, 302)),
    # as the page answers today (a new page: its owner to confirm the 404s and the Board
    # member's 302)
    "web:two-factor": ("/account/two-factor/", (302, 200, 200, 200, 404, 302, 404, 404),
                       (302, 302)),
    "maintenance:health": ("/health/", everyone(200), (405, 405)),
}
#: The persona each page's POST is tried as, besides anonymous visitors: a Board member
#: from a voluntary organisation, who neither manages the framework nor owes figures.
REFUSED_AS = "board"

# --- the API ---------------------------------------------------------------------------
# "METHOD /api/path": (path with {parameters}, statuses, body for an unsafe method)

API: dict[str, tuple] = {
    # "METHOD path": path filled in, then GET statuses, or for a write: the body, and the
    # statuses of anonymous callers and REFUSED_AS
    "GET /api/indicators": ("/api/indicators", everyone(200)),
    "GET /api/indicators/{code}": ("/api/indicators/{indicator_code}", everyone(200)),
    "GET /api/areas/maps/{code}": ("/api/areas/maps/{indicator_code}", everyone(404)),
    "GET /api/areas": ("/api/areas", everyone(200)),
    "GET /api/areas/{code}": ("/api/areas/{area}", everyone(200)),
    "GET /api/values": ("/api/values", everyone(200)),
    "POST /api/values": ("/api/values", {"values": [
        {"indicator": "HW 01", "area": "E08000037", "period": "2026-27 Q3", "value": 1}]},
        (401, 422)),
    "POST /api/values/submit": ("/api/values/submit", {"ids": ["{value}"]}, (401, 403)),
    "POST /api/values/approve": ("/api/values/approve", {"ids": ["{value}"]}, (401, 403)),
    "POST /api/values/return": ("/api/values/return", {"ids": ["{value}"], "reason": "No"},
                                (401, 403)),
    "GET /api/values/{value_id}": ("/api/values/{value}", everyone(200)),
    "PATCH /api/values/{value_id}": ("/api/values/{value}", {"version": 1, "value": 1},
                                     (401, 403)),
    "GET /api/rounds": ("/api/rounds", everyone(200)),
    "GET /api/rounds/{slug}": ("/api/rounds/{round}", (404, *SIGNED_IN[1:])),
    "GET /api/assessments": ("/api/assessments", everyone(200)),
    "GET /api/exceptions": ("/api/exceptions", everyone(200)),
    "POST /api/exceptions/triage": ("/api/exceptions/triage", {
        "ids": ["{exception}"], "decision": "anomaly", "note": "Check"}, (401, 403)),
    "GET /api/exceptions/{exception_id}": ("/api/exceptions/{exception}",
                                           (404, *SIGNED_IN[1:])),
    "POST /api/exceptions/{exception_id}/commentary": (
        "/api/exceptions/{exception}/commentary",
        {"what_happened": "a", "why": "b", "what_is_being_done": "c"}, (401, 403)),
    "POST /api/exceptions/{exception_id}/board-decisions": (
        "/api/exceptions/{exception}/board-decisions",
        {"outcome": "noted", "minute": "Noted"}, (401, 403)),
    "GET /api/meetings": ("/api/meetings", everyone(200)),
    "GET /api/meetings/{meeting_id}": ("/api/meetings/{meeting}", (404, *SIGNED_IN[1:])),
    "GET /api/packs": ("/api/packs", everyone(200)),
    "POST /api/packs": ("/api/packs", {"body": "{board}", "format": "html"}, (401, 403)),
    "GET /api/packs/{pack_id}": ("/api/packs/{pack}", (404, *SIGNED_IN[1:])),
    "GET /api/packs/{pack_id}/file": ("/api/packs/{pack}/file", everyone(404)),
    "POST /api/packs/{pack_id}/issue": ("/api/packs/{pack}/issue", {}, (401, 403)),
    "GET /api/resources/streams": ("/api/resources/streams", everyone(200)),
    "GET /api/resources/lines": ("/api/resources/lines", everyone(200)),
    "GET /api/resources/pools": ("/api/resources/pools", everyone(200)),
    "GET /api/resources/pools/{slug}": ("/api/resources/pools/{pool}", (404, *SIGNED_IN[1:])),
    "GET /api/resources/allocations": ("/api/resources/allocations", everyone(200)),
    "GET /api/resources/allocations/{scenario_id}": (
        "/api/resources/allocations/{scenario}", (404, *SIGNED_IN[1:])),
    "GET /api/resources/table": ("/api/resources/table", (404, *SIGNED_IN[1:])),
    "GET /api/resources/monitoring": ("/api/resources/monitoring", (404, *SIGNED_IN[1:])),
    "GET /api/risks": ("/api/risks", everyone(200)),
    "GET /api/risks/heat-map": ("/api/risks/heat-map", everyone(200)),
    "GET /api/risks/proposals": ("/api/risks/proposals", everyone(200)),
    "POST /api/risks/proposals/{proposal_id}/decision": (
        "/api/risks/proposals/{proposal}/decision", {"accept": True, "reason": "Agreed"},
        (401, 403)),
    "GET /api/risks/actions": ("/api/risks/actions", everyone(200)),
    "GET /api/risks/{risk_id}": ("/api/risks/{risk}", (404, *SIGNED_IN[1:])),
    "GET /api/risks/{risk_id}/scores": ("/api/risks/{risk}/scores", (404, *SIGNED_IN[1:])),
    "POST /api/risks/{risk_id}/scores": ("/api/risks/{risk}/scores",
                                         {"likelihood": 2, "impact": 2, "reason": "Better"},
                                         (401, 403)),
    "POST /api/risks/{risk_id}/controls": ("/api/risks/{risk}/controls",
                                           {"description": "A control", "actions": []},
                                           (401, 403)),
    "GET /api/places/forums": ("/api/places/forums", everyone(200)),
    "PUT /api/places/forums/{slug}/outcomes": ("/api/places/forums/{forum}/outcomes",
                                               {"outcomes": []}, (401, 403)),
    "GET /api/places/priorities": ("/api/places/priorities", everyone(200)),
    "GET /api/places/operations": ("/api/places/operations", everyone(200)),
    "GET /api/places/operations/{slug}": ("/api/places/operations/{operation}",
                                          (404, *SIGNED_IN[1:])),
    "GET /api/profiles/{code}": ("/api/profiles/{ward}", everyone(200)),
    "GET /api/plans": ("/api/plans", everyone(200)),
    "POST /api/plans": ("/api/plans", {"title": "A plan", "lead": "{body}"}, (401, 403)),
    "GET /api/plans/{plan_id}": ("/api/plans/{plan}", (404, *SIGNED_IN[1:])),
    "PUT /api/plans/{plan_id}/answers/{key}": ("/api/plans/{plan}/answers/{key}",
                                               {"text": "An answer"}, (401, 403)),
    "POST /api/plans/{plan_id}/options": ("/api/plans/{plan}/options",
                                          {"title": "Do minimum", "expected_effect": "Some"},
                                          (401, 403)),
    "POST /api/plans/{plan_id}/choice": ("/api/plans/{plan}/choice",
                                         {"option": 1, "reason": "Best"}, (401, 403)),
    "POST /api/plans/{plan_id}/moves": ("/api/plans/{plan}/moves", {"move": "open"},
                                        (401, 403)),
    "POST /api/plans/{plan_id}/comments": ("/api/plans/{challenge_plan}/comments",
                                           {"body": "{body}", "kind": "gap", "text": "A gap"},
                                           (401, 403)),
    "POST /api/plans/{plan_id}/comments/{comment_id}/answer": (
        "/api/plans/{comment_plan}/comments/{comment}/answer", {"answer": "Done"},
        (401, 403)),
    "GET /api/districts": ("/api/districts", everyone(200)),
}


# --- finding the routes ------------------------------------------------------------------

def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, (namespace, entry.namespace)))
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name, entry


def page_routes() -> dict[str, str]:
    """Every page: its name (or pattern, if unnamed) → its pattern. The API's own routes,
    and the admin site's, are listed separately."""
    routes = {}
    for pattern, name, _ in _walk(get_resolver().url_patterns):
        if pattern.startswith("admin/"):
            continue
        if pattern.startswith("api/") and (name or "").startswith("api:") and name not in (
                "api:openapi-json", "api:openapi-view", "api:api-root"):
            continue  # an API operation: in API, by method and path
        routes[name or pattern] = pattern
    return routes


def api_routes() -> list[str]:
    from joinedup.api.api import api

    schema = api.get_openapi_schema()
    return [f"{method.upper()} {path}" for path, operations in schema["paths"].items()
            for method in operations]


def admin_routes() -> list[tuple[str, str]]:
    return [(pattern, name) for pattern, name, _ in _walk(get_resolver().url_patterns)
            if pattern.startswith("admin/")]


# --- the demo's objects, to fill the parameters ----------------------------------------

@pytest.fixture
def demo(person):
    """Each parameter's value: objects of the demo, and an upload and a pack made here."""
    from joinedup.exceptions.models import IndicatorException
    from joinedup.localities.models import Operation
    from joinedup.partnership.models import Body, Meeting
    from joinedup.reports.models import Pack
    from joinedup.resources.models import AllocationScenario
    from joinedup.returns.importing import receive_file
    from joinedup.returns.models import CollectionRound, DataValue
    from joinedup.risks.models import Proposal, Risk
    from joinedup.strategy.delivery import ChallengeComment, DeliveryPlan

    board = Body.objects.get(slug="gsp-board")
    meeting = Meeting.objects.filter(body=board).order_by("pk").first()
    restricted = IndicatorException.objects.filter(indicator__code="SC 02").order_by("pk")
    public = IndicatorException.objects.filter(indicator__visibility="public").order_by("pk")
    upload = receive_file(b"indicator,area,period,value\n", "routes.csv", user=person("pct"))
    pack = Pack.objects.create(body=board, period="2026-27 Q2", format="html",
                               built_by=person("officer"))
    comment = ChallengeComment.objects.order_by("pk").first()
    proposal = Proposal.objects.order_by("pk").first()
    return {
        "body": "active-healthy-gateshead", "board": board.slug, "meeting": meeting.pk,
        "order": 1, "theme": "active-and-healthy-gateshead",
        "indicator": "hw-01", "restricted_indicator": "sc-02",
        "indicator_code": quote("HW 01"), "restricted_code": quote("SC 02"),
        "district": "gateshead", "area": "E08000037", "ward": "E05001067",
        "plan": DeliveryPlan.objects.get(state="draft").pk,
        "challenge_plan": DeliveryPlan.objects.get(state="challenge").pk,
        "comment_plan": comment.plan_id if comment else 0, "comment": comment.pk if comment else 0,
        "round": CollectionRound.objects.order_by("-opens").first().slug, "fmt": "csv",
        "upload": upload.pk,
        "value": DataValue.objects.filter(indicator__code="HW 01").order_by("pk").first().pk,
        "restricted_value": DataValue.objects.filter(indicator__code="SC 02")
        .order_by("pk").first().pk,
        "exception": public.first().pk, "restricted_exception": restricted.first().pk,
        "pool": "healthy-weight-pool",
        "scenario": AllocationScenario.objects.order_by("pk").first().pk,
        "risk": Risk.objects.filter(restricted=False).order_by("pk").first().pk,
        "restricted_risk": Risk.objects.filter(restricted=True).order_by("pk").first().pk,
        "proposal": proposal.pk if proposal else 0,
        "forum": "east-area-forum", "operation": Operation.objects.order_by("pk").first().slug,
        "pack": pack.pk, "key": "priority",
    }


def fill(path: str, demo: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(demo[m.group(1)]), path)


@pytest.fixture
def sign_in(client, person):
    def as_(who: str):
        client.logout()
        if who != "anonymous":
            client.force_login(person(who))
        return client
    return as_


def fill_body(body, demo: dict):
    """A write's JSON body, each "{name}" string replaced by that demo value itself."""
    if isinstance(body, dict):
        return {key: fill_body(value, demo) for key, value in body.items()}
    if isinstance(body, list):
        return [fill_body(value, demo) for value in body]
    if isinstance(body, str) and re.fullmatch(r"\{\w+\}", body):
        return demo[body[1:-1]]
    return body


def _report(who: str, wrong: list[str]) -> str:
    return f"{len(wrong)} routes answer {who} otherwise than the matrix says:\n" + "\n".join(
        wrong)


# --- the tests ---------------------------------------------------------------------------

def test_every_route_has_an_entry():
    pages = set(page_routes())
    described = {key.split("#")[0] for key in PAGES}
    api = set(api_routes())
    missing = sorted(pages - described) + sorted(api - set(API))
    assert not missing, ("These routes have no entry in the authorisation matrix "
                         "(tests/security/test_routes.py): " + ", ".join(missing))
    stale = sorted(described - pages) + sorted(set(API) - api)
    assert not stale, "These entries of the matrix name no route: " + ", ".join(stale)


@pytest.mark.parametrize("who", WHO)
def test_each_page_answers_each_persona_as_the_matrix_says(who, demo, sign_in):
    client = sign_in(who)
    client.raise_request_exception = False
    column = WHO.index(who)
    wrong = []
    for key, (path, statuses, *write) in PAGES.items():
        url = fill(path, demo)
        got = client.get(url).status_code
        if got != statuses[column]:
            wrong.append(f"GET {url} ({key}): {got}, not {statuses[column]}")
        if who in ("anonymous", REFUSED_AS):
            posted, data = write[0], (write[1] if len(write) > 1 else {})
            expected = posted[0 if who == "anonymous" else 1]
            got = client.post(url, data).status_code
            if got != expected:
                wrong.append(f"POST {url} ({key}): {got}, not {expected}")
    assert not wrong, _report(who, wrong)


@pytest.mark.parametrize("who", WHO)
def test_each_api_route_answers_each_persona_as_the_matrix_says(who, demo, client, token_for):
    from api_client import ApiClient

    client.raise_request_exception = False
    api = ApiClient(client, None if who == "anonymous" else token_for(who))
    column = WHO.index(who)
    wrong = []
    for key, (path, *expected) in API.items():
        method = key.split(" ", 1)[0]
        url = fill(path, demo)
        if method == "GET":
            status = expected[0][column]
            got = api.get(url).status_code
        elif who in ("anonymous", REFUSED_AS):
            body, statuses = expected
            status = statuses[0 if who == "anonymous" else 1]
            got = getattr(api, method.lower())(url, fill_body(body, demo)).status_code
        else:
            continue
        if got != status:
            wrong.append(f"{method} {url} ({key}): {got}, not {status}")
    assert not wrong, _report(who, wrong)


def _admin_url(pattern: str) -> str:
    url = pattern.replace("^", "").replace("$", "")
    url = re.sub(r"\(\?P<app_label>[^)]*\)", "partnership", url)
    url = re.sub(r"\(\?P<url>[^)]*\)", "nothing/", url)
    return "/" + re.sub(r"<[^>]+>", "1", url)


@pytest.mark.parametrize("who", [w for w in WHO if w != "officer"])
def test_the_admin_site_is_for_staff_only(who, sign_in):
    """Every admin page sends anonymous visitors and people who are not staff to sign in;
    the officer, who is staff, reaches it."""
    client = sign_in(who)
    wrong = []
    for pattern, name in admin_routes():
        url = _admin_url(pattern)
        response = client.get(url)
        if name == "admin:login":  # the admin's own sign-in form, shown to anyone not staff
            answered, expected = response.status_code, 200
        elif name == "admin:logout":  # nothing to sign out of: sent on
            answered, expected = response.status_code, 302
        else:
            answered = (response.status_code, response.get("Location", "").split("?")[0])
            expected = (302, "/admin/login/")
        if answered != expected:
            wrong.append(f"GET {url} ({name}): {answered}, not {expected}")
    assert not wrong, _report(who, wrong)
    assert sign_in("officer").get("/admin/").status_code == 200


def test_the_matrix_covers_every_route_for_every_persona():
    """The size of the contract, so a shrinking matrix is noticed."""
    assert (len(PAGES), len(API), len(WHO)) == (73, 60, 8)
