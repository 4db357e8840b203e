import base64
import json

import pytest
from django.test import Client as HttpClient

from lrs.services import lrs_client_create


class XAPI:
    """A Django test client that speaks xAPI 1.0.3 with one LRS client's credentials."""

    def __init__(self, key: str, secret: str, version: str = "1.0.3") -> None:
        self.http = HttpClient()
        self.key = key
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.headers = {
            "HTTP_AUTHORIZATION": f"Basic {token}",
            "HTTP_X_EXPERIENCE_API_VERSION": version,
        }

    def get(self, path: str, params: dict | None = None, **extra):
        return self.http.get(f"/xapi/{path}", params or {}, **{**self.headers, **extra})

    def post(self, path: str, body, content_type="application/json", **extra):
        data = json.dumps(body) if not isinstance(body, bytes | str) else body
        return self.http.post(
            f"/xapi/{path}", data, content_type=content_type, **{**self.headers, **extra}
        )

    def put(self, path: str, body, content_type="application/json", **extra):
        data = json.dumps(body) if not isinstance(body, bytes | str) else body
        return self.http.put(
            f"/xapi/{path}", data, content_type=content_type, **{**self.headers, **extra}
        )

    def delete(self, path: str, **extra):
        return self.http.delete(f"/xapi/{path}", **{**self.headers, **extra})


@pytest.fixture
def lrs_credentials(db):
    client, secret = lrs_client_create(name="tests")
    return client.key, secret


@pytest.fixture
def xapi(lrs_credentials) -> XAPI:
    return XAPI(*lrs_credentials)


def statement(**overrides) -> dict:
    body = {
        "actor": {"objectType": "Agent", "mbox": "mailto:ada@example.com", "name": "Ada"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/attempted",
            "display": {"en-US": "attempted"},
        },
        "object": {"id": "http://example.com/activities/one"},
    }
    body.update(overrides)
    return body
