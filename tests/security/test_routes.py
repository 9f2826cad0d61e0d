"""Every route, for every persona: the status each one gets.

The matrix (``route_matrix``) is the authorisation contract of the site. Each page (a
Django URL pattern, by its name) and each API operation (method and path, as the OpenAPI
document lists them) has an entry: how to fill its parameters from the demo partnership
(``demo`` below), and the status a GET answers for anonymous visitors and for each
persona. Pages and operations that change data also say what anonymous visitors and a
persona without the right get when they try. A new route without an entry fails
``test_every_route_has_an_entry``, naming it, so no route goes live without someone
deciding who may use it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from .route_matrix import API, PAGES, REFUSED_AS, WHO

pytestmark = pytest.mark.django_db


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
    """Each parameter's value: objects of the demo, and an upload, a draft pack and a
    published pack made here."""
    from joinedup.constitution.models import CharterEntry
    from joinedup.exceptions.models import IndicatorException
    from joinedup.localities.models import Operation
    from joinedup.partnership.models import Body, Meeting
    from joinedup.reports import building
    from joinedup.reports.models import Pack
    from joinedup.resources.models import AllocationScenario
    from joinedup.returns.importing import receive_file
    from joinedup.returns.models import CollectionRound, DataValue
    from joinedup.reviews.models import SelfAssessmentRound
    from joinedup.risks.models import Proposal, Risk
    from joinedup.strategy.delivery import ChallengeComment, DeliveryPlan

    board = Body.objects.get(slug="gsp-board")
    meeting = Meeting.objects.filter(body=board).order_by("pk").first()
    restricted = IndicatorException.objects.filter(indicator__code="SC 02").order_by("pk")
    public = IndicatorException.objects.filter(indicator__visibility="public").order_by("pk")
    upload = receive_file(b"indicator,area,period,value\n", "routes.csv", user=person("pct"))
    pack = Pack.objects.create(body=board, period="2026-27 Q2", format="html",
                               built_by=person("officer"))
    # a workbook of the Board issued by the officer, who puts it on the public site
    public_pack = building.draft_for(board, person("officer"), format="xlsx",
                                     period="2026/27 Q1")
    building.issue(public_pack, person("officer"))
    building.publish(public_pack, person("officer"), public=True)
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
        "pack": pack.pk, "key": "priority", "public_pack": public_pack.pk,
        "board_member": person("board").pk,
        "review_round": SelfAssessmentRound.objects.get(status="open").pk,
        "charter_entry": CharterEntry.objects.in_force().order_by("pk").first().pk,
        # restricted to NHS Gateshead, with published figures for other areas
        "benchmarked_restricted": "ng-06", "benchmarked_restricted_code": quote("NG 06"),
        # a public indicator with ward figures, so a ward map
        "mapped_indicator": "ng-07",
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
                         "(tests/security/route_matrix.py): " + ", ".join(missing))
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
    assert (len(PAGES), len(API), len(WHO)) == (105, 84, 8)
