"""A test client for the REST API, shared by the API's tests and the apps' API tests."""

from __future__ import annotations

import json


class ApiClient:
    """The Django test client, speaking JSON to /api/ with an optional bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self._headers())

    def post(self, path: str, body):
        return self.client.post(path, json.dumps(body), content_type="application/json",
                                headers=self._headers())

    def put(self, path: str, body):
        return self.client.put(path, json.dumps(body), content_type="application/json",
                               headers=self._headers())

    def patch(self, path: str, body):
        return self.client.patch(path, json.dumps(body), content_type="application/json",
                                 headers=self._headers())
