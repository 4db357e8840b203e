from django.http import HttpRequest

from . import selectors


def unread(request: HttpRequest) -> dict:
    """The unread count shown in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": selectors.unread_count(user=user)}
