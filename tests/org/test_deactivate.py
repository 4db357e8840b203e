"""Deactivating someone ends their sessions, revokes their API tokens and keeps their
history (the service SCIM deprovisioning and admins call)."""

from auditlog.models import LogEntry
from django.urls import reverse

from org import services, tokens
from org.models import Membership
from tests.factories import MembershipFactory


def test_a_deactivated_person_is_signed_out_everywhere_and_keeps_their_history(
    client, api_client, platform_admin
):
    # given someone signed in in a browser and holding an API token
    person = MembershipFactory().user
    _, key = tokens.token_create(user=person)
    client.force_login(person)
    assert client.get(reverse("pathways:learn")).status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api-me")).status_code == 200

    # when an admin deactivates them
    removed = services.user_deactivate(user=person, by=platform_admin, reason="left the company")

    # then the token gets 401, the browser session is gone, and the membership stays
    assert removed == {"sessions": 1, "tokens": 1}
    assert api_client.get(reverse("api-me")).status_code == 401
    assert client.get(reverse("pathways:learn")).status_code == 302
    person.refresh_from_db()
    assert person.is_active is False
    assert Membership.objects.filter(user=person).exists()
    [entry] = LogEntry.objects.filter(additional_data__event="user_deactivated")
    assert entry.actor == platform_admin and entry.object_pk == str(person.pk)
    assert entry.additional_data["tokens_revoked"] == 1
