"""Persona × page matrix, and proof that restricted data does not leak.

The expected answers are worked out from the catalogue's sharing rules (who owns each
indicator, who it is shared with), not typed in, so the matrix follows the data.
"""

from __future__ import annotations

import pytest

from joinedup.places.models import Area
from joinedup.strategy.models import Indicator, Theme

pytestmark = pytest.mark.django_db

ALL = [None, "officer", "pct", "police", "theme_lead", "board"]
ORGANISATION = {
    "officer": "gateshead-council", "pct": "nhs-gateshead", "police": "northumbria-police",
    "theme_lead": "gateshead-council", "board": "gvoc",
}


def may_see(persona: str | None, item: dict) -> bool:
    """The sharing rule, restated from the catalogue for the test's own expectations."""
    visibility = item.get("visibility", "public")
    if persona == "officer" or visibility == "public":
        return True
    if persona is None:
        return False
    if visibility == "partners":
        return True
    organisation = ORGANISATION[persona]
    return organisation == item["owner"] or organisation in item.get("shared_with", [])


PARTNERS_ONLY = {"HW 15", "IL 01", "IL 02", "IL 03", "IL 04", "IL 05"}
# What the sharing rules hide from each persona: SC 02 is the police's, shared with the
# council; CY 07 NHS Gateshead's, shared with the council; NG 06 NHS Gateshead's, shared
# with the Gateshead Health trust. The officer sees everything.
HIDDEN = {
    None: PARTNERS_ONLY | {"SC 02", "CY 07", "NG 06"},
    "officer": set(),
    "pct": {"SC 02"},
    "police": {"CY 07", "NG 06"},
    "theme_lead": {"NG 06"},
    "board": {"SC 02", "CY 07", "NG 06"},
}


def slug(code: str) -> str:
    return code.lower().replace(" ", "-")


@pytest.mark.parametrize("persona", ALL)
def test_visible_indicators_follow_the_sharing_rules(persona, demo_sources, person):
    user = person(persona) if persona else None
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    every = {i["code"] for i in demo_sources.catalogue["indicator"]}
    expected = {i["code"] for i in demo_sources.catalogue["indicator"] if may_see(persona, i)}
    seen = set(Indicator.objects.visible_to(user).values_list("code", flat=True))
    assert seen == expected
    # the demo exercises every rule: something is hidden from everyone but the officer
    assert every - seen == HIDDEN[persona]


PAGES = {
    "overview": "/",
    "themes": "/themes/",
    "theme": "/themes/active-and-healthy-gateshead/",
    "indicators": "/indicators/",
    "public indicator": "/indicators/hw-02/",
    "partners indicator": "/indicators/hw-15/",
    "police-restricted indicator": "/indicators/sc-02/",
    "health-restricted indicator": "/indicators/cy-07/",
    "district": "/areas/E08000037/",
    "ward": "/areas/E05001067/",
    "lsoa": "/areas/E01008162/",
    "police force area": "/areas/E23000007/",
    "board": "/bodies/gsp-board/",
    "about the data": "/account/about-the-data/",
    "administration": "/admin/",
}

# 200 shown, 404 hidden (as if it did not exist), 302 sent to sign in
MATRIX = {
    #                               anon  officer pct  police lead board
    "overview":                    (200, 200, 200, 200, 200, 200),
    "themes":                      (200, 200, 200, 200, 200, 200),
    "theme":                       (200, 200, 200, 200, 200, 200),
    "indicators":                  (200, 200, 200, 200, 200, 200),
    "public indicator":            (200, 200, 200, 200, 200, 200),
    "partners indicator":          (404, 200, 200, 200, 200, 200),
    "police-restricted indicator": (404, 200, 404, 200, 200, 404),
    "health-restricted indicator": (404, 200, 200, 404, 200, 404),
    "district":                    (200, 200, 200, 200, 200, 200),
    "ward":                        (200, 200, 200, 200, 200, 200),
    "lsoa":                        (200, 200, 200, 200, 200, 200),
    "police force area":           (200, 200, 200, 200, 200, 200),
    "board":                       (200, 200, 200, 200, 200, 200),
    "about the data":              (200, 200, 200, 200, 200, 200),
    "administration":              (302, 200, 302, 302, 302, 302),
}


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", ALL)
def test_persona_page_matrix(persona, page, client_as):
    expected = MATRIX[page][ALL.index(persona)]
    response = client_as(persona).get(PAGES[page])
    assert response.status_code == expected, f"{persona} on {page}"


