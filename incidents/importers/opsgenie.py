"""Opsgenie incidents as its Incident API returns them.

Accepted documents: `{"data": {...}}` (one incident), `{"data": [...]}` (a list),
an array of incidents, or one incident. An incident may carry a `timeline` list
(entries of the incident-timeline API: `eventTime`, `type`, `title`).

Lifecycle: `started_at` is `impactStartDate` (else `createdAt`), `detected_at` is
`createdAt`, `mitigated_at` is `impactEndDate`, and `resolved_at` is
`impactEndDate` once the incident is resolved or closed; `acknowledged_at` comes
from the first timeline entry whose type mentions an acknowledgement. Keys of
`extraProperties` that are native field names (team, service, failure_mode,
ai_related, rolled_back, deployment_ref, cleanup_hours, …) fill those fields.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from incidents.schemas import IncidentRecord

from .base import Document, Importer, RawRecord, RecordError, iter_json_records

STATUS = {"open": "open", "resolved": "resolved", "closed": "closed"}
EXTRA_FIELDS = frozenset(IncidentRecord.model_fields) - {"external_id", "timeline"}


def _looks_like_incident(value: dict) -> bool:
    return isinstance(value.get("data"), dict) or "message" in value or "tinyId" in value


def _text(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("content")
    return value


class OpsgenieImporter(Importer):
    format = "opsgenie"
    default_source = "opsgenie"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document in documents:
            yield from iter_json_records(document, ("data",), single=_looks_like_incident)

    def to_native(self, record: RawRecord) -> dict[str, Any]:
        data = record.data
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
