"""The public data package: it validates as a Frictionless Data Package, describes every
file with its licence and sources, and holds public data only."""

from __future__ import annotations

import json

import frictionless
import pytest
from django.core.management import call_command

from joinedup.assessment.models import Assessment
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator

from .helpers import issued_pack, read_csv

pytestmark = pytest.mark.django_db
OGL = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
       "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
RESOURCES = ["themes", "outcomes", "indicators", "figures", "status", "targets",
             "ward-figures", "packs", "areas"]


@pytest.fixture
def published(tmp_path, capsys):
    issued_pack(public=True)
    folder = tmp_path / "package"
    call_command("publish", "--out", str(folder))
    return folder, capsys.readouterr().out


def test_publish_writes_a_package_that_frictionless_validates(published):
    folder, printed = published
    report = frictionless.validate(str(folder / "datapackage.json"))
    errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert (report.valid, errors, report.stats["tasks"]) == (True, [], len(RESOURCES))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["datapackage.json", *(f"{name}.csv" for name in RESOURCES)])
    assert printed.startswith("Wrote the public data package version 1.")


def test_the_descriptor_names_the_package_its_licence_sources_and_every_field(published):
    folder, _ = published
    descriptor = json.loads((folder / "datapackage.json").read_text())
    assert (descriptor["name"], descriptor["title"], descriptor["licenses"]) == (
        "gateshead-strategic-partnership-public-data",
        "Gateshead Strategic Partnership: public data", [OGL])
    assert descriptor["version"].startswith("1.") and descriptor["created"].endswith("Z")
    public = Indicator.objects.filter(visibility="public")
    sources = {source["title"] for source in descriptor["sources"]}
    assert set(public.values_list("source", flat=True)) <= sources
    assert [r["name"] for r in descriptor["resources"]] == RESOURCES
    for resource in descriptor["resources"]:
        assert resource["path"] == f"{resource['name']}.csv"
        assert resource["title"] and resource["description"] and resource["sources"]
        assert resource["licenses"] == [OGL]
        header = (folder / resource["path"]).read_text().splitlines()[0].split(",")
        assert header == [field["name"] for field in resource["schema"]["fields"]]
        assert all(field["type"] in {"string", "number", "integer", "boolean", "date",
                                     "datetime"} for field in resource["schema"]["fields"])


def test_the_figures_are_every_approved_figure_of_the_public_indicators(published):
    folder, _ = published
    rows = read_csv((folder / "figures.csv").read_bytes())
    expected = DataValue.objects.filter(indicator__visibility="public", state="approved")
    assert len(rows) == expected.count() > 4000
    held = {(r["indicator"], r["area"], r["period"], float(r["value"])) for r in rows}
    assert held == set(expected.values_list("indicator__code", "area__code", "period", "value"))


def test_no_restricted_number_is_in_the_package(published):
    folder, _ = published
    closed = Indicator.objects.exclude(visibility="public")
    codes = set(closed.values_list("code", flat=True))
    assert len(codes) == 9  # 6 for partners, 3 restricted
    for name in ("indicators", "figures", "status", "targets", "ward-figures"):
        rows = read_csv((folder / f"{name}.csv").read_bytes())
        column = "code" if name == "indicators" else "indicator"
        assert not {row[column] for row in rows} & codes, name
    held = {(r["indicator"], r["area"], r["period"], r["value"])
            for r in read_csv((folder / "figures.csv").read_bytes())}
    restricted = DataValue.objects.filter(indicator__in=closed)
    assert restricted.count() > 0
    assert not {(code, area, period, repr(value)) for code, area, period, value in
                restricted.values_list("indicator__code", "area__code", "period", "value")} & held
    text = "".join(p.read_text() for p in folder.iterdir())
    for title in closed.values_list("title", flat=True):
        assert title not in text


def test_the_status_is_the_stored_latest_assessment_of_each_public_series(published):
    folder, _ = published
    rows = read_csv((folder / "status.csv").read_bytes())
    latest = Assessment.objects.filter(is_latest=True, indicator__visibility="public")
    assert {(r["indicator"], r["area"], r["status"]) for r in rows} == set(
        latest.values_list("indicator__code", "area__code", "status"))


def test_only_packs_marked_public_are_listed(published, tmp_path):
    unlisted = issued_pack("steering-group", public=False)
    call_command("publish", "--out", str(tmp_path / "again"))
    rows = read_csv((tmp_path / "again" / "packs.csv").read_bytes())
    (row,) = rows
    assert (row["body"], row["format"], row["path"]) == (
        "Gateshead Strategic Partnership", "xlsx", f"/public/packs/{row['pack']}/download/")
    assert row["pack"] != str(unlisted.pk)
