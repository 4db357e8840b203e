from rest_framework import serializers

from incidents.models import (
    ActionItem,
    ImportBatch,
    Incident,
    RejectedRecord,
    TimelineEvent,
)

MAX_RECORDS = 100_000


class ImportInputSerializer(serializers.Serializer):
    """A batch of records. Records are validated one by one by the import task, so a
    bad record is kept with its errors instead of failing the whole request."""

    format = serializers.ChoiceField(choices=ImportBatch.Format.choices, default="json")
    source = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    timezone = serializers.CharField(required=False, max_length=64, default="UTC")
    mapping = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    records = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        allow_empty=False,
        max_length=MAX_RECORDS,
        help_text="JSON records: native, PagerDuty or Opsgenie incidents, or mapped records.",
    )
    content = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="The file's text instead of `records` (CSV, JSON Lines, Markdown, …).",
    )
    name = serializers.CharField(required=False, max_length=255, default="api")

    def validate(self, attrs: dict) -> dict:
        if ("records" in attrs) == ("content" in attrs):
            raise serializers.ValidationError("Send either `records` or `content`.")
        return attrs


class ImportAcceptedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = ["id", "status", "format", "source", "url"]

    def get_url(self, obj: ImportBatch) -> str:
        return f"/api/v1/import-batches/{obj.pk}/"


class RejectedRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = RejectedRecord
        fields = ["position", "locator", "raw", "errors"]


class ImportBatchSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    rejected = serializers.SerializerMethodField(
        help_text="The first 100 rejected records; all of them at rejected_url."
    )
    rejected_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "status",
            "format",
            "source",
            "channel",
            "timezone",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "total_count",
            "processed_count",
            "progress_percent",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rejected_count",
            "error",
            "rejected",
            "rejected_url",
        ]

    def get_rejected(self, obj: ImportBatch) -> list[dict]:
        records = obj.rejected.order_by("position")[:100]
        return RejectedRecordSerializer(records, many=True).data

    def get_rejected_url(self, obj: ImportBatch) -> str:
        return f"/api/v1/import-batches/{obj.pk}/rejected/"


class IncidentListSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    ttd_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    tta_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    ttm_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    ttr_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    recovery_seconds = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "source",
            "external_id",
            "title",
            "severity",
            "severity_original",
            "status",
            "team",
            "service",
            "started_at",
            "detected_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
            "ttd_seconds",
            "tta_seconds",
            "ttm_seconds",
            "ttr_seconds",
            "recovery_seconds",
            "ai_related",
            "failure_mode",
            "rolled_back",
            "cleanup_hours",
            "updated_at",
        ]


class TimelineEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEvent
        fields = ["at", "kind", "description"]


class ActionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["kind", "title", "owner", "due", "status", "url"]


class IncidentDetailSerializer(IncidentListSerializer):
    contributing_factors = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    timeline = TimelineEventSerializer(many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta(IncidentListSerializer.Meta):
        fields = [
            *IncidentListSerializer.Meta.fields,
            "summary",
            "url",
            "detection_method",
            "deployment_ref",
            "customer_impact",
            "trigger",
            "root_causes",
            "resolution",
            "lessons_went_well",
            "lessons_went_wrong",
            "lessons_got_lucky",
            "contributing_factors",
            "timeline",
            "action_items",
            "raw",
        ]
