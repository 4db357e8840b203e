"""SCIM 2.0 provisioning: the requests Okta and Microsoft Entra ID send, replayed in order
against /scim/v2/ with a token a platform admin issued."""

import json

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.urls import reverse

from org import tokens
from org.models import Membership, Persona, ScimToken, Team, User
from org.scim.tokens import scim_token_issue, scim_token_revoke
from tests.factories import MembershipFactory, TeamFactory

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class IdentityProvider:
    """Sends SCIM requests the way a provider does: bearer token, application/scim+json."""

    def __init__(self, client, key: str) -> None:
        self.client, self.headers = client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        response = self.client.generic(
            method,
            f"/scim/v2/{path}",
            json.dumps(body) if body is not None else "",
            content_type="application/scim+json",
            HTTP_ACCEPT="application/scim+json",
            **self.headers,
        )
        assert response.status_code == expect, (method, path, response.content)
        return json.loads(response.content) if response.content else {}

    def find_user(self, user_name: str) -> list[dict]:
        found = self.call("GET", f'Users?filter=userName eq "{user_name}"&startIndex=1&count=100')
        assert found["schemas"] == [LIST]
        return found["Resources"]


@pytest.fixture
def okta(client, platform_admin):
    _, key = scim_token_issue(name="Okta", by=platform_admin)
    return IdentityProvider(client, key)


def test_okta_provisions_updates_groups_and_deactivates_a_person(okta, api_client):
    # Okta looks the person up first, finds nobody, and creates them
    assert okta.find_user("dana.scully@example.com") == []
    created = okta.call(
        "POST",
        "Users",
        {
            "schemas": [USER],
            "userName": "Dana.Scully@example.com",
            "name": {"givenName": "Dana", "familyName": "Scully"},
            "emails": [{"primary": True, "value": "dana.scully@example.com", "type": "work"}],
            "displayName": "Dana Scully",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "t1meMa$heen",
            "active": True,
        },
        expect=201,
    )
    person = User.objects.get(pk=created["id"])
    assert (person.email, person.full_name, person.scim_external_id) == (
        "dana.scully@example.com",
        "Dana Scully",
        "00ujl29u0le5T6Aj10h7",
    )
    assert not person.has_usable_password()  # the provider's password is not taken
    assert set(person.groups.values_list("name", flat=True)) == {Persona.LEARNER}
    # a filter by userName finds them whatever the case; GET by id answers the same resource
    [found] = okta.find_user("DANA.SCULLY@example.com")
    assert found["id"] == created["id"] and found["active"] is True
    assert okta.call("GET", f"Users/{created['id']}")["userName"] == "dana.scully@example.com"
    # a second create of the same userName is a conflict
    clash = okta.call("POST", "Users", {"schemas": [USER], "userName": person.email}, expect=409)
    assert clash["scimType"] == "uniqueness"

    # a profile change arrives as a PUT of the whole user
    updated = okta.call(
        "PUT",
        f"Users/{created['id']}",
        {
            "schemas": [USER],
            "id": created["id"],
            "userName": "dana.scully@example.com",
            "name": {"givenName": "Dana", "familyName": "Scully-Mulder"},
            "emails": [{"primary": True, "value": "dana.scully@example.com", "type": "work"}],
            "active": True,
        },
    )
    assert updated["name"]["familyName"] == "Scully-Mulder"

    # group push: the group is created, then members are added and removed by PATCH
    group = okta.call(
        "POST", "Groups", {"schemas": [GROUP], "displayName": "X-Files", "members": []}, expect=201
    )
    team = Team.objects.get(pk=group["id"])
    assert (team.name, team.slug) == ("X-Files", "x-files")
    other = MembershipFactory().user
    okta.call(
        "PATCH",
        f"Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {
                    "op": "add",
                    "path": "members",
                    "value": [
                        {"value": created["id"], "display": person.email},
                        {"value": str(other.pk), "display": other.email},
                    ],
                }
            ],
        },
    )
    okta.call(
        "PATCH",
        f"Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "remove", "path": f'members[value eq "{other.pk}"]'}],
        },
    )
    okta.call(
        "PATCH",
        f"Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "value": {"id": group["id"], "displayName": "XF"}}],
        },
    )
    read = okta.call("GET", f"Groups/{group['id']}")
    assert read["displayName"] == "XF"
    assert [m["value"] for m in read["members"]] == [created["id"]]
    assert okta.call("GET", f"Users/{created['id']}")["groups"][0]["display"] == "XF"
    membership = Membership.objects.get(user=person, team=team)
    assert membership.job_role == "unassigned"

    # the person holds an API token and a browser session when Okta deactivates them
    _, key = tokens.token_create(user=person)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api-me")).status_code == 200
    gone = okta.call(
        "PATCH",
        f"Users/{created['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert gone["active"] is False
    assert api_client.get(reverse("api-me")).status_code == 401
    person.refresh_from_db()
    assert person.is_active is False
    assert Membership.objects.filter(pk=membership.pk).exists()  # history stays
    [deactivated] = LogEntry.objects.filter(additional_data__event="user_deactivated")
    assert deactivated.object_pk == created["id"]
    assert deactivated.additional_data["tokens_revoked"] == 1
    assert deactivated.additional_data["reason"] == "SCIM: Okta"

    # every write is in the audit log, and the row changes name the token that made them
    requests = LogEntry.objects.filter(additional_data__event="scim_request").order_by("pk")
    assert [(e.additional_data["method"], e.additional_data["status"]) for e in requests] == [
        ("POST", 201),
        ("POST", 409),
        ("PUT", 200),
        ("POST", 201),
        ("PATCH", 200),
        ("PATCH", 200),
        ("PATCH", 200),
        ("PATCH", 200),
    ]
    membership_removed = LogEntry.objects.get(
        content_type__model="membership", action=LogEntry.Action.DELETE
    )
    assert membership_removed.actor_email.startswith("SCIM token Okta")
    assert membership_removed.actor is None


def test_entra_id_shapes_string_booleans_and_member_removal_by_value(client, platform_admin):
    _, key = scim_token_issue(name="Entra ID", by=platform_admin)
    entra = IdentityProvider(client, key)
    team = TeamFactory(name="Payments SRE")
    # Entra matches groups by displayName and excludes members when it looks
    query = 'Groups?excludedAttributes=members&filter=displayName eq "Payments SRE"'
    [found] = entra.call("GET", query)["Resources"]
    assert found["id"] == str(team.pk)
    user = entra.call(
        "POST",
        "Users",
        {
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "b5a1c9e2-77f4-4bd3-9f39-0b7c1e9d8a11",
            "userName": "ravi@contoso.example",
            "active": True,
            "displayName": "Ravi Patel",
            "emails": [{"primary": True, "type": "work", "value": "ravi@contoso.example"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Ravi Patel", "familyName": "Patel", "givenName": "Ravi"},
            "roles": [],
        },
        expect=201,
    )
    entra.call(
        "PATCH",
        f"Users/{user['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "Replace", "path": "displayName", "value": "Ravi K. Patel"},
                {
                    "op": "Add",
                    "path": 'emails[type eq "work"].value',
                    "value": "rkp@contoso.example",
                },
                {
                    "op": "Add",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    "value": "Payments",
                },
            ],
        },
    )
    entra.call(
        "PATCH",
        f"Groups/{team.pk}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Add", "path": "members", "value": [{"value": user["id"]}]}],
        },
    )
    assert Membership.objects.filter(team=team, user_id=user["id"]).exists()
    entra.call(
        "PATCH",
        f"Groups/{team.pk}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Remove", "path": "members", "value": [{"value": user["id"]}]}],
        },
    )
    assert not Membership.objects.filter(team=team, user_id=user["id"]).exists()
    entra.call(
        "PATCH",
        f"Users/{user['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]},
    )
    person = User.objects.get(pk=user["id"])
    assert (person.full_name, person.email, person.is_active) == (
        "Ravi K. Patel",
        "rkp@contoso.example",
        False,
    )
    # a bad value is a SCIM error, not a 500
    bad = entra.call(
        "PATCH",
        f"Users/{user['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "maybe"}]},
        expect=400,
    )
    assert "active" in bad["detail"]


