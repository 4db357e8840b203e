"""API tokens (django-rest-knox): made at sign-in, listed and revoked by their owner."""

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

from .audit import Event, audit_event
from .exceptions import OrgError
from .models import User


def token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new token for `user`; the key is returned once and only its digest is stored.

    Refused once the person holds `TOKEN_LIMIT_PER_USER` live tokens (expired ones are
    deleted first), so a leaked password cannot mint tokens without end. The person's
    row is held while tokens are counted and made: sign-ins at once count one by one.
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).exists()
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and AuthToken.objects.filter(user=user).count() >= limit:
            raise OrgError(
                f"You already hold {limit} API tokens: revoke one (GET /api/v1/auth/tokens/) first."
            )
        return AuthToken.objects.create(user=user)


def token_list_for_user(*, user: User) -> QuerySet[AuthToken]:
    return AuthToken.objects.filter(user=user).order_by("-created")


def token_revoke(*, user: User, token_key: str) -> bool:
    """Delete the owner's token(s) whose public prefix is `token_key`; False if none.
    The revocation is in the audit log (the owner revokes their own tokens)."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if deleted:
        audit_event(
            event=Event.TOKEN_REVOKED, actor=user, data={"token_key": token_key, "count": deleted}
        )
    return deleted > 0


def user_tokens_revoke(*, user: User, before: datetime | None = None) -> int:
    """Delete all of `user`'s tokens, or those made before `before`."""
    tokens = AuthToken.objects.filter(user=user)
    if before is not None:
        tokens = tokens.filter(created__lt=before)
    deleted, _ = tokens.delete()
    if deleted:
        audit_event(
            event=Event.TOKEN_REVOKED,
            actor=None,
            target=user,
            data={"count": deleted, "made_before": before.isoformat() if before else None},
        )
    return deleted
