"""Services, incidents / postmortems, their timelines and action items, import batches
with their rejected records, and the thin incident → training link.

Invariants the metrics app relies on:
- `(source, external_id)` is unique: imports upsert on it;
- lifecycle timestamps are timezone-aware, whole seconds, and ordered (see
  `LIFECYCLE_ORDER`); the database enforces the order with check constraints;
- every write by an import sets `last_batch` and `updated_at`; an update also
  leaves an `IncidentRevision` with the old and new values, so the (team, week)
  buckets an import touched can be found from the batch alone.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from org.models import Team


class Severity(models.TextChoices):
    SEV1 = "SEV1", "SEV1 (critical)"
    SEV2 = "SEV2", "SEV2 (major)"
    SEV3 = "SEV3", "SEV3 (minor)"
    SEV4 = "SEV4", "SEV4 (low)"


class FailureMode(models.TextChoices):
    HALLUCINATION = "hallucination", "Hallucination"
    PROMPT_INJECTION = "prompt-injection", "Prompt injection"
    DATA_LEAK = "data-leak", "Data leak / PII exposure"
    DRIFT = "drift", "Model or data drift"
    BAD_INPUT_DATA = "bad-input-data", "Bad input data / pipeline"
    UNSAFE_OUTPUT = "unsafe-output", "Unsafe or toxic output"
    CAPACITY = "capacity", "Latency / capacity / rate limit"
    COST_OVERRUN = "cost-overrun", "Cost overrun"
    BAD_DEPLOYMENT = "bad-deployment", "Bad deployment or config"
    DEPENDENCY_OUTAGE = "dependency-outage", "Dependency outage"
    OTHER = "other", "Other"


class DetectionMethod(models.TextChoices):
    MONITORING = "monitoring", "Monitoring / alert"
    CUSTOMER = "customer", "Customer report"
    INTERNAL = "internal", "Internal report"
    AUTOMATED_TEST = "automated-test", "Automated test / canary"
    AUDIT = "audit", "Audit or review"
    OTHER = "other", "Other"


# (later, earlier): when both are set, `later` may not be before `earlier`.
LIFECYCLE_ORDER: tuple[tuple[str, str], ...] = (
    ("detected_at", "started_at"),
    ("acknowledged_at", "started_at"),
    ("acknowledged_at", "detected_at"),
    ("mitigated_at", "started_at"),
    ("resolved_at", "started_at"),
    ("resolved_at", "detected_at"),
    ("resolved_at", "mitigated_at"),
)
LIFECYCLE_FIELDS = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


def _ordered(later: str, earlier: str) -> Q:
    return (
        Q(**{f"{later}__isnull": True})
        | Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}__gte": F(earlier)})
    )


class Service(models.Model):
    """Something that can break. Imports create unknown services by name."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    tier = models.PositiveSmallIntegerField(
        default=3, help_text="1 = most critical … 4 = least critical."
    )
    ai_powered = models.BooleanField(default=False)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier__gte=1, tier__lte=4), name="incidents_service_tier_1_4"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContributingFactor(models.Model):
    """A tag on incidents (e.g. `missing-eval`, `no-canary`); mapped to training."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug


class ImportBatch(models.Model):
    """One import: who sent what, in which format, and how it went.

    `processed_count` is the cursor: records before it have been written (or
    rejected) in committed chunks, so a re-run continues from there.
    """

    class Format(models.TextChoices):
        JSON = "json", "JSON (native)"
        JSONL = "jsonl", "JSON Lines (native)"
        CSV = "csv", "CSV with a header row"
        MARKDOWN = "markdown", "Markdown postmortems"
        PAGERDUTY = "pagerduty", "PagerDuty incident JSON"
        OPSGENIE = "opsgenie", "Opsgenie incident JSON"
        MAPPED = "mapped", "JSON or CSV through a mapping file"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (preview)"
        PENDING = "pending", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        DISCARDED = "discarded", "Discarded"

    class Channel(models.TextChoices):
        UPLOAD = "upload", "Upload page"
        API = "api", "API"
        COMMAND = "command", "Command line"
        CONNECTOR = "connector", "Connector (pull)"
        WEBHOOK = "webhook", "Webhook (push)"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident_import_batches",
    )
    created_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.UPLOAD)
    source = models.CharField(max_length=64)
    format = models.CharField(max_length=16, choices=Format.choices)
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="For timestamps that carry no offset."
    )
    mapping = models.TextField(blank=True, help_text="The YAML mapping file (format `mapped`).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Records found in the input; known once split."
    )
    processed_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A running task owns the batch until then."
    )
    claimed_by = models.CharField(
        max_length=200, blank=True, help_text="The run that holds the lease (host, pid, token)."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the run holding the lease."
    )
    error = models.TextField(blank=True, help_text="Why the whole batch failed, if it did.")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    processed_count=F("created_count")
                    + F("updated_count")
                    + F("unchanged_count")
                    + F("rejected_count")
                ),
                name="incidents_batch_counts_add_up",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.get_format_display()}, {self.status})"

    @property
    def progress_percent(self) -> int:
        if not self.total_count:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_count / self.total_count))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.DISCARDED)


class ImportDocument(models.Model):
    """One input file (or API body) of a batch, or one part of a large one, kept verbatim
    (see `incidents.streaming`)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255, blank=True)
    content = models.TextField()
    line_offset = models.PositiveIntegerField(
        default=0, help_text="Lines of the file before this part (large files are stored in parts)."
    )
    continues = models.BooleanField(
        default=False, help_text="This part goes on from the previous one (JSON is cut anywhere)."
    )

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "position"], name="incidents_document_position"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"document {self.position}"


