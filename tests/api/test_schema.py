"""The OpenAPI document, and schemathesis run against it in process on the test database.

schemathesis generates requests for every operation from the document and checks each
answer: never a server error, and always a status code, content type and body that the
document declares.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from pydantic import BaseModel

from schemathesis.specs.openapi.checks import positive_data_acceptance

from joinedup.partnership.tokens import ApiToken

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs"
PARAMETER = re.compile(r"\{\w+\}")
ERRORS = {"401", "422"}
#: Generated requests per operation and phase; enough to find a server error, quick enough.
EXAMPLES = 10


def test_openapi_document_describes_every_operation(client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert document["info"]["title"] == "JoinedUp API"
    assert document["info"]["version"] == "1.0"
    assert "`joinedup api-token create USERNAME` makes a token." in document["info"][
        "description"]
    operations = [(path, method, op) for path, methods in document["paths"].items()
                  for method, op in methods.items()]
    assert {(path, method) for path, method, _ in operations} >= {
        ("/api/indicators", "get"), ("/api/indicators/{code}", "get"), ("/api/areas", "get"),
        ("/api/areas/{code}", "get"), ("/api/values", "get"), ("/api/values", "post"),
        ("/api/values/{value_id}", "get"), ("/api/values/{value_id}", "patch"),
        ("/api/values/submit", "post"), ("/api/values/approve", "post"),
        ("/api/values/return", "post"), ("/api/assessments", "get"), ("/api/rounds", "get"),
        ("/api/rounds/{slug}", "get")}
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("summary") and operation.get("tags"), where
        assert ERRORS <= set(operation["responses"]), where
        for status, response in operation["responses"].items():
            schema = response["content"]["application/json"]["schema"]
            assert schema.get("$ref") or schema.get("type"), (where, status)
        token_only = [{"BearerToken": []}]
        assert operation["security"] == (token_only + [{}] if method == "get" else token_only)
    assert client.get("/api/docs").status_code == 200


def test_every_operation_is_documented(client):
    document = client.get("/api/openapi.json").json()
    text = re.sub(PARAMETER, "{}", (DOCS / "api.md").read_text())
    for path, methods in document["paths"].items():
        for method in methods:
            route = f"`{method.upper()} {re.sub(PARAMETER, '{}', path)}`"
            assert route in text, route


@pytest.fixture
def officer_token(person) -> str:
    return ApiToken.objects.issue(person("officer"), "schemathesis")[1]


@pytest.fixture
def connection_kept():
    """Keep the test's database connection across requests, as Django's test client does.

    The WSGI application closes the connection when a request finishes; inside the test's
    transaction that would lose the transaction (PostgreSQL) before the next request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loading the document makes no database query, so it can be done as the tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case, officer_token, connection_kept):
    # A request can fit the document and still name a period, round or indicator that does
    # not exist; the API rightly answers 422 with the problem, so the check that expects
    # every schema-valid request to succeed does not apply.
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_token}"},
                           excluded_checks=[positive_data_acceptance])


def _models_in(annotation, found: dict) -> None:
    """Every pydantic model an annotation names, nested ones included, by class name."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found.setdefault(annotation.__name__, set()):
            return
        found[annotation.__name__].add(annotation)
        for field in annotation.model_fields.values():
            _models_in(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _models_in(argument, found)


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI document names each schema by its class; two classes of one name would
    silently describe one operation's answer with the other's fields."""
    from joinedup.api.api import api

    api.urls  # noqa: B018 - builds the routers
    found: dict[str, set] = {}
    for _prefix, router in api._routers:
        for path_operation in router.path_operations.values():
            for operation in path_operation.operations:
                for wrapper in operation.response_models.values():
                    for field in wrapper.model_fields.values():
                        _models_in(field.annotation, found)
                body = getattr(operation, "models", [])
                for model in body:
                    for field in model.model_fields.values():
                        _models_in(field.annotation, found)
    shared = {name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
              for name, classes in found.items()
              if len(classes) > 1 and not name.startswith("Ninja")}
    assert shared == {}
