from django.contrib import admin

from .models import (
    ActionItem,
    ContributingFactor,
    ImportBatch,
    Incident,
    IncidentRevision,
    RejectedRecord,
    Service,
    TimelineEvent,
    TrainingRule,
    TrainingSuggestion,
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