def test_discovery_endpoints_answer(okta):
    config = okta.call("GET", "ServiceProviderConfig")
    assert config["patch"]["supported"] is True and config["filter"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    schemas = {s["id"] for s in okta.call("GET", "Schemas")["Resources"]}
    assert {USER, GROUP} <= schemas
    types = {t["id"]: t["endpoint"] for t in okta.call("GET", "ResourceTypes")["Resources"]}
    assert types == {"User": "/scim/v2/Users", "Group": "/scim/v2/Groups"}


def test_only_a_live_token_opens_scim(client, platform_admin):
    token, key = scim_token_issue(name="Okta", by=platform_admin)
    stored = ScimToken.objects.get(pk=token.pk)
    assert key not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    # a platform admin's browser session is not enough (SCIM views skip CSRF checks)
    client.force_login(platform_admin)
    assert client.get("/scim/v2/Users").status_code == 401
    assert IdentityProvider(client, "not-a-token").call("GET", "Users", expect=401)
    assert IdentityProvider(client, key).call("GET", "Users")["totalResults"] >= 1
    scim_token_revoke(token=token, by=platform_admin)
    refused = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    events = LogEntry.objects.filter(additional_data__event__startswith="scim_").order_by("pk")
    assert [e.additional_data["event"] for e in events] == [
        "scim_token_issued",
        "scim_auth_failed",
        "scim_auth_failed",
        "scim_token_revoked",
        "scim_auth_failed",
    ]


def test_platform_admins_issue_tokens_in_admin_and_with_a_command(client, platform_admin, capsys):
    client.force_login(platform_admin)
    response = client.post(reverse("admin:org_scimtoken_add"), {"name": "Okta"}, follow=True)
    [message] = [str(m) for m in response.context["messages"] if "Copy its key" in str(m)]
    key = message.rsplit(" ", 1)[-1]
    assert IdentityProvider(client, key).call("GET", "ServiceProviderConfig")
    call_command("scim_token_create", "Entra ID", "--by", platform_admin.email)
    printed = capsys.readouterr().out.strip()
    assert IdentityProvider(client, printed).call("GET", "ResourceTypes")
    assert ScimToken.objects.filter(created_by=platform_admin).count() == 2


def test_people_without_the_admin_persona_cannot_issue_tokens(client, manager):
    client.force_login(manager)
    response = client.post(reverse("admin:org_scimtoken_add"), {"name": "Okta"})
    assert response.status_code in (302, 403)
    assert not ScimToken.objects.exists()
