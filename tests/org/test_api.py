import pytest
import yaml
from django.urls import reverse
from openapi_spec_validator import validate

from tests.factories import MembershipFactory, TeamFactory, UserFactory


def test_schema_is_valid_openapi_3(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/auth/token/" in spec["paths"]


def test_docs_page_is_served_without_a_cdn(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html


def test_token_authenticates_api_calls(api_client, db):
    UserFactory(email="script@example.test", full_name="Build Bot")
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "script@example.test", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 64

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "script@example.test"
    assert me.json()["personas"] == ["learner"]


def test_each_sign_in_makes_a_new_token_and_both_work(api_client, db):
    UserFactory(email="script@example.test")
    body = {"email": "script@example.test", "password": "correct-horse-battery"}
    first = api_client.post("/api/v1/auth/token/", body, format="json").json()["token"]
    second = api_client.post("/api/v1/auth/token/", body, format="json").json()["token"]
    assert first != second
    for key in (first, second):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": "script@example.test", "password": "wrong"},
        {"email": "nobody@example.test", "password": "correct-horse-battery"},
    ],
)
def test_wrong_credentials_get_400_with_a_clear_message(api_client, db, body):
    UserFactory(email="script@example.test")
    response = api_client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["That email and password do not match an active account."]
    }


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "not-an-email", "password": "x"}, {"email": ["a"], "password": {"b": 1}}],
)
def test_malformed_token_requests_get_400(api_client, db, body):
    response = api_client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400


def test_inactive_user_gets_no_token(api_client, db):
    UserFactory(email="gone@example.test", is_active=False)
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "gone@example.test", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 400


def test_bad_token_gets_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_anonymous_api_call_gets_401(api_client, db):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401


def test_session_auth_works_for_the_api(client, learner):
    client.force_login(learner)
    assert client.get("/api/v1/me/").json()["email"] == learner.email


def test_team_api_lists_only_managed_teams(api_client, manager):
    TeamFactory(slug="mine", managers=[manager])
    TeamFactory(slug="theirs")
    api_client.force_authenticate(manager)
    slugs = [t["slug"] for t in api_client.get("/api/v1/teams/").json()["results"]]
    assert slugs == ["mine"]


def test_learner_sees_no_teams_and_cannot_import_people(api_client, learner):
    MembershipFactory(user=learner)
    api_client.force_authenticate(learner)
    assert api_client.get("/api/v1/teams/").json()["results"] == []
    response = api_client.post(
        reverse("api-people-import"), {"rows": [{"email": "x@y.z"}]}, format="json"
    )
    assert response.status_code == 403


def test_sign_in_works_when_the_cache_is_down(api_client, db, settings):
    # given a cache nobody answers on (the settings change resets Django's cache handlers)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    UserFactory(email="script@example.test")

    # when a script asks for its token, it still gets it
    body = {"email": "script@example.test", "password": "correct-horse-battery"}
    response = api_client.post("/api/v1/auth/token/", body)
    assert response.status_code == 200
    assert len(response.json()["token"]) == 64
