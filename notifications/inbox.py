"""The unread count in the header, kept with the signed-in user (`org.principal`) under
their `inbox:<id>` stamp, which every write to their notifications replaces: saves and
deletes through signals (connected in `NotificationsConfig.ready`), updates through
`inbox_changed`."""

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from config import stamps
from org import principal

from . import selectors

UNREAD = "unread"


def unread_count(request: HttpRequest) -> int:
    user = request.user  # type: ignore[attr-defined]
    return principal.part(
        request, UNREAD, stamps.inbox(user.pk), lambda: selectors.unread_count(user=user)
    )


def request_stamps(user_id: int) -> list[str]:
    return [stamps.inbox(user_id)]


def inbox_changed(user_ids: Iterable[int | None]) -> None:
    """For writes to notifications that send no signals (`QuerySet.update`)."""
    stamps.bump(*(stamps.inbox(u) for u in set(user_ids) if u is not None))


def on_notification(sender: Any, instance: Any, **kwargs: Any) -> None:
    inbox_changed([instance.user_id])
