from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .exceptions import CredentialError
from .models import IssuedCredential, StatusList


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(admin.ModelAdmin):
    list_display = ("public_id", "award", "issued_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("public_id", "award__user__email", "award__certification__name")
    readonly_fields = (
        "public_id",
        "award",
        "status_list",
        "status_index",
        "document",
        "issued_at",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
    )
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="Revoke the selected credentials")
    def revoke(self, request: HttpRequest, queryset: QuerySet[IssuedCredential]) -> None:
        done = 0
        for credential in queryset.filter(revoked_at__isnull=True):
            try:
                services.credential_revoke(
                    credential=credential,
                    actor=request.user,
                    reason="Revoked from the admin",
                    request=request,
                )
            except CredentialError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} credential(s) revoked.", messages.SUCCESS)


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ("number", "next_index", "updated_at")
    readonly_fields = ("number", "next_index", "document", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
