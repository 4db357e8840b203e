"""Opsgenie incidents as its Incident API returns them, and alerts as its Alert API does.

Accepted documents: `{"data": {...}}` (one incident), `{"data": [...]}` (a list),
an array of incidents, or one incident. An incident may carry a `timeline` list
(entries of the incident-timeline API: `eventTime`, `type`, `title`). An alert comes
wrapped as `{"alert": {...}}` (what the Opsgenie connector stores).

Lifecycle: `started_at` is `impactStartDate` (else `createdAt`), `detected_at` is
`createdAt`, `mitigated_at` is `impactEndDate`, and `resolved_at` is
`impactEndDate` once the incident is resolved or closed; `acknowledged_at` comes
from the first timeline entry whose type mentions an acknowledgement. Keys of
`extraProperties` that are native field names (team, service, failure_mode,
ai_related, rolled_back, deployment_ref, cleanup_hours, …) fill those fields.

An alert: `started_at` and `detected_at` are `createdAt`, `acknowledged_at` is
`createdAt` + `report.ackTime` and, once closed, `resolved_at` is `createdAt` +
`report.closeTime` (both in milliseconds); `priority` is the severity, `tags` the
contributing factors, `details` keys that are native field names fill those fields.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from incidents.schemas import IncidentRecord

from .base import Document, Importer, RawRecord, RecordError, iter_json_records
from .jsonstream import json_files, stream_json_array

STATUS = {"open": "open", "resolved": "resolved", "closed": "closed"}
EXTRA_FIELDS = frozenset(IncidentRecord.model_fields) - {"external_id", "timeline"}


def _looks_like_incident(value: dict) -> bool:
    return (
        isinstance(value.get("data"), dict)
        or isinstance(value.get("alert"), dict)
        or "message" in value
        or "tinyId" in value
    )


def _text(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("content")
    return value


class OpsgenieImporter(Importer):
    format = "opsgenie"
    default_source = "opsgenie"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document, texts in json_files(documents):
            if texts is not None:
                yield from stream_json_array(texts, document.name)
            else:
                yield from iter_json_records(document, ("data",), single=_looks_like_incident)

    def to_native(self, record: RawRecord) -> dict[str, Any]:
        data = record.data
        if isinstance(data, dict) and isinstance(data.get("alert"), dict):
            return alert_to_native(data["alert"])
        timeline = None
        if isinstance(data, dict) and isinstance(data.get("data"), dict):
            timeline = data.get("timeline")
            data = data["data"]
        if not isinstance(data, dict):
            raise RecordError("should be an Opsgenie incident object")
        if timeline is None:
            timeline = data.get("timeline", [])
        if isinstance(timeline, dict):
            timeline = timeline.get("entries", [])
        if not isinstance(timeline, list):
            raise RecordError("should be a list of timeline entries", path="timeline")
        return incident_to_native(data, timeline)


def incident_to_native(incident: dict[str, Any], timeline: list[Any]) -> dict[str, Any]:
    events = []
    acknowledged_at = None
    for index, entry in enumerate(timeline):
        if not isinstance(entry, dict):
            raise RecordError("should be an object", path=f"timeline.{index}")
        kind = entry.get("type") if isinstance(entry.get("type"), str) else ""
        title = _text(entry.get("title")) or _text(entry.get("description")) or kind
        events.append({"at": entry.get("eventTime"), "kind": kind[:32], "description": title})
        if acknowledged_at is None and "ack" in kind.lower():
            acknowledged_at = entry.get("eventTime")

    status = incident.get("status")
    extra = incident.get("extraProperties")
    extra = extra if isinstance(extra, dict) else {}
    links = incident.get("links")
    web = links.get("web") if isinstance(links, dict) else None
    services = incident.get("impactedServices")
    service = services[0] if isinstance(services, list) and services else None
    created = incident.get("createdAt")
    impact_end = incident.get("impactEndDate")

    native: dict[str, Any] = {
        "external_id": incident.get("id") or incident.get("tinyId"),
        "title": incident.get("message"),
        "summary": incident.get("description") or "",
        "url": web or "",
        "severity": incident.get("priority"),
        "status": STATUS.get(status, status) if isinstance(status, str) else status,
        "service": service,
        "contributing_factors": incident.get("tags") or [],
        "started_at": incident.get("impactStartDate") or created,
        "detected_at": created,
        "acknowledged_at": acknowledged_at,
        "mitigated_at": impact_end,
        "resolved_at": impact_end if status in ("resolved", "closed") else None,
        "timeline": events,
    }
    if isinstance(native["external_id"], int) and not isinstance(native["external_id"], bool):
        native["external_id"] = str(native["external_id"])
    native.update({k: v for k, v in extra.items() if k in EXTRA_FIELDS})
    return {k: v for k, v in native.items() if v is not None}


def _after(start: Any, milliseconds: Any, path: str) -> str | None:
    """`start` (an ISO time) plus a report's milliseconds, as ISO; None when either is missing."""
    if milliseconds is None or not isinstance(start, str):
        return None
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, int | float):
        raise RecordError("should be a number of milliseconds", path=path)
    try:
        moment = dt.datetime.fromisoformat(start)
    except ValueError:
        return None  # createdAt itself is reported by the record's validation
    return (moment + dt.timedelta(milliseconds=milliseconds)).isoformat()


def alert_to_native(alert: dict[str, Any]) -> dict[str, Any]:
    report = alert.get("report")
    report = report if isinstance(report, dict) else {}
    details = alert.get("details")
    details = details if isinstance(details, dict) else {}
    created = alert.get("createdAt")
    status = alert.get("status")
    closed = status == "closed"
    native: dict[str, Any] = {
        "external_id": alert.get("id") or alert.get("tinyId"),
        "title": alert.get("message"),
        "summary": alert.get("description") or "",
        "severity": alert.get("priority"),
        "status": "resolved"
        if closed
        else ("acknowledged" if alert.get("acknowledged") else "open"),
        "contributing_factors": alert.get("tags") or [],
        "started_at": created,
        "detected_at": created,
        "acknowledged_at": _after(created, report.get("ackTime"), "report.ackTime"),
        "resolved_at": _after(created, report.get("closeTime"), "report.closeTime")
        if closed
        else None,
    }
    if isinstance(native["external_id"], int) and not isinstance(native["external_id"], bool):
        native["external_id"] = str(native["external_id"])
    attributes = {
        k: alert[k]
        for k in ("alias", "source", "owner", "tinyId")
        if alert.get(k) not in (None, "")
    }
    if attributes:
        native["attributes"] = {f"opsgenie_{k}": v for k, v in attributes.items()}
    native.update({k: v for k, v in details.items() if k in EXTRA_FIELDS})
    return {k: v for k, v in native.items() if v is not None}
