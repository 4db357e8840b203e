"""OpenID Connect sign-in in Chromium against a real provider (npm `oidc-provider`,
started on a free port): authorization code with PKCE, accounts matched by verified
e-mail, teams and persona from the `groups` claim; wrong-audience and expired ID tokens
refused."""

import base64
import hashlib
import os
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from playwright.sync_api import expect

from org.models import Membership, User
from org.oidc import OIDCBackend, discovery
from tests.factories import TeamFactory
from tests.oidc_provider import OidcProvider, available

pytestmark = pytest.mark.e2e

SECRET = "trellis-test-secret"
ADA = {
    "email": "ada@example.test",
    "email_verified": True,
    "name": "Ada Lovelace",
    "groups": ["trellis-team-sre", "trellis-managers", "unrelated"],
}


@pytest.fixture
def provider(live_server, settings):
    why_not = available()
    if why_not:
        if os.environ.get("TRELLIS_REQUIRE_SERVICES") == "1":
            pytest.fail(why_not)
        pytest.skip(why_not)
    elsewhere = f"http://127.0.0.1:{live_server.url.rsplit(':', 1)[1]}/elsewhere/cb"
    clients = [
        {
            "client_id": client_id,
            "client_secret": SECRET,
            "redirect_uris": [f"{live_server.url}/oidc/callback/", elsewhere],
            "token_endpoint_auth_method": "client_secret_post",
        }
        for client_id in ("trellis", "other-app", "short-lived")
    ]
    server = OidcProvider(
        clients=clients, accounts={"ada": ADA}, short_lived=["short-lived"]
    ).start()
    settings.OIDC_ISSUER = server.issuer
    settings.OIDC_RP_CLIENT_ID = "trellis"
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_PERSONA_GROUPS = {"manager": "trellis-managers"}
    settings.OIDC_TEAM_GROUP_PREFIX = "trellis-team-"
    settings.OIDC_PROVIDER_NAME = "Example IdP"
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "org.oidc.OIDCBackend",
    ]
    cache.clear()
    server.elsewhere = elsewhere
    try:
        yield server
    finally:
        server.stop()


def _sign_in_at_provider(page, provider) -> None:
    """Answer the provider's own pages, when it shows them: its sign-in form, then its
    consent page. With a session and grant there already, it redirects straight back."""
    page.wait_for_load_state()
    if not page.url.startswith(provider.issuer):
        return
    login = page.locator("input[name=login]")
    consent = page.get_by_role("button", name="Continue")
    expect(login.or_(consent).first).to_be_visible()
    if login.is_visible():
        login.fill("ada")
        page.locator("input[name=password]").fill("any password")
        page.get_by_role("button", name="Sign-in").click()
        expect(consent).to_be_visible()
    consent.click()


def test_a_new_person_signs_in_through_the_provider_and_a_second_sign_in_reuses_the_account(
    page, live_server, provider
):
    # given a team whose slug the provider's groups name
    team = TeamFactory(slug="sre", name="Site Reliability Engineering")
    authorization_requests = []
    page.on(
        "request",
        lambda r: (
            authorization_requests.append(r.url)
            if r.url.startswith(f"{provider.issuer}/auth?")
            else None
        ),
    )

    # when ada signs in with the provider from the login page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Example IdP").click()
    _sign_in_at_provider(page, provider)

    # then she lands on her persona's home (manager: dashboards), in the team of her claims
    expect(page).to_have_url(f"{live_server.url}/dashboards/")
    ada = User.objects.get(email="ada@example.test")
    assert ada.full_name == "Ada Lovelace"
    assert not ada.has_usable_password()
    assert sorted(ada.groups.values_list("name", flat=True)) == ["learner", "manager"]
    assert list(Membership.objects.filter(user=ada).values_list("team", "job_role")) == [
        (team.pk, "unassigned")
    ]
    request = parse_qs(urlsplit(authorization_requests[0]).query)
    assert request["code_challenge_method"] == ["S256"] and len(request["code_challenge"][0]) == 43

    # when she signs out and in again
    page.get_by_text("Ada").first.click()
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/oidc/authenticate/")
    _sign_in_at_provider(page, provider)

    # then the same account is used
    expect(page).to_have_url(f"{live_server.url}/dashboards/")
    assert User.objects.filter(email__iexact="ada@example.test").count() == 1
    assert User.objects.get(email="ada@example.test").pk == ada.pk


def _id_token_for(page, provider, client_id: str, nonce: str) -> str:
    """Run the authorization code flow with PKCE for `client_id` in the browser and
    exchange the code it is redirected with for the provider's ID token."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")

    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": provider.elsewhere,
        "state": "s",
        "nonce": nonce,
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    page.goto(f"{provider.issuer}/auth?{urlencode(query)}")
    _sign_in_at_provider(page, provider)
    # The provider redirects to a page Trellis does not have; only its address matters.
    page.wait_for_url(lambda url: url.startswith(f"{provider.elsewhere}?"), timeout=10_000)
    code = parse_qs(urlsplit(page.url).query)["code"][0]
    response = requests.post(
        discovery()["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": provider.elsewhere,
            "client_id": client_id,
            "client_secret": SECRET,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id_token"]


def test_tokens_for_another_audience_or_expired_are_refused(page, provider, settings):
    # a token the provider issued to another application is refused, though genuine
    other = _id_token_for(page, provider, "other-app", nonce="n1")
    with pytest.raises(SuspiciousOperation, match="Audience doesn't match"):
        OIDCBackend().verify_token(other, nonce="n1")
    settings.OIDC_RP_CLIENT_ID = "other-app"
    assert OIDCBackend().verify_token(other, nonce="n1")["aud"] == "other-app"

    # a token for us that lives one second is accepted, then refused once expired
    settings.OIDC_RP_CLIENT_ID = "short-lived"
    settings.OIDC_LEEWAY = 0
    short = _id_token_for(page, provider, "short-lived", nonce="n2")
    assert OIDCBackend().verify_token(short, nonce="n2")["aud"] == "short-lived"
    time.sleep(2.1)
    with pytest.raises(SuspiciousOperation, match="expired"):
        OIDCBackend().verify_token(short, nonce="n2")
