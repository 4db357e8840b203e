from django.http import HttpRequest

from . import inbox


def unread(request: HttpRequest) -> dict:
    """The unread count shown in the header (kept with the user: `notifications.inbox`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": inbox.unread_count(request)}
