"""Rollups of incidents, the bookkeeping that keeps them current, and OKRs.

A rollup bucket is (team, service, slice, severity, AI-related, failure mode), where
a slice is an ISO week cut at month boundaries (see `compute.slice_start`), in the
display time zone, by the incident's `started_at`. Each bucket keeps counts, sums
and the ascending list of every lifecycle duration, so any union of buckets gives
exact medians and p90s without reading incidents.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from config import text_limits
from incidents.models import Service
from org.models import Team

DURATION_PREFIXES = ("ttd", "tta", "ttm", "ttr")


class IncidentRollup(models.Model):
    # Indexes are few on purpose (every one is paid for on each rebuild): the key's
    # uniqueness is a constraint (no extra pattern index) and the foreign keys have
    # none of their own; team dashboards use (team, slice_start). On PostgreSQL the
    # bucket keys of the rollup, map and dirty tables compare bytewise (COLLATE "C",
    # migration 0008): they are machine strings, and every probe, join and sort on them
    # is cheaper than under a language collation.
    bucket_key = models.CharField(max_length=120)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    slice_start = models.DateField(
        null=True, blank=True, help_text="First day of the slice; empty: no started_at."
    )
    week_start = models.DateField(null=True, blank=True)
    month_start = models.DateField(null=True, blank=True)
    severity = models.CharField(max_length=4, blank=True)
    ai_related = models.BooleanField(default=False)
    failure_mode = models.CharField(max_length=24, blank=True)

    incident_count = models.PositiveIntegerField(default=0)
    rolled_back_count = models.PositiveIntegerField(default=0)
    reviewed_count = models.PositiveIntegerField(
        default=0, help_text="Incidents with contributing factors and a prevent/process action."
    )
    cleanup_n = models.PositiveIntegerField(default=0)
    cleanup_centi = models.BigIntegerField(default=0, help_text="Sum of cleanup hours × 100.")
    cleanup_values = models.TextField(blank=True, help_text="Ascending cleanup hours × 100.")
    ttd_n = models.PositiveIntegerField(default=0)
    ttd_sum_us = models.BigIntegerField(default=0)
    ttd_values = models.TextField(blank=True, help_text="Ascending microseconds, comma-separated.")
    tta_n = models.PositiveIntegerField(default=0)
    tta_sum_us = models.BigIntegerField(default=0)
    tta_values = models.TextField(blank=True)
    ttm_n = models.PositiveIntegerField(default=0)
    ttm_sum_us = models.BigIntegerField(default=0)
    ttm_values = models.TextField(blank=True)
    ttr_n = models.PositiveIntegerField(default=0)
    ttr_sum_us = models.BigIntegerField(default=0)
    ttr_values = models.TextField(blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["slice_start", "bucket_key"]
        indexes = [models.Index(fields=["team", "slice_start"])]
        constraints = [
            models.UniqueConstraint(fields=["bucket_key"], name="metrics_rollup_bucket_unique"),
            models.CheckConstraint(
                condition=Q(rolled_back_count__lte=models.F("incident_count"))
                & Q(cleanup_n__lte=models.F("incident_count"))
                & Q(ttd_n__lte=models.F("incident_count"))
                & Q(tta_n__lte=models.F("incident_count"))
                & Q(ttm_n__lte=models.F("incident_count"))
                & Q(ttr_n__lte=models.F("incident_count")),
                name="metrics_rollup_samples_within_count",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bucket_key}: {self.incident_count} incidents"


class RolledIncident(models.Model):
    """What each incident contributes to its bucket, as last noted: the bucket (so a
    change can clear the old one), a fingerprint of the values, and the values
    themselves, so a bucket is recomputed from these rows without reading incidents.

    No foreign key: the row must outlive a deleted incident until its bucket is
    recomputed.
    """

    incident_id = models.BigIntegerField(primary_key=True)
    bucket_key = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=32, help_text="Hash of every value rolled up.")
    team_id = models.BigIntegerField(null=True, blank=True)
    service_id = models.BigIntegerField(null=True, blank=True)
    slice_start = models.DateField(null=True, blank=True)
    severity = models.CharField(max_length=4, blank=True)
    ai_related = models.BooleanField(default=False)
    failure_mode = models.CharField(max_length=24, blank=True)
    ttd = models.BigIntegerField(null=True, blank=True, help_text="Microseconds.")
    tta = models.BigIntegerField(null=True, blank=True)
    ttm = models.BigIntegerField(null=True, blank=True)
    ttr = models.BigIntegerField(null=True, blank=True)
    rolled_back = models.BooleanField(default=False)
    cleanup_centi = models.BigIntegerField(null=True, blank=True)
    reviewed = models.BooleanField(default=False)

    # No index on bucket_key: every new incident would pay for one (a random insert
    # into a tree as large as the map), while only recomputing a drifted bucket reads
    # the map by bucket, and that rare path can afford a scan (migration 0008).

    def __str__(self) -> str:
        return f"incident {self.incident_id} in {self.bucket_key}"


class DirtyBucket(models.Model):
    """A bucket to recompute; its row goes once the bucket has been recomputed."""

    bucket_key = models.CharField(max_length=120)
    marked_at = models.DateTimeField()

    class Meta:
        # No index on marked_at: the table holds one batch's worth of keys at most, and
        # every index is written twice per bucket (marked, then cleared).
        constraints = [
            models.UniqueConstraint(fields=["bucket_key"], name="metrics_dirty_bucket_unique")
        ]

    def __str__(self) -> str:
        return self.bucket_key


class RollupBatch(models.Model):
    """An import batch whose incidents have been looked at (so a sweep skips it)."""

    batch_id = models.BigIntegerField(primary_key=True)
    noted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"batch {self.batch_id}"


class RollupState(models.Model):
    """The single row that serialises rollup writers and remembers where sweeps got to."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    time_zone = models.CharField(max_length=64, blank=True)
    last_full_at = models.DateTimeField(null=True, blank=True)
    last_change_at = models.DateTimeField(null=True, blank=True)
    swept_until = models.DateTimeField(null=True, blank=True)
    processing_due_at = models.DateTimeField(
        null=True, blank=True, help_text="A processing task is queued to run by then."
    )
    sweep_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When a dashboard last asked for a sweep."
    )
    dependants_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The last_change_at that key results and outcome figures were refreshed for.",
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="metrics_state_single")]

    def __str__(self) -> str:
        return "rollup state"


