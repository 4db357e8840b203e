"""Input and output serializers for the curriculum API. Output serializers read prefetched
relations only (`.all()`), so a pathway costs the same queries whatever its size."""

from rest_framework import serializers

from config import text_limits
from pathways.catalogue.schema import SLUG_PATTERN
from pathways.models import (
    Capstone,
    Enrollment,
    Lab,
    Module,
    Pathway,
    PathwayOutcome,
    Pillar,
    Role,
    RoleSkill,
    Skill,
)

# --- output --------------------------------------------------------------------------------


class SkillOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["slug", "name", "pillar", "kind", "description"]


class RoleSkillOutputSerializer(serializers.ModelSerializer):
    skill = serializers.CharField(source="skill.slug")
    skill_name = serializers.CharField(source="skill.name")

    class Meta:
        model = RoleSkill
        fields = [
            "skill",
            "skill_name",
            "criticality",
            "level_junior",
            "level_mid",
            "level_senior",
            "level_principal",
            "min_day30",
            "min_day60",
            "min_day90",
        ]


class LadderStepSerializer(serializers.Serializer):
    career_level = serializers.ChoiceField(choices=["junior", "mid", "senior", "principal"])
    title = serializers.CharField()
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limits.SUMMARY
    )
    expectations = serializers.ListField(child=serializers.CharField(), required=False)


class RoleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["slug", "name", "cluster", "description", "exposure", "influence"]


class RoleDetailOutputSerializer(RoleOutputSerializer):
    career_ladder = LadderStepSerializer(many=True)
    skills = RoleSkillOutputSerializer(source="role_skills", many=True)

    class Meta(RoleOutputSerializer.Meta):
        fields = [*RoleOutputSerializer.Meta.fields, "career_ladder", "skills"]


class ModuleSkillOutputSerializer(serializers.Serializer):
    skill = serializers.CharField(source="skill.slug")
    target_level = serializers.IntegerField()


class LabOutputSerializer(serializers.ModelSerializer):
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    deliverables = serializers.ListField(child=serializers.CharField())
    checklist = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Lab
        fields = [
            "slug",
            "order",
            "title",
            "instructions",
            "deliverables",
            "checklist",
            "artifact_schema",
            "skills",
        ]


class ModuleOutputSerializer(serializers.ModelSerializer):
    objectives = serializers.ListField(child=serializers.CharField())
    skills = ModuleSkillOutputSerializer(source="module_skills", many=True)
    labs = LabOutputSerializer(many=True)

    class Meta:
        model = Module
        fields = [
            "slug",
            "order",
            "title",
            "week_start",
            "week_end",
            "pillar",
            "objectives",
            "content",
            "skills",
            "labs",
        ]


class OutcomeOutputSerializer(serializers.ModelSerializer):
    filters = serializers.DictField(child=serializers.JSONField())

    class Meta:
        model = PathwayOutcome
        fields = [
            "kpi_key",
            "description",
            "target_change_pct",
            "target_value",
            "window_days",
            "filters",
        ]


class RubricLevelSerializer(serializers.Serializer):
    label = serializers.CharField()
    points = serializers.IntegerField()


class RubricCriterionSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    levels = RubricLevelSerializer(many=True)


class CapstoneOutputSerializer(serializers.ModelSerializer):
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    deliverables = serializers.ListField(child=serializers.CharField())
    rubric = RubricCriterionSerializer(many=True)

    class Meta:
        model = Capstone
        fields = ["slug", "title", "brief", "deliverables", "rubric", "skills"]


class PathwayListOutputSerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    module_count = serializers.IntegerField()

    class Meta:
        model = Pathway
        fields = [
            "slug",
            "title",
            "kind",
            "role",
            "duration_weeks",
            "version",
            "status",
            "module_count",
            "primary_goal",
            "summary",
            "published_at",
        ]


class PathwayDetailOutputSerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    module_count = serializers.SerializerMethodField()
    enrolled_version = serializers.SerializerMethodField()
    outcomes = OutcomeOutputSerializer(many=True)
    modules = ModuleOutputSerializer(many=True)
    capstones = CapstoneOutputSerializer(many=True)

    class Meta:
        model = Pathway
        fields = [
            "slug",
            "title",
            "kind",
            "role",
            "duration_weeks",
            "version",
            "status",
            "module_count",
            "primary_goal",
            "summary",
            "change_note",
            "published_at",
            "enrolled_version",
            "outcomes",
            "modules",
            "capstones",
        ]

    def get_module_count(self, obj: Pathway) -> int:
        return len(obj.modules.all())

    def get_enrolled_version(self, obj: Pathway) -> int | None:
        enrollment = self.context.get("enrollment")
        return enrollment.pathway.version if enrollment else None


class EnrollmentOutputSerializer(serializers.ModelSerializer):
    pathway = serializers.CharField(source="pathway_slug")
    version = serializers.IntegerField(source="pathway.version")

    class Meta:
        model = Enrollment
        fields = ["pathway", "version", "status", "enrolled_at", "started_on"]


# --- input ---------------------------------------------------------------------------------


class PathwayCreateInputSerializer(serializers.Serializer):
    slug = serializers.RegexField(SLUG_PATTERN, max_length=80, required=False)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Pathway.Kind.choices, default=Pathway.Kind.TRACK)
    role = serializers.SlugRelatedField(
        slug_field="slug", queryset=Role.objects.all(), required=False, allow_null=True
    )
    duration_weeks = serializers.IntegerField(min_value=1, max_value=52, default=12)
    primary_goal = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.SUMMARY
    )
    summary = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.SUMMARY
    )
    change_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )


class PathwayUpdateInputSerializer(PathwayCreateInputSerializer):
    slug = None  # type: ignore[assignment]
    title = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Pathway.Kind.choices, required=False)
    duration_weeks = serializers.IntegerField(min_value=1, max_value=52, required=False)
    primary_goal = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limits.SUMMARY
    )
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limits.SUMMARY
    )
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ModuleSkillInputSerializer(serializers.Serializer):
    skill = serializers.SlugRelatedField(slug_field="slug", queryset=Skill.objects.all())
    target_level = serializers.IntegerField(min_value=1, max_value=5)


class ModuleInputSerializer(serializers.Serializer):
    slug = serializers.RegexField(SLUG_PATTERN, max_length=80, required=False)
    title = serializers.CharField(max_length=200)
    week_start = serializers.IntegerField(min_value=1)
    week_end = serializers.IntegerField(min_value=1)
    pillar = serializers.ChoiceField(choices=Pillar.choices, required=False, allow_blank=True)
    objectives = serializers.ListField(child=serializers.CharField(), min_length=2)
    content = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.MARKDOWN
    )
    skills = ModuleSkillInputSerializer(many=True, required=False, default=list)


class ModuleOrderInputSerializer(serializers.Serializer):
    slugs = serializers.ListField(child=serializers.CharField())


class LabInputSerializer(serializers.Serializer):
    slug = serializers.RegexField(SLUG_PATTERN, max_length=80, required=False)
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.MARKDOWN
    )
    deliverables = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    checklist = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    artifact_schema = serializers.RegexField(
        SLUG_PATTERN, max_length=64, required=False, help_text="Name of the artifact schema."
    )
    skills = serializers.SlugRelatedField(
        slug_field="slug", queryset=Skill.objects.all(), many=True, required=False, default=list
    )


class RoleInputSerializer(serializers.Serializer):
    slug = serializers.RegexField(SLUG_PATTERN, max_length=64, required=False)
    name = serializers.CharField(max_length=120)
    cluster = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.DESCRIPTION
    )
    exposure = serializers.IntegerField(min_value=1, max_value=5, default=3)
    influence = serializers.IntegerField(min_value=1, max_value=5, default=3)
    career_ladder = LadderStepSerializer(many=True, required=False, default=list)


class SkillInputSerializer(serializers.Serializer):
    slug = serializers.RegexField(SLUG_PATTERN, max_length=80, required=False)
    name = serializers.CharField(max_length=160)
    pillar = serializers.ChoiceField(choices=Pillar.choices)
    kind = serializers.ChoiceField(choices=Skill.Kind.choices, default=Skill.Kind.SKILL)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.DESCRIPTION
    )