class RejectedRecord(models.Model):
    """A record that could not be imported: its raw text and every error, never dropped."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejected")
    position = models.PositiveIntegerField(help_text="0-based index of the record in the batch.")
    locator = models.CharField(max_length=255, blank=True, help_text="e.g. `line 17`, a file.")
    raw = models.TextField()
    errors = models.JSONField(default=list, help_text='[{"path": "…", "message": "…"}]')

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "position"], name="incidents_rejected_position"
            ),
        ]

    def __str__(self) -> str:
        return f"Rejected record {self.position} of batch {self.batch_id}"


class Incident(models.Model):
    """An incident and, when there is one, its postmortem."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        MITIGATED = "mitigated", "Mitigated"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed (postmortem done)"

    source = models.CharField(max_length=64, help_text="Where it came from, e.g. pagerduty.")
    external_id = models.CharField(max_length=200, help_text="Its id in that source.")
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    severity = models.CharField(max_length=4, choices=Severity.choices, blank=True)
    severity_original = models.CharField(
        max_length=64, blank=True, help_text="The severity as the source wrote it."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )

    started_at = models.DateTimeField(null=True, blank=True, help_text="Impact began.")
    detected_at = models.DateTimeField(
        null=True, blank=True, help_text="Someone or something noticed."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, help_text="A responder took it.")
    mitigated_at = models.DateTimeField(null=True, blank=True, help_text="Impact stopped.")
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="Fixed for good.")

    detection_method = models.CharField(max_length=16, choices=DetectionMethod.choices, blank=True)
    ai_related = models.BooleanField(default=False)
    failure_mode = models.CharField(max_length=24, choices=FailureMode.choices, blank=True)
    rolled_back = models.BooleanField(default=False)
    deployment_ref = models.CharField(max_length=200, blank=True)
    customer_impact = models.TextField(blank=True)
    cleanup_hours = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, help_text="Manual cleanup, hours."
    )

    trigger = models.TextField(blank=True)
    root_causes = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    lessons_went_well = models.TextField(blank=True)
    lessons_went_wrong = models.TextField(blank=True)
    lessons_got_lucky = models.TextField(blank=True)
    contributing_factors = models.ManyToManyField(
        ContributingFactor, through="IncidentFactor", related_name="incidents", blank=True
    )

    attributes = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the source says that is not an incident field (key → value).",
    )
    dropped_fields = models.JSONField(
        default=list,
        blank=True,
        help_text='Impossible values left out on import: [{"path", "message", "value"}].',
    )

    raw = models.TextField(blank=True, help_text="The record exactly as it was received.")
    raw_format = models.CharField(max_length=16, choices=ImportBatch.Format.choices, blank=True)
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the normalised record; equal = unchanged."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touched_incidents",
        help_text="The batch that last created or changed this incident.",
    )
    training_suggested_at = models.DateTimeField(
        null=True, blank=True, help_text="When training suggestions were last computed."
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="incidents_incident_source_external_id"
            ),
            *(
                models.CheckConstraint(
                    condition=_ordered(later, earlier),
                    name=f"incidents_{later.removesuffix('_at')}_not_before_"
                    f"{earlier.removesuffix('_at')}",
                )
                for later, earlier in LIFECYCLE_ORDER
            ),
            models.CheckConstraint(
                condition=Q(cleanup_hours__isnull=True) | Q(cleanup_hours__gte=0),
                name="incidents_cleanup_hours_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "started_at"]),
            models.Index(fields=["service", "started_at"]),
            models.Index(fields=["failure_mode", "started_at"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.title}"

    def _seconds(self, later: str, earlier: str) -> int | None:
        end, start = getattr(self, later), getattr(self, earlier)
        if end is None or start is None:
            return None
        return int((end - start).total_seconds())

    @property
    def ttd_seconds(self) -> int | None:
        """Time to detect: detected − started."""
        return self._seconds("detected_at", "started_at")

    @property
    def tta_seconds(self) -> int | None:
        """Time to acknowledge: acknowledged − detected."""
        return self._seconds("acknowledged_at", "detected_at")

    @property
    def ttm_seconds(self) -> int | None:
        """Time to mitigate: mitigated − started."""
        return self._seconds("mitigated_at", "started_at")

    @property
    def ttr_seconds(self) -> int | None:
        """Time to resolve: resolved − started."""
        return self._seconds("resolved_at", "started_at")

    @property
    def recovery_seconds(self) -> int | None:
        """From impact stopped to fixed for good: resolved − mitigated."""
        return self._seconds("resolved_at", "mitigated_at")


class IncidentFactor(models.Model):
    # No index of its own: the unique constraint below starts with it, and every
    # import writes one row per tag.
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    factor = models.ForeignKey(ContributingFactor, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "factor"], name="incidents_factor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} tagged {self.factor_id}"


class TimelineEvent(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    position = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=32, blank=True, help_text="e.g. trigger, acknowledge.")
    description = models.TextField()

    class Meta:
        ordering = ["incident", "position"]

    def __str__(self) -> str:
        return self.description[:80]


class ActionItem(models.Model):
    class Kind(models.TextChoices):
        MITIGATE = "mitigate", "Mitigate"
        PREVENT = "prevent", "Prevent"
        PROCESS = "process", "Process"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in-progress", "In progress"
        DONE = "done", "Done"
        WONT_DO = "wont-do", "Won't do"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="action_items")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PREVENT)
    title = models.CharField(max_length=500)
    owner = models.CharField(max_length=200, blank=True)
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["incident", "position"]

    def __str__(self) -> str:
        return self.title


