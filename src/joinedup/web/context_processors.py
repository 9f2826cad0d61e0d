"""What every page's frame needs: the partnership's name and the navigation."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

NAVIGATION = [
    ("Overview", "partnership:overview", ("partnership",)),
    ("Themes", "strategy:themes", ("strategy:theme",)),
    ("Indicators", "strategy:indicators", ("strategy:indicator",)),
    ("Areas", "places:areas", ("places", "localities")),
    ("Benchmarks", "benchmarks:index", ("benchmarks",)),
]
#: Shown only to people who are signed in: the quarterly cycle is partnership business.
SIGNED_IN_NAVIGATION = [
    ("Returns", "returns:rounds", ("returns",)),
    ("Resources", "resources:overview", ("resources",)),
    ("Risks", "risks:register", ("risks",)),
    ("Plans", "strategy:plans", ("strategy:plan",)),
    ("Health check", "reviews:rounds", ("reviews",)),
]
#: Shown only to the management group and the partnership officer, who decide exceptions.
TRIAGE_NAVIGATION = [
    ("Triage", "exceptions:triage", ("exceptions",)),
]


def _sections(user) -> list[tuple]:
    from joinedup.partnership.roles import may_triage

    if not user.is_authenticated:
        return NAVIGATION
    return [*NAVIGATION, *SIGNED_IN_NAVIGATION, *(TRIAGE_NAVIGATION if may_triage(user) else [])]


def site(request):
    from joinedup.partnership.models import Body

    board = Body.objects.filter(parent=None, kind=Body.Kind.BOARD).only("name").first()
    match = getattr(request, "resolver_match", None)
    current = f"{match.namespace}:{match.url_name}" if match else ""
    navigation = [
        {
            "text": text,
            "href": reverse(name),
            "current": current == name,
            "active": current != name and any(current.startswith(p) for p in prefixes),
        }
        for text, name, prefixes in _sections(request.user)
    ]
    return {
        "service_name": settings.JOINEDUP_SERVICE_NAME,
        "partnership_name": board.name if board else "Your partnership",
        "navigation": navigation,
    }
