from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import invitations
from .models import Invitation, Membership, PeopleImport, Team, User


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
    actions = ["send_invitation"]

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
