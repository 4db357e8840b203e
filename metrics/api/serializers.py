"""HTTP shapes of the metrics API (documentation and output; inputs are query strings)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A number passed through as it is (exact integers stay integers); null allowed."""

    def to_representation(self, value):  # type: ignore[no-untyped-def]
        return value


class RenamedFieldsMixin:
    """Lets a field named e.g. `date_from` appear as `from` (a Python keyword)."""

    renamed: dict[str, str] = {}

    def get_fields(self):  # type: ignore[no-untyped-def]
        fields = super().get_fields()  # type: ignore[misc]
        for attr, name in self.renamed.items():
            fields[name] = fields.pop(attr)
        return fields


class DurationSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Incidents with both timestamps.")
    excluded = serializers.IntegerField(help_text="Incidents in scope missing a timestamp.")
    median = NumberField(allow_null=True, help_text="Seconds; interpolated median.")
    p90 = NumberField(allow_null=True, help_text="Seconds; interpolated 90th percentile.")
    mean = NumberField(allow_null=True, help_text="Seconds, rounded to the microsecond.")
    small_sample = serializers.BooleanField(help_text="n below 5.")


class RateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    n = serializers.IntegerField()
    rate = NumberField(allow_null=True, help_text="count ÷ n, four decimals.")
    small_sample = serializers.BooleanField()


class CleanupSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Incidents that recorded cleanup hours.")
    excluded = serializers.IntegerField()
    total = NumberField(help_text="Hours.")
    per_incident = NumberField(allow_null=True, help_text="Hours per incident that recorded it.")
    small_sample = serializers.BooleanField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="Last day of the period (inclusive).")
    incident_count = serializers.IntegerField()
    mttd = DurationSerializer()
    mtta = DurationSerializer()
    mttm = DurationSerializer()
    mttr = DurationSerializer()
    rollback_rate = RateSerializer()
    cleanup_hours = CleanupSerializer()
    governance_review_coverage = RateSerializer(
        help_text="High-risk (SEV1/SEV2) AI-related incidents reviewed ÷ all of them."
    )


class MethodSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_timestamp = serializers.CharField(
        help_text="The timestamp that puts an incident in a period."
    )
    periods = serializers.CharField()
    time_zone = serializers.CharField()
    unit = serializers.CharField()
    median = serializers.CharField()
    p90 = serializers.CharField()
    mean = serializers.CharField()
    percentiles = serializers.CharField()
    exclusions = serializers.CharField()
    small_sample_below = serializers.IntegerField()
    source = serializers.CharField()
    rolled_up_at = serializers.DateTimeField(allow_null=True)
    last_full_recompute_at = serializers.DateTimeField(allow_null=True)
    buckets_pending = serializers.IntegerField()


class KpiSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.ChoiceField(choices=["lower", "higher"])
    family = serializers.ChoiceField(choices=["incident", "training", "external"])
    definition = serializers.CharField()
    method = serializers.CharField()
    owner = serializers.CharField()
    target = serializers.CharField()
    review = serializers.CharField()


class ObservationInSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    value = serializers.FloatField()


class ObservationPushSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=120)
    team = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=50, help_text="A team slug."
    )
    observations = ObservationInSerializer(many=True, allow_empty=False, max_length=10_000)


class ObservationPushResultSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    received = serializers.IntegerField()
    stored = serializers.IntegerField()


class ObservationOutSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="observed_at")
    value = serializers.FloatField()
    source = serializers.CharField()
    team = serializers.SlugField(source="team.slug", allow_null=True, default=None)


class ScopeSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class IncidentReportSerializer(RenamedFieldsMixin, serializers.Serializer):
    renamed = {"date_from": "from", "date_to": "to"}

    scope = ScopeSerializer()
    period = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    filters = serializers.JSONField()
    method = MethodSerializer()
    kpis = KpiSerializer(many=True)
    periods = PeriodSerializer(many=True)
    total = PeriodSerializer()
    undated_incidents = serializers.IntegerField()


class DidSerializer(serializers.Serializer):
    statistic = serializers.CharField()
    treated_before = NumberField(allow_null=True)
    treated_after = NumberField(allow_null=True)
    control_before = NumberField(allow_null=True)
    control_after = NumberField(allow_null=True)
    n = serializers.ListField(
        child=serializers.IntegerField(), help_text="Treated before/after, others before/after."
    )
    estimate = NumberField(allow_null=True)
    ci_low = NumberField(allow_null=True)
    ci_high = NumberField(allow_null=True)
    confidence = NumberField()
    resamples = serializers.IntegerField()
    seed = serializers.IntegerField()
    small_sample = serializers.BooleanField()
    covers_zero = serializers.BooleanField(allow_null=True)


class ImpactRowSerializer(serializers.Serializer):
    kpi_key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    measure = serializers.CharField()
    improved = serializers.BooleanField(allow_null=True)
    did = DidSerializer()


class ImpactSerializer(serializers.Serializer):
    teams = serializers.ListField(child=serializers.CharField())
    start = serializers.DateField()
    window_weeks = serializers.IntegerField()
    before = serializers.ListField(
        child=serializers.DateField(), help_text="[first day, first day after]"
    )
    after = serializers.ListField(child=serializers.DateField())
    after_weeks_observed = serializers.IntegerField()
    control_team_count = serializers.IntegerField()
    rows = ImpactRowSerializer(many=True)
    plain_words = serializers.DictField(child=serializers.CharField())


class IntervalSerializer(serializers.Serializer):
    estimate = NumberField(allow_null=True)
    low = NumberField(allow_null=True)
    high = NumberField(allow_null=True)
    se = NumberField(allow_null=True, help_text="Bootstrap standard error.")
    covers_zero = serializers.BooleanField(allow_null=True)


