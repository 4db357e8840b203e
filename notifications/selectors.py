from django.db.models import QuerySet

from org.models import User

from .models import Kind, Notification, Preference


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_list(*, user: User, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)[:limit]


def preferences_for(*, user: User) -> list[tuple[str, str, bool, bool]]:
    """(kind, label, e-mail on, in-app on) for every kind, defaults filled in."""
    stored = {p.kind: p for p in Preference.objects.filter(user=user)}
    rows = []
    for kind in Kind:
        p = stored.get(kind.value)
        rows.append((kind.value, kind.label, p.email if p else True, p.in_app if p else True))
    return rows
