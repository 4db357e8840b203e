from django.contrib import admin

from .models import IncidentRollup, KeyResult, Objective, RollupState


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = [
        "order",
        "description",
        "kpi_key",
        "statistic",
        "scope",
        "filters",
        "unit",
        "baseline_value",
        "target_value",
        "window_days",
        "current_value",
    ]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "starts_on", "deadline"]
    search_fields = ["title"]
    inlines = [KeyResultInline]


@admin.register(IncidentRollup)
class IncidentRollupAdmin(admin.ModelAdmin):
    list_display = ["bucket_key", "slice_start", "incident_count", "computed_at"]
    list_filter = ["severity", "ai_related", "failure_mode"]
    search_fields = ["bucket_key"]
    readonly_fields = [f.name for f in IncidentRollup._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(RollupState)
class RollupStateAdmin(admin.ModelAdmin):
    list_display = ["time_zone", "last_full_at", "last_change_at", "swept_until"]
    readonly_fields = ["time_zone", "last_full_at", "last_change_at", "swept_until"]
