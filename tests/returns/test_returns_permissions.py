"""Persona × returns page matrix, and no restricted figure in any returns page or export.

Expectations follow the sharing rules of the demo catalogue (``tests/test_permissions``),
not a typed list of codes.
"""

from __future__ import annotations

import pytest

from joinedup.returns.models import DataValue
from test_permissions import ALL, HIDDEN, may_see

from .helpers import make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(person):
    """A round owing figures from the NHS (including a health-restricted indicator) and the
    police (including a police-restricted one)."""
    health = make_round(["HW 02", "CY 07"], person("pct").organisation, slug="health-round")
    make_round(["SC 03", "SC 02"], person("police").organisation, slug="police-round")
    return health


def page_statuses():
    draft = lambda: DataValue.objects.filter(state="draft").first()  # noqa: E731
    return {
        #                                  anon officer pct police lead board
        "/returns/":                       (302, 200, 200, 200, 200, 200),
        "/returns/rounds/health-round/":   (302, 200, 200, 200, 200, 200),
        "/returns/rounds/health-round/enter/": (302, 200, 200, 200, 200, 200),
        "/returns/rounds/health-round/template.xlsx": (302, 200, 200, 200, 200, 200),
        "/returns/rounds/health-round/template.csv": (302, 200, 200, 200, 200, 200),
        "/returns/rounds/no-such-round/":  (302, 404, 404, 404, 404, 404),
        "/returns/upload/":                (302, 200, 200, 200, 200, 200),
        "/returns/figures/":               (302, 200, 200, 200, 200, 200),
        "/returns/approvals/":             (302, 200, 200, 200, 200, 200),
        "/returns/export.csv":             (200, 200, 200, 200, 200, 200),
        "/returns/export.xlsx":            (200, 200, 200, 200, 200, 200),
        "/returns/export.pdf":             (404, 404, 404, 404, 404, 404),
        "draft figure":                    (404, 200, 200, 404, 404, 404),
        "police-restricted figure":        (404, 200, 404, 200, 200, 404),
        "health-restricted figure":        (404, 200, 200, 404, 200, 404),
    }, draft


def figure_url(name: str, draft) -> str:
    if name == "draft figure":
        return draft().get_absolute_url()
    code = "SC 02" if name.startswith("police") else "CY 07"
    return DataValue.objects.filter(indicator__code=code, state="approved").first() \
        .get_absolute_url()


@pytest.mark.parametrize("persona", ALL)
def test_returns_page_matrix(persona, client_as, rounds, person):
    from .helpers import GATESHEAD, latest, next_label, table
    from joinedup.returns.importing import import_table

    pct = person("pct")
    row = {"indicator": "HW 02", "area": GATESHEAD, "period": next_label("HW 02"),
           "value": str(latest("HW 02").value)}
    assert import_table(table([row]), source="f.csv", user=pct).saved
    statuses, draft = page_statuses()
    client = client_as(persona)
    for page, expected in statuses.items():
        url = figure_url(page, draft) if "figure" in page and not page.startswith("/") else page
        status = client.get(url).status_code
        assert status == expected[ALL.index(persona)], f"{persona} on {page}: {status}"


@pytest.mark.parametrize("persona", [None, "pct", "police", "board"])
def test_no_hidden_indicator_in_returns_pages_or_exports(persona, client_as, rounds,
                                                         demo_sources, person):
    hidden = [i for i in demo_sources.catalogue["indicator"] if not may_see(persona, i)]
    assert {i["code"] for i in hidden} == HIDDEN[persona]
    markers = [m for i in hidden for m in (i["code"], i["title"])]
    client = client_as(persona)
    urls = ["/returns/", "/returns/rounds/health-round/", "/returns/rounds/police-round/",
            "/returns/rounds/health-round/enter/", "/returns/rounds/police-round/enter/",
            "/returns/rounds/health-round/template.csv",
            "/returns/rounds/police-round/template.csv", "/returns/figures/",
            "/returns/approvals/", "/returns/export.csv"]
    checked = 0
    for url in urls:
        response = client.get(url)
        # a visitor who has not signed in reaches only the public export, and is sent to
        # sign in for the rest; everyone signed in reaches every page
        reached = persona is not None or url == "/returns/export.csv"
        assert response.status_code == (200 if reached else 302), url
        if not reached:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig")
        leaks = [m for m in markers if m in text]
        assert not leaks, f"{persona} sees {leaks} on {url}"
        checked += 1
    assert checked == (1 if persona is None else len(urls))
