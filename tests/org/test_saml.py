"""SAML 2.0 sign-in against an identity provider the test runs itself: pysaml2's IdP
`Server` with a throwaway key answers the AuthnRequest Trellis sends, and its signed
(or unsigned, tampered, foreign-signed, replayed) response is posted to our ACS."""

import base64

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from org.models import Membership, User
from tests.factories import TeamFactory
from tests.saml_idp import SamlIdentityProvider

ADA = "ada.lovelace@example.com"
ATTRIBUTES = {
    "email": [ADA],
    "displayName": ["Ada Lovelace"],
    "groups": ["trellis-team-analytics", "trellis-managers", "everyone"],
}


@pytest.fixture
def idp(client, settings, tmp_path, db):
    """An IdP Trellis trusts (its metadata file), which trusts Trellis's metadata."""
    provider = SamlIdentityProvider(tmp_path)
    settings.SAML_IDP_METADATA_FILE = provider.metadata_file()
    settings.SAML_PERSONA_GROUPS = {"manager": "trellis-managers"}
    settings.SAML_TEAM_GROUP_PREFIX = "trellis-team-"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "org.saml.backend.SamlBackend",
    ]
    metadata = client.get(reverse("saml2_metadata"))
    assert metadata.status_code == 200
    provider.trust(metadata.content.decode())
    return provider


def _sign_in_at_idp(client, idp, **answer):
    """Trellis's login → the IdP's answer (a form the browser posts back)."""
    start = client.get(reverse("saml2_login"), {"next": "/"})
    assert start.status_code == 302
    form = idp.answer(start["Location"], email=ADA, attributes=ATTRIBUTES, **answer)
    assert form.pop("_acs").endswith(reverse("saml2_acs"))
    return form


def test_a_signed_response_signs_in_to_the_persona_home_with_teams(client, idp):
    # given a team whose slug the provider's groups name
    team = TeamFactory(slug="analytics")
    assert 'id="sso-saml"' in client.get(reverse("login")).content.decode()

    # when Ada signs in at the IdP and her browser posts the signed response
    form = _sign_in_at_idp(client, idp)
    landed = client.post(reverse("saml2_acs"), form, follow=True)

    # then she is signed in as a new manager in the team her groups name
    assert landed.redirect_chain[-1][0] == reverse("metrics:home")
    assert landed.status_code == 200
    ada = User.objects.get(email=ADA)
    assert ada.full_name == "Ada Lovelace"
    assert sorted(ada.groups.values_list("name", flat=True)) == ["learner", "manager"]
    assert Membership.objects.filter(user=ada, team=team, job_role="unassigned").exists()
    assert not ada.has_usable_password()

    # and a second sign-in reuses the account
    client.logout()
    client.post(reverse("saml2_acs"), _sign_in_at_idp(client, idp))
    assert client.get(reverse("api-me")).json()["email"] == ADA
    assert User.objects.filter(email__iexact=ADA).count() == 1


def _refused(response, detail: str) -> None:
    assert response.status_code == 403
    assert "Single sign-on did not sign you in" in response.content.decode()
    assert not User.objects.filter(email=ADA).exists()
    entry = LogEntry.objects.filter(additional_data__event="sign_in_failed").last()
    assert entry.additional_data["method"] == "saml"
    assert entry.additional_data["reason"] == "SignatureError"
    assert entry.additional_data["detail"] == detail


def test_the_identity_providers_cross_site_post_needs_no_csrf_token(client, idp):
    # given a browser that enforces CSRF as production does (the IdP's page posts the form,
    # so it carries no Trellis token)
    form = _sign_in_at_idp(client, idp)
    client.handler.enforce_csrf_checks = True

    # when it posts the signed response to the assertion consumer
    response = client.post(reverse("saml2_acs"), form)

    # then the signature, not a CSRF token, decides: Ada is signed in
    assert response.status_code == 302
    assert client.get(reverse("api-me")).json()["email"] == ADA


def test_an_unsigned_response_is_refused_with_a_clear_page(client, idp):
    _refused(
        client.post(reverse("saml2_acs"), _sign_in_at_idp(client, idp, signed=False)),
        "Signature missing for assertion",
    )


def test_a_tampered_response_is_refused(client, idp):
    form = _sign_in_at_idp(client, idp)
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert xml.count("trellis-managers") == 1
    tampered = xml.replace("trellis-managers", "trellis-admins")
    form["SAMLResponse"] = base64.b64encode(tampered.encode()).decode()
    _refused(client.post(reverse("saml2_acs"), form), "Failed to verify signature")


def test_a_response_signed_with_another_key_is_refused(client, idp, tmp_path_factory):
    impostor = SamlIdentityProvider(tmp_path_factory.mktemp("impostor"))
    impostor.trust(client.get(reverse("saml2_metadata")).content.decode())
    form = _sign_in_at_idp(client, impostor)
    _refused(client.post(reverse("saml2_acs"), form), "Failed to verify signature")


def test_a_replayed_response_is_refused(client, idp):
    form = _sign_in_at_idp(client, idp)
    assert client.post(reverse("saml2_acs"), form).status_code == 302
    client.logout()
    replay = client.post(reverse("saml2_acs"), form)
    assert replay.status_code == 403
    assert "Single sign-on did not sign you in" in replay.content.decode()


def test_a_deactivated_person_is_refused(client, idp):
    User.objects.create_user(email=ADA, is_active=False)
    response = client.post(reverse("saml2_acs"), _sign_in_at_idp(client, idp))
    assert response.status_code == 403


def test_saml_is_off_unless_configured(client, db):
    assert client.get(reverse("saml2_metadata")).status_code == 404
    assert client.get(reverse("saml2_login")).status_code == 404
    assert "sso-saml" not in client.get(reverse("login")).content.decode()
