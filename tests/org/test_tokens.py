"""API tokens end: on revoke, on expiry, on a password change, on deactivation."""

from datetime import timedelta

from django.utils import timezone
from knox.models import AuthToken

from tests.factories import UserFactory

TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery"


def _sign_in(api_client, email):
    response = api_client.post(TOKEN, {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def _me(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    status = api_client.get("/api/v1/me/").status_code
    api_client.credentials()
    return status


def test_tokens_are_stored_hashed_and_expire_in_30_days(api_client, db):
    UserFactory(email="bot@example.test")
    body = _sign_in(api_client, "bot@example.test")
    stored = AuthToken.objects.get()
    assert body["token"] not in (stored.digest, stored.token_key)
    assert body["id"] == stored.token_key == body["token"][:15]
    left = stored.expiry - timezone.now()
    assert timedelta(days=29, hours=23) < left <= timedelta(days=30)


def test_a_token_stops_working_after_revoke(api_client, db):
    UserFactory(email="bot@example.test")
    body = _sign_in(api_client, "bot@example.test")
    keep = _sign_in(api_client, "bot@example.test")["token"]
    assert _me(api_client, body["token"]) == 200

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {keep}")
    listed = api_client.get("/api/v1/auth/tokens/").json()["results"]
    revoked = api_client.delete(f"/api/v1/auth/tokens/{body['id']}/")

    assert len(listed) == 2
    assert revoked.status_code == 204
    assert _me(api_client, body["token"]) == 401
    assert _me(api_client, keep) == 200


def test_nobody_lists_or_revokes_another_persons_token(api_client, db):
    UserFactory(email="bot@example.test")
    UserFactory(email="other@example.test")
    theirs = _sign_in(api_client, "bot@example.test")
    mine = _sign_in(api_client, "other@example.test")["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {mine}")
    listed = [t["id"] for t in api_client.get("/api/v1/auth/tokens/").json()["results"]]
    response = api_client.delete(f"/api/v1/auth/tokens/{theirs['id']}/")

    assert theirs["id"] not in listed
    assert response.status_code == 404
    assert _me(api_client, theirs["token"]) == 200


def test_a_token_stops_working_after_expiry(api_client, db):
    UserFactory(email="bot@example.test")
    key = _sign_in(api_client, "bot@example.test")["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    assert _me(api_client, key) == 401
    assert not AuthToken.objects.exists()


def test_a_password_change_revokes_every_token(api_client, client, db):
    user = UserFactory(email="bot@example.test")
    keys = [_sign_in(api_client, "bot@example.test")["token"] for _ in range(2)]

    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )

    assert response.status_code == 302
    assert [_me(api_client, k) for k in keys] == [401, 401]
    assert not AuthToken.objects.filter(user=user).exists()
    # and a token made with the new password works
    new = api_client.post(
        TOKEN, {"email": user.email, "password": "a-much-longer-passphrase-42"}, format="json"
    ).json()["token"]
    assert _me(api_client, new) == 200


def test_deactivation_revokes_every_token(api_client, db):
    user = UserFactory(email="bot@example.test")
    key = _sign_in(api_client, "bot@example.test")["token"]
    user.is_active = False
    user.save()

    assert _me(api_client, key) == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_the_tokens_page_lists_and_revokes_own_tokens(api_client, client, db):
    user = UserFactory(email="bot@example.test")
    body = _sign_in(api_client, "bot@example.test")
    client.force_login(user)

    page = client.get("/accounts/tokens/").content.decode()
    response = client.post("/accounts/tokens/", {"token_id": body["id"]})

    assert body["id"] in page and body["token"] not in page
    assert response.status_code == 302
    assert _me(api_client, body["token"]) == 401
    assert "You have no API tokens." in client.get("/accounts/tokens/").content.decode()


def test_a_person_holds_a_bounded_number_of_tokens(api_client, db, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    UserFactory(email="bot@example.test")
    _sign_in(api_client, "bot@example.test")
    _sign_in(api_client, "bot@example.test")

    body = {"email": "bot@example.test", "password": PASSWORD}
    response = api_client.post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert "revoke one" in response.json()["detail"]
    assert AuthToken.objects.count() == 2