def test_matrix_agrees_with_the_sharing_rules(demo_sources):
    by_code = {i["code"]: i for i in demo_sources.catalogue["indicator"]}
    for page, code in [("partners indicator", "HW 15"), ("police-restricted indicator", "SC 02"),
                       ("health-restricted indicator", "CY 07"), ("public indicator", "HW 02")]:
        for persona, status in zip(ALL, MATRIX[page], strict=True):
            assert (status == 200) == may_see(persona, by_code[code]), (persona, page)


def every_page(persona_sees_admin: bool) -> list[str]:
    pages = ["/", "/themes/", "/indicators/", "/areas/", "/account/about-the-data/"]
    pages += [theme.get_absolute_url() for theme in Theme.objects.all()]
    pages += [a.get_absolute_url() for a in Area.objects.exclude(level="lsoa")]
    pages += [f"/bodies/{slug}/" for slug in ("gsp-board", "steering-group", "safer-gateshead",
                                              "active-healthy-gateshead", "childrens-trust")]
    pages += [i.get_absolute_url() for i in Indicator.objects.all()]
    return pages


@pytest.mark.parametrize("persona", [None, "pct", "police", "board"])
def test_hidden_indicators_never_appear_on_any_page(persona, demo_sources, client_as):
    """Walk every page a persona can reach; no hidden indicator's code, title or link shows."""
    client = client_as(persona)
    hidden = [i for i in demo_sources.catalogue["indicator"] if not may_see(persona, i)]
    assert {i["code"] for i in hidden} == HIDDEN[persona]
    markers = []
    for item in hidden:
        markers += [item["code"], item["title"], f"/indicators/{slug(item['code'])}/"]
    hidden_pages = {f"/indicators/{slug(item['code'])}/" for item in hidden}
    pages = every_page(persona_sees_admin=False)
    checked = 0
    for url in pages:
        response = client.get(url)
        # a hidden indicator's page is not found, as if it did not exist; all else is shown
        assert response.status_code == (404 if url in hidden_pages else 200), url
        if url in hidden_pages:
            continue
        html = response.content.decode()
        leaks = [marker for marker in markers if marker in html]
        assert not leaks, f"{persona} sees {leaks} on {url}"
        checked += 1
    assert hidden_pages <= set(pages)
    assert checked == len(pages) - len(hidden_pages)


def test_anonymous_visitors_see_only_approved_values_of_public_indicators(client):
    from joinedup.returns.models import DataValue

    value = DataValue.objects.filter(indicator__code="HW 02", area__code="E08000037").latest(
        "period_start"
    )
    value.state = DataValue.State.SUBMITTED
    value.save()
    from django.contrib.auth.models import AnonymousUser

    visible = DataValue.objects.visible_to(AnonymousUser())
    assert not visible.filter(pk=value.pk).exists()
    assert not visible.exclude(indicator__visibility="public").exists()
    # every other figure of the series is still shown
    assert set(visible.filter(indicator__code="HW 02").values_list("pk", flat=True)) == set(
        DataValue.objects.filter(indicator__code="HW 02").exclude(pk=value.pk)
        .values_list("pk", flat=True))


def test_an_unapproved_value_is_seen_by_its_owner_but_not_other_partners(person):
    from joinedup.returns.models import DataValue

    value = DataValue.objects.filter(indicator__code="HW 02", area__code="E08000037").latest(
        "period_start"
    )
    value.state = DataValue.State.DRAFT
    value.save()
    assert DataValue.objects.visible_to(person("pct")).filter(pk=value.pk).exists()
    assert DataValue.objects.visible_to(person("officer")).filter(pk=value.pk).exists()
    assert not DataValue.objects.visible_to(person("police")).filter(pk=value.pk).exists()
    assert not DataValue.objects.visible_to(person("board")).filter(pk=value.pk).exists()


def test_memberships_are_shown_to_partners_only(client_as):
    anonymous = client_as(None).get("/bodies/gsp-board/").content.decode()
    assert "Joan Armstrong" not in anonymous
    assert "Sign in" in anonymous
    board = client_as("board").get("/bodies/gsp-board/").content.decode()
    assert "Joan Armstrong" in board
