"""One JSON parser and one error shape for the whole API (config.api)."""

import pytest
from django.db import OperationalError as DatabaseError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.authtoken.models import Token

from org.api import views as org_api_views

DEEP = 100_000


def _deep_json() -> str:
    return "[" * DEEP + "]" * DEEP


def _token_client(api_client, user):
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


@pytest.mark.parametrize(
    ("url_name", "who"),
    [
        ("api-token", None),
        ("api-people-import", "platform_admin"),
        ("api-assessments-banks", "author"),
    ],
)
def test_json_nested_100000_deep_is_a_bad_request(request, api_client, url_name, who):
    # given a caller allowed to post to the endpoint (anyone may ask for a token)
    client = _token_client(api_client, request.getfixturevalue(who)) if who else api_client

    # when 100,000-deep nested JSON is posted
    response = client.post(reverse(url_name), _deep_json(), content_type="application/json")

    # then it is a 400 with a JSON body saying why
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "JSON parse error - nested too deeply"}


def test_malformed_json_is_a_bad_request(api_client):
    response = api_client.post(reverse("api-token"), '{"email": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def _broken_team_list(exc: Exception):
    def team_list_for_user(*, user):
        raise exc

    return team_list_for_user


def test_an_unexpected_exception_is_a_json_500_without_traceback(
    manager, api_client, monkeypatch, caplog
):
    # given a read that fails in a way no one planned for
    monkeypatch.setattr(
        org_api_views.selectors,
        "team_list_for_user",
        _broken_team_list(RuntimeError("secret internals at line 42")),
    )
    client = _token_client(api_client, manager)

    # when the API is called
    response = client.get(reverse("api-teams"))

    # then the client gets a JSON 500 that gives nothing away, and the log has the traceback
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The server could not complete the request. The error has been logged."
    }
    assert "secret" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    logged = [r for r in caplog.records if r.name == "config.api"]
    assert len(logged) == 1
    assert logged[0].exc_info[1].args == ("secret internals at line 42",)


@pytest.mark.parametrize(
    ("exc", "detail"),
    [
        (
            DatabaseError("server closed the connection"),
            "The database is unavailable; try again shortly.",
        ),
        (BrokerError("Connection refused"), "The task queue is unavailable; try again shortly."),
    ],
)
def test_a_lost_database_or_broker_is_a_json_503_with_retry_after(
    manager, api_client, monkeypatch, exc, detail
):
    monkeypatch.setattr(org_api_views.selectors, "team_list_for_user", _broken_team_list(exc))
    client = _token_client(api_client, manager)

    response = client.get(reverse("api-teams"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": detail}
