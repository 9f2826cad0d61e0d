"""The authorisation matrix: for every page and API operation, the status each persona gets.

``test_routes`` walks it. Each page (a Django URL pattern, by its name) and each API
operation (method and path, as the OpenAPI document lists them) has an entry: how to fill
its parameters from the demo partnership (``demo`` in ``test_routes``), and the status a
GET answers for anonymous visitors and for each persona. Pages and operations that change
data also say what anonymous visitors and ``REFUSED_AS`` get when they try.

Statuses: 200 shown; 302 sent to sign in (anonymous) or on to another page; 401 the API
wants a token; 403 refused; 404 not there for this persona (an object they may not see is
not admitted to exist); 405 that method is not taken.
"""

from __future__ import annotations

from personas import PERSONAS


#: The columns of each row of statuses, in this order.
WHO = ("anonymous", *PERSONAS)  # anonymous, officer, pct, police, theme_lead, board,
#                                 steering, finance


def everyone(status: int) -> tuple[int, ...]:
    return (status,) * len(WHO)


SIGNED_IN = (302, 200, 200, 200, 200, 200, 200, 200)
OFFICER_ONLY = (302, 200, 403, 403, 403, 403, 403, 403)
#: The members of the Board and of the management group (the officer, the theme lead, the
#: Board member and the steering member) score the self-assessment and see its results.
SCORERS = (302, 200, 403, 403, 200, 200, 200, 403)
#: NG 06 is restricted to NHS Gateshead, and the charter shares the narrowing-the-gap
#: theme's restricted indicators with Gateshead Health only: no persona but the officer
#: and the PCT's analyst sees it.
NHS_ONLY = (404, 200, 200, 404, 404, 404, 404, 404)

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
    # a Board pack goes on the public site by a POST from its page; a Board member who
    # does not issue the Board's packs is refused
    "reports:publish": ("/packs/{pack}/public/", (302, *everyone(405)[1:]), (302, 403)),
    # --- partnership health: the self-assessment and the facts (docs/health.md)
    "reviews:rounds": ("/health-check/", SIGNED_IN, (302, 405)),
    # the Board member may agree no action from the results: only the officer does
    "reviews:results": ("/health-check/{review_round}/", SCORERS, (302, 403)),
    # the Board member scores: a draft with nothing in it is kept, and the form shown again
    "reviews:score": ("/health-check/{review_round}/score/", SCORERS, (302, 302),
                      {"action": "draft"}),
    "reviews:facts": ("/health-check/facts/", SIGNED_IN, (302, 405)),
    # partners read who came; the Board's chair, vice-chair and officer record it
    "reviews:attendance": ("/health-check/facts/meetings/{meeting}/attendance/", SIGNED_IN,
                           (302, 403)),
    # --- the constitution (anyone reads it) and the charter (partners read it); only the
    # officer writes either (docs/sharing.md)
    "constitution:index": ("/constitution/", everyone(200), (405, 405)),
    "constitution:body": ("/constitution/bodies/{board}/", everyone(200), (405, 405)),
    "constitution:version": ("/constitution/bodies/{board}/terms/1/", everyone(200),
                             (405, 405)),
    "constitution:write": ("/constitution/bodies/{board}/terms/new/", OFFICER_ONLY,
                           (302, 403), {"text": "New terms", "reason": "Reviewed"}),
    "constitution:charter": ("/constitution/charter/", SIGNED_IN, (302, 403)),
    "constitution:entry": ("/constitution/charter/{charter_entry}/", SIGNED_IN, (302, 403),
                           {"reason": "No longer needed"}),
    # --- benchmarks (docs/benchmarks.md): the neighbour sets are open data; a benchmark
    # follows its indicator's visibility; only the officer changes a weight
    "benchmarks:index": ("/benchmarks/", everyone(200), (405, 405)),
    "benchmarks:indicator": ("/benchmarks/indicators/{indicator}/", everyone(200), (405, 405)),
    "benchmarks:indicator#restricted": ("/benchmarks/indicators/{benchmarked_restricted}/",
                                        NHS_ONLY, (405, 405)),
    # no sign-in is asked of a page anyone reads: a visitor's change is refused outright
    "benchmarks:neighbours": ("/benchmarks/neighbours/districts/", everyone(200), (403, 403)),
    # --- the public site (docs/open-data.md): the same public content for anyone, signed
    # in or not; nothing there is changed by a visitor
    "public:home": ("/public/", everyone(200), (405, 405)),
    "public:strategy": ("/public/strategy/", everyone(200), (405, 405)),
    "public:indicators": ("/public/indicators/", everyone(200), (405, 405)),
    "public:indicator": ("/public/indicators/{indicator}/", everyone(200), (405, 405)),
    # a restricted indicator is not on the public site, whoever asks
    "public:indicator#restricted": ("/public/indicators/{restricted_indicator}/",
                                    everyone(404), (405, 405)),
    "public:indicator-map": ("/public/indicators/{mapped_indicator}/map/", everyone(200),
                             (405, 405)),
    # HW 01 has no ward figures, so no map
    "public:indicator-map#unmapped": ("/public/indicators/{indicator}/map/", everyone(404),
                                      (405, 405)),
    "public:indicator-table": ("/public/indicators/{indicator}/figures.{fmt}", everyone(200),
                               (405, 405)),
    "public:indicator-table#restricted": (
        "/public/indicators/{restricted_indicator}/figures.{fmt}", everyone(404), (405, 405)),
    "public:maps": ("/public/maps/", everyone(200), (405, 405)),
    "public:packs": ("/public/packs/", everyone(200), (405, 405)),
    "public:pack-download": ("/public/packs/{public_pack}/download/", everyone(200),
                             (405, 405)),
    # a pack its body has not published is not found at its public address
    "public:pack-download#unpublished": ("/public/packs/{pack}/download/", everyone(404),
                                         (405, 405)),
    "public:datapackage": ("/public/data/datapackage.json", everyone(200), (405, 405)),
    "public:package-zip": ("/public/data/public-data.zip", everyone(200), (405, 405)),
    "public:table": ("/public/data/figures.{fmt}", everyone(200), (405, 405)),
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
    # a draft pack: the Board member, who does not issue the Board's packs, is refused
    "POST /api/packs/{pack_id}/public": ("/api/packs/{pack}/public", {"public": True},
                                         (401, 403)),
    # --- partnership health: rounds and questions for partners, scores and results for
    # the Board and the management group (docs/health.md)
    "GET /api/self-assessment": ("/api/self-assessment", everyone(200)),
    "GET /api/self-assessment/{round_id}/questions": (
        "/api/self-assessment/{review_round}/questions", (404, *SIGNED_IN[1:])),
    "GET /api/self-assessment/{round_id}/scores": (
        "/api/self-assessment/{review_round}/scores", (404, *SCORERS[1:])),
    # the Board member scores: a draft of one answer is kept
    "PUT /api/self-assessment/{round_id}/scores": (
        "/api/self-assessment/{review_round}/scores",
        {"answers": [{"question": "goals-1", "score": 3}]}, (401, 200)),
    "GET /api/self-assessment/{round_id}/results": (
        "/api/self-assessment/{review_round}/results", (404, *SCORERS[1:])),
    "GET /api/facts": ("/api/facts", everyone(200)),
    "GET /api/facts/meetings/{meeting_id}/attendance": (
        "/api/facts/meetings/{meeting}/attendance", (404, *SIGNED_IN[1:])),
    "PUT /api/facts/meetings/{meeting_id}/attendance": (
        "/api/facts/meetings/{meeting}/attendance",
        {"marks": [{"person": "{board_member}", "status": "attended"}]}, (401, 403)),
    # --- benchmarks: open neighbour sets; a benchmark follows its indicator
    "GET /api/benchmarks/sets": ("/api/benchmarks/sets", everyone(200)),
    "GET /api/benchmarks/sets/{slug}": ("/api/benchmarks/sets/districts", everyone(200)),
    "GET /api/benchmarks/sets/{slug}/neighbours/{code}": (
        "/api/benchmarks/sets/districts/neighbours/{area}", everyone(200)),
    "GET /api/benchmarks/indicators": ("/api/benchmarks/indicators", everyone(200)),
    "GET /api/benchmarks/indicators/{code}": (
        "/api/benchmarks/indicators/{benchmarked_restricted_code}", NHS_ONLY),
    # --- the constitution (anyone), the charter (partners); the officer writes
    "GET /api/constitution/bodies": ("/api/constitution/bodies", everyone(200)),
    "GET /api/constitution/bodies/{slug}": ("/api/constitution/bodies/{board}",
                                            everyone(200)),
    "GET /api/constitution/bodies/{slug}/{kind}/versions": (
        "/api/constitution/bodies/{board}/terms/versions", everyone(200)),
    "POST /api/constitution/bodies/{slug}/{kind}/versions": (
        "/api/constitution/bodies/{board}/terms/versions",
        {"text": "New terms", "reason": "Reviewed"}, (401, 403)),
    "GET /api/constitution/charter": ("/api/constitution/charter", everyone(200)),
    "GET /api/constitution/charter/{entry_id}": ("/api/constitution/charter/{charter_entry}",
                                                 (404, *SIGNED_IN[1:])),
    "POST /api/constitution/charter": ("/api/constitution/charter", {
        "provider": "nhs-gateshead", "recipient": "gvoc", "data": "indicators",
        "purpose": "Joint needs assessment", "agreed_by": "The Board",
        "starts": "2026-04-01", "reason": "Agreed"}, (401, 403)),
    "POST /api/constitution/charter/{entry_id}/end": (
        "/api/constitution/charter/{charter_entry}/end", {"reason": "No longer needed"},
        (401, 403)),
    # --- the public data: anyone, with a token or without
    "GET /api/public/datapackage": ("/api/public/datapackage", everyone(200)),
    "GET /api/public/resources/{name}": ("/api/public/resources/figures", everyone(200)),
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
