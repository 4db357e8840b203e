"""The audit log: one append-only table (django-auditlog's `LogEntry`).

Model changes are recorded by django-auditlog for the models listed in
`AUDITLOG_INCLUDE_TRACKING_MODELS` (settings), with the signed-in actor and client
address taken by its middleware and the before/after of each changed field. Events that
are not a row changing (a failed sign-in, a token issued, a SCIM call) are written here
with `audit_event`, as "access" entries whose `additional_data["event"]` names them.
"""

from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from .models import User


class Event(models.TextChoices):
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    TOKEN_ISSUED = "token_issued", "API token issued"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    USER_DEACTIVATED = "user_deactivated", "User deactivated"
    SCORE_OVERRIDDEN = "score_overridden", "Score overridden"
    SCIM_TOKEN_ISSUED = "scim_token_issued", "SCIM token issued"
    SCIM_TOKEN_REVOKED = "scim_token_revoked", "SCIM token revoked"
    SCIM_REQUEST = "scim_request", "SCIM change request"
    SCIM_AUTH_FAILED = "scim_auth_failed", "SCIM call refused (bad token)"


def _client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_event(
    *,
    event: str,
    actor: User | None,
    target: models.Model | None = None,
    target_repr: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> LogEntry:
    """Record an event that is not a row change. `target` defaults to the actor's row."""
    subject = target if target is not None else actor
    pk = getattr(subject, "pk", None)
    return LogEntry.objects.create(
        # the instance itself, not type(): request.user is a lazy proxy of the user
        content_type=ContentType.objects.get_for_model(subject if subject is not None else User),
        object_pk=str(pk) if pk is not None else "",
        object_id=pk if isinstance(pk, int) else None,
        object_repr=(target_repr or str(subject or ""))[:200],
        action=LogEntry.Action.ACCESS,
        changes={},
        actor=actor if actor is not None and actor.pk else None,
        remote_addr=_client_address(request),
        additional_data={"event": event, **(data or {})},
    )


def on_user_login_failed(sender: Any, credentials: dict, request: HttpRequest | None = None, **_):
    """`user_login_failed` receiver: who tried (the address given), never the password."""
    email = str(credentials.get("username") or credentials.get("email") or "")[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    audit_event(
        event=Event.SIGN_IN_FAILED,
        actor=None,
        target=user,
        target_repr=f"sign-in failed for {email or 'no address'}",
        data={"email": email, "known_account": user is not None},
        request=request,
    )


def audit_change(
    *,
    instance: models.Model,
    changes: dict[str, tuple[Any, Any]],
    actor: User | None = None,
    event: str = "",
    data: dict[str, Any] | None = None,
) -> LogEntry:
    """Record a change made with a queryset `update()` (which django-auditlog cannot see),
    or one that needs its reason kept, as {field: [before, after]} like its own entries;
    `event` and `data` go to `additional_data`, `actor` (else the request's) is who."""
    extra = {**({"event": event} if event else {}), **(data or {})}
    return LogEntry.objects.log_create(
        instance,
        action=LogEntry.Action.UPDATE,
        changes={field: [str(before), str(after)] for field, (before, after) in changes.items()},
        additional_data=extra or None,
        **({"actor": actor, "actor_email": actor.email} if actor is not None else {}),
    )
