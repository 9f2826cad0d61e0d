"""The public data in the API: the descriptor and each resource, for anyone."""

from __future__ import annotations

import pytest

from joinedup.public import package

pytestmark = pytest.mark.django_db


def test_the_api_gives_the_descriptor_and_each_resource_as_json(api):
    anonymous = api(None)
    descriptor = anonymous.get("/api/public/datapackage").json()
    assert descriptor == package.current().descriptor()
    for resource in descriptor["resources"]:
        body = anonymous.get(f"/api/public/resources/{resource['name']}").json()
        assert body["name"] == resource["name"]
        assert [f["name"] for f in body["fields"]] == [
            f["name"] for f in resource["schema"]["fields"]]
        assert len(body["rows"]) == len(package.current().tables[resource["name"]].rows)
    missing = anonymous.get("/api/public/resources/nothing")
    assert missing.status_code == 404 and missing.json()["detail"].startswith(
        "There is no public resource 'nothing'; there are themes, outcomes")
