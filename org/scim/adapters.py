"""People and teams as SCIM Users and Groups (django-scim2 adapters).

A User's `id` is the person's primary key and `userName` their e-mail address; a Group
is a team (`displayName` its name). PATCH operations are read in the shapes Okta and
Microsoft Entra ID send: with or without `path`, `op` in any case, `active` as a boolean
or the string "False", members removed by value list or by `members[value eq "…"]`.
Attributes Trellis does not keep (phone numbers, enterprise extension…) are ignored.
"""

import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django_scim import exceptions
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.constants import SchemaURI
from django_scim.models import SCIMServiceProviderConfig

from .. import services
from ..exceptions import OrgError
from ..models import Membership, Persona, Team, User

MEMBER_FILTER = re.compile(r'^members\[value eq "([^"]+)"\]$', re.IGNORECASE)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise exceptions.BadRequestError(f'"active" must be true or false, not {value!r}.')


def _operations(operations: Any) -> list[tuple[str, str, Any]]:
    """(op, path, value) triples; an operation without a path becomes one per key."""
    if not isinstance(operations, list):
        raise exceptions.BadRequestError("Operations must be a list.")
    out = []
    for operation in operations:
        if not isinstance(operation, dict):
            raise exceptions.BadRequestError("Each operation must be an object.")
        op = str(operation.get("op", "")).lower()
        if op not in {"add", "remove", "replace"}:
            raise exceptions.BadRequestError(f'Unknown PATCH op "{op}".', scim_type="invalidSyntax")
        path, value = operation.get("path"), operation.get("value")
        if path:
            out.append((op, str(path), value))
        elif isinstance(value, dict):
            out.extend((op, str(key), item) for key, item in value.items())
        else:
            raise exceptions.BadRequestError("An operation without a path needs an object value.")
    return out


class ScimUser(SCIMUser):
    id_field = "id"

    def __init__(self, obj: User, request: Any = None) -> None:
        super().__init__(obj, request=request)
        self._was_active = obj.is_active if obj.pk else True
        self._given = self._family = ""

    @property
    def display_name(self) -> str:
        return self.obj.full_name or self.obj.email

    @property
    def groups(self) -> list[dict[str, str]]:
        return [
            {
                "value": str(m.team_id),
                "$ref": ScimTeam(m.team, self.request).location,
                "display": m.team.name,
            }
            for m in self.obj.memberships.all()
        ]

    @property
    def meta(self) -> dict[str, str]:
        return {
            "resourceType": self.resource_type,
            "created": self.obj.date_joined.isoformat(),
            "lastModified": self.obj.date_joined.isoformat(),
            "location": self.location,
        }

    def to_dict(self) -> dict[str, Any]:
        given, _, family = self.obj.full_name.partition(" ")
        return {
            "schemas": [SchemaURI.USER],
            "id": self.id,
            "externalId": self.obj.scim_external_id,
            "userName": self.obj.email,
            "name": {"formatted": self.obj.full_name, "givenName": given, "familyName": family},
            "displayName": self.display_name,
            "emails": [{"value": self.obj.email, "primary": True, "type": "work"}],
            "active": self.obj.is_active,
            "groups": self.groups,
            "meta": self.meta,
        }

    def from_dict(self, d: dict[str, Any]) -> None:
        if "externalId" in d:
            self.obj.scim_external_id = d.get("externalId") or None
        email = d.get("userName") or ""
        if d.get("emails"):
            self.parse_emails(d["emails"])
            email = email if "@" in email else self.obj.email
        self._set_email(email)
        name = d.get("name") or {}
        self._given, self._family = name.get("givenName") or "", name.get("familyName") or ""
        self.obj.full_name = (
            d.get("displayName")
            or name.get("formatted")
            or f"{self._given} {self._family}".strip()
            or self.obj.full_name
        )[:200]
        if d.get("active") is not None:
            self.obj.is_active = _bool(d["active"])

    def _set_email(self, email: str) -> None:
        email = email.strip().lower()
        self.validate_email(email)
        clash = User.objects.filter(email__iexact=email).exclude(pk=self.obj.pk).exists()
        if clash:
            raise exceptions.IntegrityError(
                f"A user with userName {email} already exists.", scim_type="uniqueness"
            )
        self.obj.email = email

    def _apply(self, path: str, value: Any) -> None:
        key = path.lower()
        if key == "active":
            self.obj.is_active = _bool(value)
        elif key == "username":
            self._set_email(str(value))
        elif key == "externalid":
            self.obj.scim_external_id = str(value) if value else None
        elif key in {"displayname", "name.formatted"}:
            self.obj.full_name = str(value or "")[:200]
        elif key in {"name.givenname", "name.familyname"}:
            given, _, family = self.obj.full_name.partition(" ")
            given, family = (value, family) if key.endswith("givenname") else (given, value)
            self.obj.full_name = f"{given or ''} {family or ''}".strip()[:200]
        elif key == "name" and isinstance(value, dict):
            for sub, item in value.items():
                self._apply(f"name.{sub}", item)
        elif key == "emails" or (key.startswith("emails[") and key.endswith(".value")):
            self.parse_emails(value if not isinstance(value, str) else [{"value": value}])
            self._set_email(self.obj.email)

    def handle_operations(self, operations: Any) -> None:
        for op, path, value in _operations(operations):
            if op == "remove":
                continue  # nothing Trellis keeps can be removed from a person
            self._apply(path, value)
        self.save()

    @transaction.atomic
    def save(self) -> None:
        user = self.obj
        if user.pk is None:
            if not user.email:
                raise exceptions.BadRequestError("userName (an e-mail address) is required.")
            user.set_unusable_password()
            user.save()
            services.user_set_personas(user=user, personas=[Persona.LEARNER])
        else:
            active = user.is_active
            user.is_active = self._was_active
            user.save()
            if self._was_active and not active:
                token = getattr(self.request, "scim_token", None)
                services.user_deactivate(
                    user=user, by=None, reason=f"SCIM: {token.name if token else 'provider'}"
                )
            elif active and not self._was_active:
                user.is_active = True
                user.save(update_fields=["is_active"])
        self._was_active = user.is_active

    def delete(self) -> None:
        """Deprovisioning deactivates: the person's history stays."""
        if self.obj.is_active:
            self.obj.is_active = False
            self.save()


