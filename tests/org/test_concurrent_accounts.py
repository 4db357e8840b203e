"""One person's account requests that overlap, on PostgreSQL: an invitation or a
forgotten-password link used in two tabs at once, sign-ins that ask for API tokens at
once, a person put in a team by two provisioning calls at once, a first single sign-on
from two tabs. Each test holds the
first request's transaction open, waits until the second is blocked behind it (or
done), then lets the first commit.
"""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken
from rest_framework.test import APIClient

from org import services, tokens
from org.invitations import invitation_link
from org.models import Invitation, Membership, User
from org.oidc import OIDCBackend
from org.saml.backend import SamlBackend
from tests.concurrency import overlap
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _set_password_form(link: str, password: str):  # type: ignore[no-untyped-def]
    """The invitation's set-password page, opened in a browser tab of its own."""
    browser = Client()
    landing = browser.get(link)  # Django swaps the token for a session and redirects
    assert landing.status_code == 302
    data = {"new_password1": password, "new_password2": password}
    return lambda: browser.post(landing["Location"], data)


def test_an_invitation_used_in_two_tabs_at_once_sets_one_password(db):
    # given an invitation opened in two tabs, and the first tab's password not committed yet
    person = UserFactory(email="ada@example.test")
    person.set_unusable_password()
    person.save()
    Invitation.objects.create(user=person)
    link = invitation_link(user=person)
    first = _set_password_form(link, "first-long-passphrase-42")
    second = _set_password_form(link, "second-long-passphrase-42")

    # when the second tab sends its password
    outcome = overlap(first, second)

    # then the link was used once: the second tab is told so, the first password holds
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 200
    assert "This invitation link no longer works" in outcome["value"].text
    person = User.objects.get(pk=person.pk)
    assert person.check_password("first-long-passphrase-42")
    assert Invitation.objects.get(user=person).accepted_at is not None


def test_a_password_reset_link_used_in_two_tabs_at_once_sets_one_password(db):
    # given a forgotten-password link opened in two tabs, the first tab's password not
    # committed yet
    person = UserFactory(email="grace@example.test")
    link = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    first = _set_password_form(link, "first-long-passphrase-42")
    second = _set_password_form(link, "second-long-passphrase-42")

    # when the second tab sends its password
    outcome = overlap(first, second)

    # then the link was used once: the second tab is told so, the first password holds
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 200
    assert "This link no longer works" in outcome["value"].text
    assert User.objects.get(pk=person.pk).check_password("first-long-passphrase-42")


def _sign_in(email: str):  # type: ignore[no-untyped-def]
    """A sign-in for an API token, from a client of its own."""
    body = {"email": email, "password": "correct-horse-battery"}
    return lambda: APIClient().post("/api/v1/auth/token/", body, format="json")


def test_sign_ins_at_once_do_not_exceed_the_token_limit(db, settings):
    # given a person one token short of the limit, and a sign-in not committed yet
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    person = UserFactory(email="bot@example.test")
    tokens.token_create(user=person)

    # when a second sign-in asks for a token too
    outcome = overlap(_sign_in(person.email), _sign_in(person.email))

    # then it waited and was refused: the person holds two tokens, not three
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 400
    assert "revoke one" in outcome["value"].json()["detail"]
    assert AuthToken.objects.filter(user=person).count() == 2


def test_a_person_put_in_a_team_by_two_calls_at_once_has_one_membership(db):
    # given a person joining a team, the first call's membership not committed yet
    person, team = UserFactory(), TeamFactory()

    def first() -> None:
        services.membership_set(user=person, team=team, job_role="sre")

    # when a second call puts them in the same team with another role
    def second() -> Membership:
        return services.membership_set(
            user=person, team=team, job_role="ml-engineer", career_level="senior"
        )

    outcome = overlap(first, second)

    # then the second updated what the first created: one membership, the later role
    assert "error" not in outcome, outcome
    membership = Membership.objects.get(user=person, team=team)
    assert (membership.job_role, membership.career_level) == ("ml-engineer", "senior")
    assert outcome["value"].pk == membership.pk


def test_a_first_single_sign_on_from_two_tabs_at_once_creates_one_person(db, settings):
    # given a person new to Trellis whose first OpenID Connect sign-in is being stored
    settings.OIDC_TEAM_GROUP_PREFIX = "trellis-team-"
    team = TeamFactory(slug="sre")
    claims = {
        "email": "Lin@Example.test",
        "email_verified": True,
        "name": "Lin",
        "groups": ["trellis-team-sre"],
    }

    def sign_in() -> User:
        return OIDCBackend().create_user(claims)

    # when the callback of a second tab arrives (two links opened before signing in)
    outcome = overlap(sign_in, sign_in)

    # then both tabs are signed in as one person, in the team once
    assert "error" not in outcome, outcome
    person = User.objects.get(email="lin@example.test")
    assert outcome["value"].pk == person.pk
    assert Membership.objects.filter(user=person, team=team).count() == 1


def test_a_first_saml_sign_in_from_two_tabs_at_once_creates_one_person(db):
    # given a person new to Trellis whose first SAML sign-in is being stored
    session_info = {"ava": {"email": ["kim@example.test"], "displayName": ["Kim"]}}

    def sign_in() -> User | None:
        return SamlBackend().authenticate(None, session_info=session_info)

    # when the second tab's assertion arrives
    outcome = overlap(sign_in, sign_in)

    # then both are signed in as the one person the first created
    assert "error" not in outcome, outcome
    assert outcome["value"].pk == User.objects.get(email="kim@example.test").pk
