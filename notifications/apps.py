from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from org import principal

        from . import inbox
        from .models import Notification

        post_save.connect(inbox.on_notification, sender=Notification, dispatch_uid="inbox.save")
        post_delete.connect(inbox.on_notification, sender=Notification, dispatch_uid="inbox.del")
        # The unread count is kept with the signed-in user (org.principal).
        if inbox.UNREAD not in principal.PARTS:
            principal.PARTS.append(inbox.UNREAD)
            principal.REQUEST_STAMPS.append(inbox.request_stamps)
