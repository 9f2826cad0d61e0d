"""The public pages: anyone reads them with no session, they show public content only,
and every number they show is in the data package."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from joinedup.public import package
from joinedup.strategy.models import Indicator

from .helpers import issued_pack, numeric_cells, read_csv

pytestmark = pytest.mark.django_db
PAGES = ["/public/", "/public/strategy/", "/public/indicators/", "/public/maps/",
         "/public/packs/"]


def _figure(value: str, decimals: int) -> str:
    return f"{float(value):,.{decimals}f}"


@pytest.fixture
def anonymous():
    return Client()


def test_anyone_reads_every_public_page_without_a_session(anonymous):
    for path in PAGES:
        answer = anonymous.get(path)
        assert answer.status_code == 200, path
        assert "sessionid" not in answer.cookies, path
        assert "Signed in as" not in answer.content.decode()
    assert dict(anonymous.cookies) == {}


def test_the_indicators_page_lists_exactly_the_public_indicators(anonymous, client_as):
    public = set(Indicator.objects.filter(visibility="public").values_list("code", flat=True))
    for client in (anonymous, client_as("officer")):
        page = client.get("/public/indicators/").content.decode()
        listed = set(re.findall(r'data-indicator="([^"]+)"', page))
        assert listed == public
    for code in Indicator.objects.exclude(visibility="public").values_list("slug", flat=True):
        assert anonymous.get(f"/public/indicators/{code}/").status_code == 404
        assert client_as("officer").get(f"/public/indicators/{code}/").status_code == 404


def test_every_number_on_the_public_pages_is_in_the_package(anonymous):
    issued_pack(public=True)
    files = package.current().files()
    tables = {name[:-4]: read_csv(content) for name, content in files.items()
              if name.endswith(".csv")}
    decimals = {row["code"]: int(row["decimals"]) for row in tables["indicators"]}
    held: dict[str, set[str]] = {code: set() for code in decimals}
    for name, columns in (("figures", ["value"]), ("status", ["value", "target"]),
                          ("targets", ["value", "baseline_value"]), ("ward-figures", ["value"])):
        for row in tables[name]:
            held[row["indicator"]] |= {_figure(row[c], decimals[row["indicator"]])
                                       for c in columns if row[c]}
    shown = 0
    for code, cells in _pages(anonymous, tables):
        for row_code, text in cells:
            assert text in held[row_code or code], (code, text)
            shown += 1
    assert shown > 3000


def _pages(client, tables):
    """(indicator, numeric cells) of the list, every indicator's page, and every map."""
    yield None, numeric_cells(client.get("/public/indicators/").content.decode())
    periods: dict[str, set[str]] = {}
    for row in tables["ward-figures"]:
        periods.setdefault(row["indicator"], set()).add(row["period"])
    for row in tables["indicators"]:
        page = client.get(f"/public/indicators/{row['slug']}/")
        assert page.status_code == 200
        yield row["code"], numeric_cells(page.content.decode())
        for period in sorted(periods.get(row["code"], ())):
            drawn = client.get(f"/public/indicators/{row['slug']}/map/", {"period": period})
            assert drawn.status_code == 200
            yield row["code"], numeric_cells(drawn.content.decode())


def test_an_indicator_page_shows_its_figures_status_and_downloads(anonymous):
    page = anonymous.get("/public/indicators/hw-02/").content.decode()
    assert "<h1 class=\"govuk-heading-l\">" in page
    for name in ("figures", "status"):
        assert f'href="/public/indicators/hw-02/{name}.csv"' in page
        assert f'href="/public/indicators/hw-02/{name}.json"' in page
    figures = anonymous.get("/public/indicators/hw-02/figures.csv")
    rows = read_csv(figures.content)
    assert {row["indicator"] for row in rows} == {"HW 02"}
    assert len(rows) == Indicator.objects.get(code="HW 02").values.filter(
        state="approved").count()
    as_json = anonymous.get("/public/indicators/hw-02/figures.json").json()
    assert (as_json["name"], len(as_json["rows"]), as_json["licenses"][0]["name"]) == (
        "figures", len(rows), "OGL-UK-3.0")


def test_a_ward_map_is_drawn_for_a_public_indicator_only(anonymous):
    mapped = anonymous.get("/public/maps/").content.decode()
    assert 'href="/public/indicators/sc-04/map/"' in mapped
    page = anonymous.get("/public/indicators/sc-04/map/").content.decode()
    assert 'data-testid="public-map"' in page and "<svg" in page
    restricted = Indicator.objects.exclude(visibility="public").first()
    assert anonymous.get(f"/public/indicators/{restricted.slug}/map/").status_code == 404


def test_the_data_files_are_served_beside_the_descriptor(anonymous):
    descriptor = anonymous.get("/public/data/datapackage.json").json()
    for resource in descriptor["resources"]:
        answer = anonymous.get(f"/public/data/{resource['path']}")
        assert answer.status_code == 200
        assert answer.content.decode().splitlines()[0] == ",".join(
            field["name"] for field in resource["schema"]["fields"])
    archive = anonymous.get("/public/data/public-data.zip")
    assert (archive.status_code, archive["Content-Type"]) == (200, "application/zip")
    assert anonymous.get("/public/data/nothing.csv").status_code == 404
