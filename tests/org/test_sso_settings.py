"""Single sign-on settings that need no provider: claim mapping, the password switch, and
password sign-in staying up when the provider is down."""

from django.urls import reverse

from org.models import Membership
from org.oidc import OIDCBackend
from tests.factories import MembershipFactory, TeamFactory, UserFactory


def test_claims_set_name_personas_and_teams_and_leave_other_groups_alone(db, settings):
    # given a person in teams "sre" (kept) and "data" (left in the provider)
    settings.OIDC_PERSONA_GROUPS = {"manager": "trellis-managers", "author": "trellis-authors"}
    settings.OIDC_TEAM_GROUP_PREFIX = "trellis-team-"
    person = UserFactory(personas=["learner", "author"], email="ada@example.test")
    sre, data, ml = TeamFactory(slug="sre"), TeamFactory(slug="data"), TeamFactory(slug="ml")
    MembershipFactory(user=person, team=sre, job_role="sre")
    MembershipFactory(user=person, team=data, job_role="data-engineer")
    claims = {
        "email": "ada@example.test",
        "email_verified": True,
        "name": "Ada L",
        "groups": ["trellis-team-sre", "trellis-team-ml", "trellis-managers", "sre"],
    }

    # when she signs in with these claims
    OIDCBackend().update_user(person, claims)

    # then her name, personas and teams follow them; the kept membership keeps its role
    person.refresh_from_db()
    assert person.full_name == "Ada L"
    assert sorted(person.groups.values_list("name", flat=True)) == ["learner", "manager"]
    assert sorted(Membership.objects.filter(user=person).values_list("team", "job_role")) == sorted(
        [(sre.pk, "sre"), (ml.pk, "unassigned")]
    )
    assert not Membership.objects.filter(team=data).exists()


def test_unverified_or_missing_addresses_are_refused(db):
    backend = OIDCBackend()
    assert backend.verify_claims({"email": "a@example.test", "email_verified": True})
    assert not backend.verify_claims({"email": "a@example.test", "email_verified": False})
    assert not backend.verify_claims({"email": "a@example.test"})
    assert not backend.verify_claims({"email_verified": True})


def test_password_sign_in_works_while_the_provider_is_unreachable(client, learner, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "org.oidc.OIDCBackend",
    ]
    response = client.post(
        reverse("login"), {"username": learner.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def test_password_sign_in_can_be_switched_off(client, learner, settings):
    settings.TRELLIS_PASSWORD_LOGIN = False
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_PROVIDER_NAME = "Example IdP"
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Example IdP" in page and 'type="password"' not in page
    response = client.post(
        reverse("login"), {"username": learner.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert "Password sign-in is switched off" in response.content.decode()
    assert "_auth_user_id" not in client.session
