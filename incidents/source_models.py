"""Incident sources (connectors and webhooks) and the webhook deliveries they took in.

Imported by `incidents.models`; refers to other incident models by name only, so the
import goes one way.
"""

from django.db import models
from django.utils import timezone


class IncidentSource(models.Model):
    """An incident tool Trellis pulls from (PagerDuty, Opsgenie) or that pushes to it by
    webhook.

    Secrets are stored encrypted (`incidents.connectors.secrets`); `cursor` is where
    the next incremental sync starts."""

    class Kind(models.TextChoices):
        PAGERDUTY = "pagerduty", "PagerDuty (REST API v2 and v3 webhooks)"
        OPSGENIE = "opsgenie", "Opsgenie incidents (Incident API)"
        OPSGENIE_ALERTS = "opsgenie-alerts", "Opsgenie alerts (Alert API)"
        GENERIC = "generic", "Any JSON webhook, read through a mapping"

    class SyncStatus(models.TextChoices):
        NEVER = "never", "Never synced"
        OK = "ok", "OK"
        ERROR = "error", "Error"

    name = models.SlugField(
        max_length=64, unique=True, help_text="Also the source of its incidents, e.g. pagerduty."
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    team = models.ForeignKey(
        "org.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident_sources",
        help_text="The team it belongs to: its managers see the source's sync status.",
    )
    base_url = models.URLField(
        max_length=300,
        blank=True,
        help_text="The API's address; empty: the vendor's (https://api.pagerduty.com, "
        "https://api.opsgenie.com; Opsgenie's EU accounts: https://api.eu.opsgenie.com).",
    )
    token_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    mapping = models.TextField(
        blank=True, help_text="Generic webhooks: the YAML mapping (format json) for the body."
    )
    enabled = models.BooleanField(default=True, help_text="Pulled by the beat job.")
    first_sync_days = models.PositiveIntegerField(
        default=180, help_text="How far back the first (full) sync reaches."
    )
    cursor = models.DateTimeField(
        null=True, blank=True, help_text="The next incremental sync asks for changes since."
    )
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(
        max_length=8, choices=SyncStatus.choices, default=SyncStatus.NEVER
    )
    last_error = models.TextField(blank=True)
    last_records = models.PositiveIntegerField(
        default=0, help_text="Records the last sync brought in."
    )
    last_batch = models.ForeignKey(
        "incidents.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def pulls(self) -> bool:
        """Synced by the beat job (a generic source only takes webhooks)."""
        return self.kind in PULL_KINDS


PULL_KINDS = (
    IncidentSource.Kind.PAGERDUTY,
    IncidentSource.Kind.OPSGENIE,
    IncidentSource.Kind.OPSGENIE_ALERTS,
)


class WebhookDelivery(models.Model):
    """A webhook event taken in, by the sender's event id: a replay is acknowledged
    and not imported again."""

    source = models.ForeignKey(IncidentSource, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)
    batch = models.ForeignKey(
        "incidents.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="incidents_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.event_id}"
