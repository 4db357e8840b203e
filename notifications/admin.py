from django.contrib import admin

from .models import Notification, Preference, SentLog


@admin.register(SentLog)
class SentLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "subject", "period", "emailed_at", "email_error"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__email", "subject"]
    list_select_related = ["user"]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "title"]
    list_select_related = ["user"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email", "in_app"]
    list_filter = ["kind", "email", "in_app"]
    search_fields = ["user__email"]