class EventPointSerializer(serializers.Serializer):
    week = serializers.IntegerField(help_text="Weeks from the start (0 = the start week).")
    teams = serializers.IntegerField()
    interval = IntervalSerializer()


class CohortEffectSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="Monday of the cohorts' start week.")
    teams = serializers.IntegerField()
    interval = IntervalSerializer()


class StaggeredSerializer(serializers.Serializer):
    overall = IntervalSerializer()
    cohorts = CohortEffectSerializer(many=True)
    event_study = EventPointSerializer(many=True)
    treated_teams = serializers.IntegerField()
    control_teams = serializers.IntegerField(help_text="Never trained.")
    df = serializers.IntegerField(help_text="Degrees of freedom of the t intervals.")
    baseline = NumberField(allow_null=True)
    confidence = NumberField()
    resamples = serializers.IntegerField()
    mde = NumberField(allow_null=True, help_text="Minimum detectable effect, 80 % power.")
    mde_share = NumberField(allow_null=True, help_text="The same, as a share of the baseline.")


class KpiImpactSerializer(serializers.Serializer):
    kpi_key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    measure = serializers.CharField()
    improved = serializers.BooleanField(allow_null=True)
    mde_words = serializers.CharField()
    result = StaggeredSerializer()
    placebo = StaggeredSerializer()


class StaggeredImpactSerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DateField(), help_text="Week starts.")
    window_weeks = serializers.IntegerField()
    cohort_starts = serializers.ListField(child=serializers.DateField())
    treated_team_count = serializers.IntegerField()
    control_team_count = serializers.IntegerField()
    rows = KpiImpactSerializer(many=True)
    plain_words = serializers.DictField(child=serializers.CharField())


class KeyResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    kpi_key = serializers.CharField(allow_blank=True)
    statistic = serializers.CharField()
    scope = serializers.CharField()
    filters = serializers.JSONField()
    unit = serializers.CharField(allow_blank=True)
    baseline_value = serializers.DecimalField(
        max_digits=18, decimal_places=6, coerce_to_string=False
    )
    target_value = serializers.DecimalField(max_digits=18, decimal_places=6, coerce_to_string=False)
    current_value = serializers.DecimalField(
        max_digits=18, decimal_places=6, coerce_to_string=False, allow_null=True
    )
    current_n = serializers.IntegerField(allow_null=True)
    window_days = serializers.IntegerField()
    measured_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.IntegerField(
        allow_null=True, help_text="0–100 % from baseline to target."
    )


class ObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    owner = serializers.CharField(allow_blank=True)
    starts_on = serializers.DateField()
    deadline = serializers.DateField()
    key_results = KeyResultSerializer(many=True, source="key_results.all")


class TrainingKpiSerializer(serializers.Serializer):
    key = serializers.CharField(source="kpi.key")
    name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    direction = serializers.CharField(source="kpi.direction")
    value = NumberField(allow_null=True)
    n = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    detail = serializers.JSONField(help_text="The figures behind the value, by name.")


class PhaseProgressSerializer(serializers.Serializer):
    phase = serializers.IntegerField()
    title = serializers.CharField()
    days = serializers.CharField()
    items_due = serializers.IntegerField()
    items_done = serializers.IntegerField()
    done_share = NumberField(allow_null=True)
    learners = serializers.IntegerField()
    learners_finished = serializers.IntegerField()
    finished_share = NumberField(allow_null=True)
    started = serializers.BooleanField()


class RoleCompletionSerializer(serializers.Serializer):
    role = serializers.CharField()
    learners = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_share = NumberField(allow_null=True)
    mean_completion_pct = NumberField(allow_null=True)
    status_counts = serializers.DictField(child=serializers.IntegerField())


class AtRiskSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField(allow_blank=True)
    completion = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())


class CohortTrainingSerializer(serializers.Serializer):
    cohort = serializers.DictField()
    computed_at = serializers.DateTimeField(allow_null=True)
    day = serializers.IntegerField(allow_null=True)
    learners = serializers.IntegerField()
    status_counts = serializers.DictField(child=serializers.IntegerField())
    phases = PhaseProgressSerializer(many=True)
    roles = RoleCompletionSerializer(many=True)
    heatmap = serializers.JSONField()
    kpis = TrainingKpiSerializer(many=True)
    at_risk_total = serializers.IntegerField()
    at_risk = AtRiskSerializer(many=True, help_text="Those the caller may see by name.")


class OutcomeMeasureSerializer(serializers.Serializer):
    pathway = serializers.CharField()
    kpi_key = serializers.CharField()
    kpi_name = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    statistic = serializers.CharField(
        help_text="`median` (durations), `value`, or `per <n> days` for counts and totals: "
        "baseline and current are each given per the outcome's window of n days."
    )
    baseline = serializers.CharField(allow_null=True, help_text="A decimal, as text.")
    baseline_n = serializers.IntegerField()
    baseline_from = serializers.DateField()
    baseline_to = serializers.DateField()
    current = serializers.CharField(allow_null=True, help_text="A decimal, as text.")
    current_n = serializers.IntegerField()
    current_from = serializers.DateField()
    current_to = serializers.DateField()
    target = serializers.CharField(allow_null=True, help_text="A decimal, as text.")
    progress = serializers.IntegerField(allow_null=True, help_text="Percent of the way.")
    small_sample = serializers.BooleanField()
    method = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class CohortOutcomesSerializer(serializers.Serializer):
    cohort = serializers.IntegerField()
    teams = serializers.JSONField(help_text="The teams measured (as the caller may see them).")
    stored = serializers.BooleanField(
        help_text="True: figures the worker stored when rollups last changed; "
        "false: computed for this request (none stored fit these teams yet)."
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the worker measured the stored figures."
    )
    outcomes = OutcomeMeasureSerializer(many=True)
