"""Pulling from and being pushed to by incident tools, through the import path.

Everything a connector brings in becomes an `ImportBatch` (channel `connector` or
`webhook`) in the tool's own format, so it is validated, upserted by (source,
external_id), counted and kept like any other import.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import services as import_services
from incidents.exceptions import IncidentsError
from incidents.importers import Document
from incidents.models import ImportBatch, IncidentSource, WebhookDelivery
from incidents.source_models import PULL_KINDS

from .http import ConnectorError
from .opsgenie import OpsgenieClient
from .pagerduty import PagerDutyClient
from .secrets import secret_decrypt, secret_encrypt, secret_rotate

logger = logging.getLogger(__name__)
# Changes that land while a sync runs are caught by the next one: it starts a little
# before where this one ended.
OVERLAP = dt.timedelta(minutes=5)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_secrets_set(
    *, source: IncidentSource, token: str = "", webhook_secret: str = ""
) -> None:
    """Store the given secrets encrypted (an empty value keeps the stored one)."""
    if token:
        source.token_encrypted = secret_encrypt(token)
    if webhook_secret:
        source.webhook_secret_encrypted = secret_encrypt(webhook_secret)
    source.save(update_fields=["token_encrypted", "webhook_secret_encrypted"])


def _pagerduty_records(
    source: IncidentSource, token: str, until: dt.datetime, sleep: Callable[[float], None] | None
) -> list[dict]:
    """Full sync: incidents created since `first_sync_days`; incremental: the incidents
    any log entry since the cursor belongs to. Each with all its log entries."""
    client = PagerDutyClient(source.base_url, token, **({"sleep": sleep} if sleep else {}))
    try:
        return _pagerduty_pull(client, source, until)
    finally:
        client.close()


def _pagerduty_pull(client: PagerDutyClient, source: IncidentSource, until: dt.datetime) -> list:
    if source.cursor is None:
        since = until - dt.timedelta(days=source.first_sync_days)
        incidents = list(client.incidents(since=_iso(since), until=_iso(until)))
    else:
        since = source.cursor - OVERLAP
        ids: list[str] = []
        for entry in client.log_entries(since=_iso(since), until=_iso(until)):
            incident_id = (entry.get("incident") or {}).get("id")
            if incident_id and incident_id not in ids:
                ids.append(incident_id)
        incidents = [client.incident(incident_id) for incident_id in ids]
    return [
        {"incident": incident, "log_entries": client.incident_log_entries(incident["id"])}
        for incident in incidents
    ]


def _opsgenie_records(
    source: IncidentSource, token: str, until: dt.datetime, sleep: Callable[[float], None] | None
) -> list[dict]:
    """Full sync: what was created since `first_sync_days`; incremental: what was
    updated since the cursor. Incidents as the Incident API lists them, alerts wrapped
    as `{"alert": …}` (the opsgenie format reads both)."""
    if source.cursor is None:
        field, since = "createdAt", until - dt.timedelta(days=source.first_sync_days)
    else:
        field, since = "updatedAt", source.cursor - OVERLAP
    client = OpsgenieClient(source.base_url, token, **({"sleep": sleep} if sleep else {}))
    try:
        if source.kind == IncidentSource.Kind.OPSGENIE_ALERTS:
            return [{"alert": alert} for alert in client.alerts(field=field, since=since)]
        return list(client.incidents(field=field, since=since))
    finally:
        client.close()


PULLS = {
    IncidentSource.Kind.PAGERDUTY: (_pagerduty_records, ImportBatch.Format.PAGERDUTY),
    IncidentSource.Kind.OPSGENIE: (_opsgenie_records, ImportBatch.Format.OPSGENIE),
    IncidentSource.Kind.OPSGENIE_ALERTS: (_opsgenie_records, ImportBatch.Format.OPSGENIE),
}


@dataclass(frozen=True, slots=True)
class SyncResult:
    status: str
    batch_id: int | None
    records: int
    error: str = ""


def source_sync(*, source_id: int, sleep: Callable[[float], None] | None = None) -> SyncResult:
    """Pull what changed since the last sync and import it in this process. The
    cursor moves only when the sync succeeds; the outcome is kept on the source."""
    source = IncidentSource.objects.get(pk=source_id)
    now = timezone.now()
    token = secret_decrypt(source.token_encrypted)
    batch = None
    records: list[dict] = []
    try:
        if source.kind not in PULLS:
            raise ConnectorError(f"A {source.get_kind_display()} source is not pulled.")
        if not token:
            raise ConnectorError(
                "No API token can be read for this source (none stored, or stored under "
                "another TRELLIS_SECRETS_KEY); enter it again in the admin."
            )
        pull, format = PULLS[source.kind]
        records = pull(source, token, now, sleep)
        if records:
            documents = [
                Document(f"{source.name} sync {_iso(now)}", json.dumps(records, ensure_ascii=False))
            ]
            batch = import_services.import_batch_create(
                format=format,
                documents=documents,
                created_by=None,
                source=source.name,
                channel=ImportBatch.Channel.CONNECTOR,
                enqueue=False,
            )
            import_services.import_batch_process(
                batch_id=batch.pk, time_budget=float("inf"), documents=documents
            )
            batch.refresh_from_db()
            if batch.status != ImportBatch.Status.DONE:
                raise ConnectorError(f"The import #{batch.pk} ended {batch.status}: {batch.error}")
    except (ConnectorError, IncidentsError) as exc:
        logger.warning("sync of incident source %s failed: %s", source.name, exc)
        IncidentSource.objects.filter(pk=source.pk).update(
            last_sync_at=now,
            last_status=IncidentSource.SyncStatus.ERROR,
            last_error=str(exc)[:2000],
            last_records=len(records),
            **({"last_batch": batch} if batch else {}),
        )
        return SyncResult("error", batch.pk if batch else None, len(records), str(exc))
    IncidentSource.objects.filter(pk=source.pk).update(
        cursor=now,
        last_sync_at=now,
        last_status=IncidentSource.SyncStatus.OK,
        last_error="",
        last_records=len(records),
        **({"last_batch": batch} if batch else {}),
    )
    return SyncResult("ok", batch.pk if batch else None, len(records))


def sources_sync_enabled() -> list[SyncResult]:
    """The beat job: every enabled source, one after another."""
    ids = IncidentSource.objects.filter(enabled=True, kind__in=PULL_KINDS).values_list(
        "pk", flat=True
    )
    return [source_sync(source_id=pk) for pk in ids]


# --- webhooks -------------------------------------------------------------------------


class WebhookRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def pagerduty_signature_valid(*, secret: str, body: bytes, header: str) -> bool:
    """PagerDuty v3: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>`, several
    comma-separated while a secret is rotated; one match is enough."""
    expected = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in header.split(","))


@dataclass(frozen=True, slots=True)
class WebhookResult:
    replay: bool
    batch_id: int | None
    ignored: bool = False


def generic_signature_valid(*, secret: str, body: bytes, header: str) -> bool:
    """Generic webhooks: `X-Trellis-Signature: sha256=<hex HMAC-SHA256 of the raw body>`."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.strip())


def _generic_receive(source: IncidentSource, body: bytes, signature: str) -> WebhookResult:
    secret = secret_decrypt(source.webhook_secret_encrypted)
    if (
        not secret
        or not signature
        or not generic_signature_valid(secret=secret, body=body, header=signature)
    ):
        logger.warning("webhook for incident source %s refused: bad signature", source.name)
        raise WebhookRefused(403, "The signature does not match.")
    try:
        text = body.decode("utf-8")
        json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused(400, "The body is not JSON.") from None
    # The same body delivered again is the same event.
    event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    return _take_in(
        source,
        event_id,
        Document(f"{source.name} webhook {event_id[:19]}", text),
        format=ImportBatch.Format.MAPPED,
        mapping=source.mapping,
    )


def _take_in(
    source: IncidentSource, event_id: str, document: Document, *, format: str, mapping: str = ""
) -> WebhookResult:
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(source=source, event_id=event_id)
            batch = import_services.import_batch_create(
                format=format,
                documents=[document],
                created_by=None,
                source=source.name,
                mapping=mapping,
                channel=ImportBatch.Channel.WEBHOOK,
            )
            delivery.batch = batch
            delivery.save(update_fields=["batch"])
    except IntegrityError:
        return WebhookResult(replay=True, batch_id=None)
    except IncidentsError as exc:
        raise WebhookRefused(400, str(exc)) from None
    return WebhookResult(replay=False, batch_id=batch.pk)


def webhook_receive(
    *, source_name: str, body: bytes, signature: str, generic_signature: str = ""
) -> WebhookResult:
    """Verify and take in one webhook delivery (PagerDuty v3, or any JSON through the
    source's mapping). `WebhookRefused` (nothing written) for an unknown source, a bad
    signature or a body that cannot be read."""
    source = IncidentSource.objects.filter(name=source_name).first()
    if source is None:
        raise WebhookRefused(404, "No such incident source.")
    if source.kind == IncidentSource.Kind.GENERIC:
        return _generic_receive(source, body, generic_signature)
    secret = secret_decrypt(source.webhook_secret_encrypted)
    if (
        not secret
        or not signature
        or not pagerduty_signature_valid(secret=secret, body=body, header=signature)
    ):
        logger.warning("webhook for incident source %s refused: bad signature", source.name)
        raise WebhookRefused(403, "The signature does not match.")
    try:
        event = json.loads(body.decode("utf-8"))["event"]
        event_id = str(event["id"])
        data = event.get("data") or {}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise WebhookRefused(400, 'Expected a PagerDuty v3 event: {"event": {"id": …}}.') from None
    if event.get("resource_type") != "incident" or not isinstance(data, dict) or not data.get("id"):
        return WebhookResult(replay=False, batch_id=None, ignored=True)
    if event.get("occurred_at"):
        data.setdefault("last_status_change_at", event["occurred_at"])
    document = Document(
        f"{source.name} webhook {event_id}", json.dumps({"incident": data}, ensure_ascii=False)
    )
    return _take_in(source, event_id, document, format=ImportBatch.Format.PAGERDUTY)


def sources_secrets_rotate() -> tuple[int, list[str]]:
    """Re-encrypt every stored secret with the first TRELLIS_SECRETS_KEY. Returns how
    many sources were rewritten and the names of those no configured key can read
    (left as they are: enter their secrets again)."""
    from cryptography.fernet import InvalidToken

    rotated, unreadable = 0, []
    for source in IncidentSource.objects.order_by("pk"):
        try:
            token = secret_rotate(source.token_encrypted)
            webhook = secret_rotate(source.webhook_secret_encrypted)
        except InvalidToken:
            unreadable.append(source.name)
            continue
        IncidentSource.objects.filter(pk=source.pk).update(
            token_encrypted=token, webhook_secret_encrypted=webhook
        )
        rotated += 1
    return rotated, unreadable