class ScimTeam(SCIMGroup):
    id_field = "id"

    @property
    def display_name(self) -> str:
        return self.obj.name

    @property
    def members(self) -> list[dict[str, str]]:
        return [
            {
                "value": str(m.user_id),
                "$ref": ScimUser(m.user, self.request).location,
                "display": m.user.full_name or m.user.email,
            }
            for m in self.obj.memberships.all()
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schemas": [SchemaURI.GROUP],
            "id": self.id,
            "externalId": self.obj.scim_external_id,
            "displayName": self.obj.name,
            "members": self.members,
            "meta": {"resourceType": self.resource_type, "location": self.location},
        }

    def from_dict(self, d: dict[str, Any]) -> None:
        if "externalId" in d:
            self.obj.scim_external_id = d.get("externalId") or None
        name = str(d.get("displayName") or "").strip()
        if not name:
            raise exceptions.BadRequestError("displayName is required.")
        self._rename(name)
        self._members = [m.get("value") for m in d.get("members") or [] if isinstance(m, dict)]

    def _rename(self, name: str) -> None:
        if Team.objects.filter(name__iexact=name).exclude(pk=self.obj.pk).exists():
            raise exceptions.IntegrityError(
                f"A team named {name} already exists.", scim_type="uniqueness"
            )
        self.obj.name = name[:120]
        if not self.obj.slug:
            base = slugify(name)[:70] or "team"
            slug, n = base, 1
            while Team.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            self.obj.slug = slug

    def _users(self, values: list[Any]) -> list[User]:
        ids = {int(v) for v in values if str(v).isdigit()}
        users = list(User.objects.filter(pk__in=ids))
        if len(users) != len({str(v) for v in values}):
            raise exceptions.BadRequestError(
                "A member is not a known user.", scim_type="invalidValue"
            )
        return users

    def _add(self, users: list[User]) -> None:
        have = set(Membership.objects.filter(team=self.obj).values_list("user_id", flat=True))
        for user in users:
            if user.pk not in have:
                try:
                    services.membership_set(
                        user=user, team=self.obj, job_role=settings.TRELLIS_SSO_JOB_ROLE
                    )
                except OrgError as exc:
                    raise exceptions.BadRequestError(str(exc)) from exc

    def _remove(self, users: list[User] | None) -> None:
        memberships = Membership.objects.filter(team=self.obj)
        if users is not None:
            memberships = memberships.filter(user__in=users)
        for membership in memberships:  # one by one, so each removal is audited
            membership.delete()

    @transaction.atomic
    def save(self) -> None:
        self.obj.save()
        members = getattr(self, "_members", None)
        if members is not None:
            self._sync(self._users(members))

    def _sync(self, users: list[User]) -> None:
        keep = {u.pk for u in users}
        for membership in Membership.objects.filter(team=self.obj).exclude(user_id__in=keep):
            membership.delete()
        self._add(users)

    def handle_operations(self, operations: Any) -> None:
        with transaction.atomic():
            for op, path, value in _operations(operations):
                key = path.lower()
                match = MEMBER_FILTER.match(path)
                if match and op == "remove":
                    self._remove(self._users([match.group(1)]))
                elif key == "members":
                    values = [m.get("value") for m in value or [] if isinstance(m, dict)]
                    if op == "add":
                        self._add(self._users(values))
                    elif op == "remove":
                        self._remove(self._users(values) if value else None)
                    else:
                        self._sync(self._users(values))
                elif key == "displayname" and op != "remove":
                    self._rename(str(value or "").strip() or self.obj.name)
                elif key == "externalid":
                    keep = op != "remove" and value
                    self.obj.scim_external_id = str(value) if keep else None
                elif key == "id":
                    continue  # Okta repeats the id in a rename; it cannot change
            self.obj.save()

    def delete(self) -> None:
        """The team stays (its cohorts and history need it); its members and link go."""
        with transaction.atomic():
            self._remove(None)
            self.obj.scim_external_id = None
            self.obj.save(update_fields=["scim_external_id"])


class ServiceProviderConfig(SCIMServiceProviderConfig):
    def to_dict(self) -> dict[str, Any]:
        config = super().to_dict()
        config["filter"] = {"supported": True, "maxResults": 200}
        config["changePassword"] = {"supported": False}
        config["documentationUri"] = None
        return config


def queryset_post_processor(model: Any):  # type: ignore[no-untyped-def]
    """Lists read members and teams in two queries whatever their length."""
    related = {User: "memberships__team", Team: "memberships__user"}.get(model)

    def process(request: Any, queryset: Any) -> Any:
        return queryset.prefetch_related(related) if related else queryset

    return process


def location_base(request: Any = None, *args: Any, **kwargs: Any) -> str:
    return settings.TRELLIS_BASE_URL.rstrip("/")
