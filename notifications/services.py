"""Sending notifications: at most once per (person, kind, subject, period), in the app
and by e-mail as each person prefers. Callers decide what to say; this module delivers."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from config.mail import absolute_url, email_send
from org.models import User

from .inbox import inbox_changed
from .models import Kind, Notification, Preference, SentLog

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Message:
    """What a notification says. `url` is a path inside Trellis."""

    title: str
    lines: Sequence[str] = field(default_factory=tuple)
    url: str = ""
    action: str = "Open Trellis"


def preference_for(*, user: User, kind: str) -> Preference:
    """The stored preference, or the default (both channels on) unsaved."""
    return Preference.objects.filter(user=user, kind=kind).first() or Preference(
        user=user, kind=kind
    )


def preference_set(*, user: User, kind: str, email: bool, in_app: bool) -> Preference:
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    preference, _ = Preference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": email, "in_app": in_app}
    )
    return preference


def unsubscribe_token(*, user: User, kind: str) -> str:
    return signing.dumps([user.pk, kind], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a genuine unsubscribe token, else None."""
    try:
        user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind not in Kind.values:
        return None
    return int(user_id), kind


def unsubscribe(*, token: str) -> Preference | None:
    """Turn off e-mail of one kind for the person the token names (one-click)."""
    found = unsubscribe_read(token)
    if found is None:
        return None
    user_id, kind = found
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    current = preference_for(user=user, kind=kind)
    return preference_set(user=user, kind=kind, email=False, in_app=current.in_app)


def notify(*, user: User, kind: str, subject: str, period: str = "", message: Message) -> bool:
    """Send `message` to `user` unless this (user, kind, subject, period) was sent before.

    Returns whether it was sent now. The sent-log row and the in-app entry are written
    together; the e-mail goes once the surrounding transaction commits, and a failure
    to send it is recorded on the sent-log row, not retried (at most once).
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if not user.is_active:
        return False
    preference = preference_for(user=user, kind=kind)
    try:
        with transaction.atomic():
            log = SentLog.objects.create(user=user, kind=kind, subject=subject, period=period)
            if preference.in_app:
                Notification.objects.create(
                    user=user,
                    kind=kind,
                    title=message.title,
                    body="\n".join(message.lines),
                    url=message.url,
                )
    except IntegrityError:
        return False
    if preference.email and user.email:
        transaction.on_commit(lambda: _email(log_id=log.pk, user=user, kind=kind, message=message))
    return True


def _email(*, log_id: int, user: User, kind: str, message: Message) -> None:
    unsubscribe_url = absolute_url(
        reverse("notifications:unsubscribe", args=[unsubscribe_token(user=user, kind=kind)])
    )
    try:
        email_send(
            to=user.email,
            subject=message.title,
            template="notifications/email/notice",
            context={
                "user": user,
                "message": message,
                "kind_label": Kind(kind).label,
                "action_url": absolute_url(message.url) if message.url else "",
            },
            unsubscribe_url=unsubscribe_url,
        )
    except Exception as exc:  # SMTP and socket errors vary; the log row says which
        logger.warning("notification %s not e-mailed to %s: %s", log_id, user.email, exc)
        SentLog.objects.filter(pk=log_id).update(email_error=f"{type(exc).__name__}: {exc}"[:300])
        return
    SentLog.objects.filter(pk=log_id).update(emailed_at=timezone.now())


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or those in `ids`) read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=timezone.now())
    if marked:
        inbox_changed([user.pk])  # an update sends no signals
    return marked


def nudge_send(
    *, sender: User, recipient: User, url: str = "", note: str = "", period: str | None = None
) -> bool:
    """A manager's nudge from the at-risk list: at most one per sender, recipient and day
    (or `period`). The caller checks that `sender` may see `recipient`
    (org.access.can_view_person); the nudge view does."""
    lines = [f"{sender.get_full_name()} sent you a reminder to keep going with your pathway."]
    if note:
        lines.append(note[:500])
    return notify(
        user=recipient,
        kind=Kind.NUDGE,
        subject=f"from:{sender.pk}",
        period=period if period is not None else timezone.localdate().isoformat(),
        message=Message(
            title=f"A nudge from {sender.get_full_name()}",
            lines=lines,
            url=url,
            action="Open My learning",
        ),
    )
