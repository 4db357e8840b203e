from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured

from .connectors.secrets import secret_encrypt
from .connectors.services import source_secrets_set, source_sync
from .models import (
    ActionItem,
    ContributingFactor,
    ImportBatch,
    Incident,
    IncidentRevision,
    IncidentSource,
    RejectedRecord,
    Service,
    TimelineEvent,
    TrainingRule,
    TrainingSuggestion,
    WebhookDelivery,
)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "team", "tier", "ai_powered"]
    list_filter = ["tier", "ai_powered", "team"]
    search_fields = ["name", "slug"]


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["external_id", "title", "source", "severity", "team", "started_at", "status"]
    list_filter = ["source", "severity", "status", "ai_related", "failure_mode", "team"]
    search_fields = ["external_id", "title"]
    list_select_related = ["team"]
    date_hierarchy = "started_at"
    raw_id_fields = ["service", "created_batch", "last_batch"]
    readonly_fields = ["raw", "content_hash", "created_at", "updated_at"]
    inlines = [TimelineInline, ActionItemInline]


@admin.register(IncidentRevision)
class IncidentRevisionAdmin(admin.ModelAdmin):
    list_display = ["incident", "batch", "changed_at"]
    raw_id_fields = ["incident", "batch"]


class RejectedInline(admin.TabularInline):
    model = RejectedRecord
    extra = 0
    readonly_fields = ["position", "locator", "raw", "errors"]
    can_delete = False
    max_num = 0


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "created_by",
        "channel",
        "format",
        "source",
        "status",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
    ]
    list_filter = ["status", "format", "channel"]
    readonly_fields = [
        "processed_count",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "total_count",
    ]
    inlines = [RejectedInline]


@admin.register(ContributingFactor)
class ContributingFactorAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name"]


@admin.register(TrainingRule)
class TrainingRuleAdmin(admin.ModelAdmin):
    list_display = ["failure_mode", "factor", "skill", "module", "created_by"]


@admin.register(TrainingSuggestion)
class TrainingSuggestionAdmin(admin.ModelAdmin):
    list_display = ["incident", "skill", "module", "score", "status"]
    list_filter = ["status"]
    raw_id_fields = ["incident"]


class IncidentSourceForm(forms.ModelForm):
    """Secrets are write-only: typed in, stored encrypted, never shown again."""

    token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="The API token (PagerDuty: a REST API key; Opsgenie: an API key with read "
        "access). Leave empty to keep the stored one.",
    )
    webhook_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="The webhook signing secret. Leave empty to keep the stored one.",
    )

    base_url = forms.URLField(
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text="The API's address; empty: the vendor's (https://api.pagerduty.com, "
        "https://api.opsgenie.com; Opsgenie EU: https://api.eu.opsgenie.com).",
    )

    class Meta:
        model = IncidentSource
        fields = ["name", "kind", "team", "base_url", "mapping", "enabled", "first_sync_days"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("token") or cleaned.get("webhook_secret"):
            try:
                secret_encrypt("check")
            except ImproperlyConfigured as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned


@admin.register(IncidentSource)
class IncidentSourceAdmin(admin.ModelAdmin):
    form = IncidentSourceForm
    list_display = [
        "name",
        "kind",
        "team",
        "enabled",
        "last_sync_at",
        "last_status",
        "last_records",
        "has_token",
    ]
    readonly_fields = [
        "cursor",
        "last_sync_at",
        "last_status",
        "last_records",
        "last_error",
        "last_batch",
    ]
    actions = ["sync_now"]

    @admin.display(boolean=True, description="Token stored")
    def has_token(self, obj: IncidentSource) -> bool:
        return bool(obj.token_encrypted)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        source_secrets_set(
            source=obj,
            token=form.cleaned_data.get("token", ""),
            webhook_secret=form.cleaned_data.get("webhook_secret", ""),
        )

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):  # type: ignore[no-untyped-def]
        for source in queryset:
            result = source_sync(source_id=source.pk)
            level = messages.SUCCESS if result.status == "ok" else messages.ERROR
            text = f"{source.name}: {result.records} incidents pulled"
            self.message_user(request, f"{text}; {result.error}" if result.error else text, level)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["source", "event_id", "received_at", "batch"]
    list_filter = ["source"]
