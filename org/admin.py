import csv
import json

from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from . import access, invitations, services
from .audit import Event
from .models import Invitation, Membership, PeopleImport, ScimToken, Team, User
from .scim import tokens as scim_tokens


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    actions = ["send_invitation", "deactivate"]

    @admin.action(description="Deactivate: end their sessions and revoke their API tokens")
    def deactivate(self, request, queryset):  # type: ignore[no-untyped-def]
        for user in queryset.filter(is_active=True):
            services.user_deactivate(user=user, by=request.user, reason="Django admin")
        self.message_user(request, "Deactivated; their history is kept.", messages.SUCCESS)

    @admin.action(description="Send (again) an invitation with a set-password link")
    def send_invitation(self, request, queryset):  # type: ignore[no-untyped-def]
        sent = invitations.invitations_send(
            user_ids=queryset.values_list("pk", flat=True), sent_by=request.user
        )
        self.message_user(request, f"{sent} invitation(s) sent.", messages.SUCCESS)

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["managers"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "job_role", "career_level"]
    list_filter = ["team", "career_level", "job_role"]
    search_fields = ["user__email", "user__full_name", "job_role"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]


@admin.register(PeopleImport)
class PeopleImportAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "created_by", "created_at", "created_count", "updated_count"]
    readonly_fields = ["created_at", "finished_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "sent_at", "sent_by", "accepted_at"]
    list_filter = ["sent_at", "accepted_at"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "sent_by"]
    readonly_fields = ["user", "sent_by", "sent_at", "accepted_at"]


@admin.register(ScimToken)
class ScimTokenAdmin(admin.ModelAdmin):
    """Platform admins issue and revoke the tokens identity providers call /scim/v2/ with.
    The key is shown once, when the token is made; only its digest is stored."""

    list_display = ["name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    fields = ["name"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def _is_admin(self, request) -> bool:  # type: ignore[no-untyped-def]
        return access.is_admin(request.user)

    def has_module_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return self._is_admin(request)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["name"] if obj is None else ["name", *self.readonly_fields]

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        token, key = scim_tokens.scim_token_issue(name=obj.name, by=request.user)
        obj.pk = token.pk
        self.message_user(
            request,
            f"SCIM token “{token.name}” made. Copy its key now; it is not shown again: {key}",
            messages.WARNING,
        )

    def get_actions(self, request):  # type: ignore[no-untyped-def]
        actions = super().get_actions(request)
        return actions if self._is_admin(request) else {}

    @admin.action(description="Revoke: the identity provider can no longer call SCIM with it")
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        revoked = sum(scim_tokens.scim_token_revoke(token=t, by=request.user) for t in queryset)
        self.message_user(request, f"{revoked} SCIM token(s) revoked.", messages.SUCCESS)


# --- audit log ---------------------------------------------------------------------

admin.site.unregister(LogEntry)


class EventFilter(admin.SimpleListFilter):
    title = "event"
    parameter_name = "event"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [*Event.choices, ("change", "Row created, changed or deleted")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "change":
            return queryset.exclude(action=LogEntry.Action.ACCESS)
        if self.value():
            return queryset.filter(additional_data__event=self.value())
        return queryset


@admin.register(LogEntry)
class AuditLogAdmin(LogEntryAdmin):
    """Read-only for platform admins: filters, search and a CSV of the filtered list."""

    change_list_template = "admin/org/audit_change_list.html"
    list_display = ["created", "event", "resource_url", "action", "msg_short", "user_url"]
    list_filter = [
        EventFilter,
        "action",
        ResourceTypeFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        "timestamp",
    ]
    search_fields = ["object_repr", "changes", "actor__email", "actor__full_name"]

    @admin.display(description="Event")
    def event(self, obj: LogEntry) -> str:
        if obj.action != LogEntry.Action.ACCESS:
            return "change"
        return (obj.additional_data or {}).get("event", "access")

    def has_view_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return access.is_admin(request.user)

    def has_module_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return access.is_admin(request.user)

    def get_urls(self):  # type: ignore[no-untyped-def]
        own = [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_csv),
                name="auditlog_logentry_export",
            )
        ]
        return own + super().get_urls()

    def export_csv(self, request: HttpRequest) -> HttpResponse:
        """The entries the change list shows for the same filters and search, all pages."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).get_queryset(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="trellis-audit-log.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "timestamp",
                "event",
                "action",
                "object type",
                "object id",
                "object",
                "actor",
                "client address",
                "changes (field: [before, after])",
                "details",
            ]
        )
        for entry in queryset.select_related("content_type", "actor").iterator(chunk_size=2000):
            writer.writerow(
                [
                    entry.timestamp.isoformat(),
                    self.event(entry),
                    entry.get_action_display(),
                    f"{entry.content_type.app_label}.{entry.content_type.model}",
                    entry.object_pk,
                    entry.object_repr,
                    entry.actor.email if entry.actor else entry.actor_email or "",
                    entry.remote_addr or "",
                    json.dumps(entry.changes or {}, ensure_ascii=False, sort_keys=True),
                    json.dumps(entry.additional_data or {}, ensure_ascii=False, sort_keys=True),
                ]
            )
        return response