# --- cohort snapshots ----------------------------------------------------------------


class CohortSnapshot(models.Model):
    """A cohort's training figures on one day (`metrics.training`), so its dashboard
    reads one row whatever the cohort's size."""

    cohort = models.OneToOneField(
        "pathways.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    computed_at = models.DateTimeField()
    computed_for = models.DateField(help_text="The programme day is counted to this date.")
    learners = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"snapshot of cohort {self.cohort_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class CohortOutcome(models.Model):
    """An outcome KPI of a cohort's pathway as the worker last measured it
    (`metrics.outcome_figures`): over all the cohort's teams (`scope_key` "cohort") or
    one of them ("team:<id>"). `measure` is the `OutcomeMeasure` as JSON (decimals as
    text, exactly as computed), so dashboards and the API read it without computing."""

    cohort = models.ForeignKey("pathways.Cohort", on_delete=models.CASCADE, related_name="+")
    outcome = models.ForeignKey(
        "pathways.PathwayOutcome", on_delete=models.CASCADE, related_name="+"
    )
    scope_key = models.CharField(max_length=32, help_text='"cohort" or "team:<id>".')
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Blank: every team of the cohort.",
    )
    team_ids = models.JSONField(default=list, help_text="The teams measured.")
    kpi_key = models.SlugField(max_length=64)
    position = models.PositiveIntegerField(default=0, help_text="Order on the dashboard.")
    measure = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["cohort", "scope_key", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "outcome", "scope_key"], name="metrics_cohort_outcome_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} of cohort {self.cohort_id} ({self.scope_key})"


# --- OKRs ---------------------------------------------------------------------------


class Objective(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=text_limits.DESCRIPTION)
    starts_on = models.DateField()
    deadline = models.DateField()
    owner = models.CharField(max_length=120, blank=True)
    team = models.ForeignKey(
        "org.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objectives",
        help_text="The team whose objective this is (its managers may edit it); "
        "blank: organisation-wide (authors and admins edit it).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("starts_on")), name="metrics_objective_dates"
            ),
            models.UniqueConstraint(fields=["title"], name="metrics_objective_title_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class KeyResult(models.Model):
    """A measurable result: bound to a KPI (measured from rollups) or entered by hand.

    `current_value` is a snapshot refreshed after each rollup run, so dashboards
    read it without computing anything.
    """

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    kpi_key = models.SlugField(max_length=64, blank=True, help_text="Blank: entered by hand.")
    statistic = models.CharField(
        max_length=16,
        default="value",
        help_text="For duration KPIs: median, p90 or mean; otherwise value.",
    )
    scope = models.CharField(max_length=120, default="org", help_text="org, team:<slug> …")
    filters = models.JSONField(default=dict, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    baseline_value = models.DecimalField(max_digits=18, decimal_places=6)
    target_value = models.DecimalField(max_digits=18, decimal_places=6)
    window_days = models.PositiveIntegerField(
        default=90, help_text="A KPI is measured over this many days up to today."
    )
    current_value = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    current_n = models.PositiveIntegerField(null=True, blank=True)
    measured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["objective", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(baseline_value=models.F("target_value")),
                name="metrics_kr_target_differs",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def progress(self) -> int | None:
        """Percent of the way from baseline to target (0–100), None if unmeasured."""
        if self.current_value is None:
            return None
        span = self.target_value - self.baseline_value
        done = (self.current_value - self.baseline_value) / span
        return max(0, min(100, round(done * 100)))


# --- KPIs fed from outside ---------------------------------------------------------


class KpiObservation(models.Model):
    """One numeric observation of an external KPI (registry family "external").

    Unique by (KPI, source, timestamp): pushing the same observation again overwrites it
    with itself, so a retried push or a re-run pull changes nothing.
    """

    kpi_key = models.SlugField(max_length=64)
    source = models.CharField(max_length=120, help_text="Who sent it, e.g. prometheus:sre.")
    observed_at = models.DateTimeField()
    value = models.FloatField()
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kpi_key", "observed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_key", "source", "observed_at"], name="metrics_observation_once"
            ),
        ]
        indexes = [models.Index(fields=["kpi_key", "team", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.observed_at:%Y-%m-%d %H:%M} = {self.value}"


class PrometheusSource(models.Model):
    """Where an external KPI is pulled from: a PromQL expression on a Prometheus server."""

    kpi_key = models.SlugField(max_length=64)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    base_url = models.URLField(help_text="e.g. http://prometheus:9090")
    query = models.TextField(help_text="PromQL returning one series, e.g. a p95 in ms.")
    step_seconds = models.PositiveIntegerField(default=3600)
    last_pulled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kpi_key", "id"]

    def __str__(self) -> str:
        return f"{self.kpi_key} ← {self.base_url}"

    @property
    def source(self) -> str:
        return f"prometheus:{self.pk}"
