"""Django admin for the curriculum: a window for platform admins, not the authoring tool.

Authors edit through the author pages, which keep published versions frozen; here the
version rows are read-only once published.
"""

from django.contrib import admin

from .models import (
    Capstone,
    Certification,
    Lab,
    Module,
    ModuleSkill,
    Pathway,
    PathwayOutcome,
    Role,
    RoleSkill,
    Skill,
    XAPISkillMapping,
)


class RoleSkillInline(admin.TabularInline):
    model = RoleSkill
    extra = 0
    autocomplete_fields = ["skill"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "cluster", "exposure", "influence"]
    search_fields = ["name", "slug"]
    inlines = [RoleSkillInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "pillar", "kind"]
    list_filter = ["pillar", "kind"]
    search_fields = ["name", "slug"]


class OutcomeInline(admin.TabularInline):
    model = PathwayOutcome
    extra = 0


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["order", "slug", "title", "week_start", "week_end", "pillar"]
    show_change_link = True


class FrozenWhenPublished:
    """Published and archived versions are frozen: the admin shows them read-only."""

    def _frozen(self, obj) -> bool:  # type: ignore[no-untyped-def]
        pathway = getattr(obj, "pathway", None) or getattr(
            getattr(obj, "module", None), "pathway", None
        )
        pathway = obj if isinstance(obj, Pathway) else pathway
        return pathway is not None and pathway.status != Pathway.Status.DRAFT

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        if obj is not None and self._frozen(obj):
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        if obj is not None and self._frozen(obj):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


@admin.register(Pathway)
class PathwayAdmin(FrozenWhenPublished, admin.ModelAdmin):
    list_display = ["title", "slug", "version", "status", "kind", "role", "duration_weeks"]
    list_filter = ["status", "kind", "role"]
    search_fields = ["title", "slug"]
    inlines = [OutcomeInline, ModuleInline]


class ModuleSkillInline(admin.TabularInline):
    model = ModuleSkill
    extra = 0
    autocomplete_fields = ["skill"]


class LabInline(admin.StackedInline):
    model = Lab
    extra = 0
    filter_horizontal = ["skills"]


@admin.register(Module)
class ModuleAdmin(FrozenWhenPublished, admin.ModelAdmin):
    list_display = ["title", "pathway", "order", "week_start", "week_end", "pillar"]
    list_filter = ["pillar"]
    search_fields = ["title", "slug", "pathway__slug"]
    inlines = [ModuleSkillInline, LabInline]


@admin.register(Capstone)
class CapstoneAdmin(FrozenWhenPublished, admin.ModelAdmin):
    list_display = ["title", "pathway", "slug"]
    filter_horizontal = ["skills"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "pathway_slug"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["skills"]


@admin.register(XAPISkillMapping)
class XAPISkillMappingAdmin(admin.ModelAdmin):
    list_display = ("verb_id", "activity_pattern", "skill", "level", "created_at")
    list_filter = ("skill",)
    search_fields = ("verb_id", "activity_pattern")