class IncidentRevision(models.Model):
    """A change an import (or an edit) made to an incident: {field: [old, new]}."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="revisions")
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["incident", "-changed_at", "-id"]

    def __str__(self) -> str:
        return f"Change to incident {self.incident_id} at {self.changed_at:%Y-%m-%d %H:%M:%S}"


# --- the thin link to training ------------------------------------------------------


class TrainingRule(models.Model):
    """Author-editable map: a failure mode or a contributing factor → a skill and/or module."""

    failure_mode = models.CharField(max_length=24, choices=FailureMode.choices, blank=True)
    factor = models.ForeignKey(
        ContributingFactor,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="training_rules",
    )
    skill = models.ForeignKey(
        "pathways.Skill", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    module = models.ForeignKey(
        "pathways.Module", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["failure_mode", "factor__slug", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(failure_mode="") & Q(factor__isnull=True))
                | (Q(failure_mode="") & Q(factor__isnull=False)),
                name="incidents_rule_mode_xor_factor",
            ),
            models.CheckConstraint(
                condition=Q(skill__isnull=False) | Q(module__isnull=False),
                name="incidents_rule_has_target",
            ),
        ]

    def __str__(self) -> str:
        cause = self.failure_mode or (self.factor.slug if self.factor_id else "?")
        return f"{cause} → {self.skill or ''} {self.module or ''}".strip()


class TrainingSuggestion(models.Model):
    """A text-similarity suggestion that an author confirms or rejects."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="training_suggestions"
    )
    skill = models.ForeignKey(
        "pathways.Skill", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    module = models.ForeignKey(
        "pathways.Module", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(default=0.0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUGGESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "-score"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(skill__isnull=False) & Q(module__isnull=True))
                | (Q(skill__isnull=True) & Q(module__isnull=False)),
                name="incidents_suggestion_skill_xor_module",
            ),
            models.UniqueConstraint(
                fields=["incident", "skill"],
                condition=Q(skill__isnull=False),
                name="incidents_suggestion_skill_once",
            ),
            models.UniqueConstraint(
                fields=["incident", "module"],
                condition=Q(module__isnull=False),
                name="incidents_suggestion_module_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.skill or self.module} ({self.status})"


class IncidentExercise(models.Model):
    """A tabletop exercise drafted from an incident, as a lab in the exercise library."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="exercises")
    lab = models.OneToOneField("pathways.Lab", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Exercise from incident {self.incident_id}"


# Connector models live in their own module (models.py stays one screenful of concerns).
from .source_models import IncidentSource, WebhookDelivery  # noqa: E402, F401
