"""SCIM bearer tokens: issued by platform admins, stored as SHA-256 digests."""

import hashlib
import secrets

from django.utils import timezone

from ..audit import Event, audit_event
from ..exceptions import OrgError
from ..models import ScimToken, User


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def scim_token_issue(*, name: str, by: User | None) -> tuple[ScimToken, str]:
    """A new token named `name`; the key is returned once, only its digest is kept."""
    name = name.strip()
    if not name:
        raise OrgError("A SCIM token needs a name (which identity provider uses it).")
    key = secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        name=name[:100], digest=_digest(key), prefix=key[:8], created_by=by
    )
    audit_event(
        event=Event.SCIM_TOKEN_ISSUED,
        actor=by,
        target=token,
        data={"name": token.name, "prefix": token.prefix},
    )
    return token, key


def scim_token_revoke(*, token: ScimToken, by: User | None) -> bool:
    """Stop `token` working; False if it was already revoked."""
    revoked = ScimToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_event(
            event=Event.SCIM_TOKEN_REVOKED,
            actor=by,
            target=token,
            data={"name": token.name, "prefix": token.prefix},
        )
    return bool(revoked)


def scim_token_authenticate(key: str) -> ScimToken | None:
    """The live token whose key this is (and note its use), else None."""
    if not key:
        return None
    token = ScimToken.objects.filter(digest=_digest(key), revoked_at__isnull=True).first()
    if token is not None:
        now = timezone.now()
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
