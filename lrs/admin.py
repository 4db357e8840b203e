from django.contrib import admin

from .models import Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "created_at", "revoked_at")
    readonly_fields = ("key", "secret_sha256", "created_at")
    search_fields = ("name", "key")
