"""PagerDuty incidents as its REST API (v2) returns them.

Accepted documents: `{"incident": {...}, "log_entries": [...]}` (an incident and
its log entries), `{"incidents": [...], "log_entries": [...]}` (a list, with log
entries matched to incidents by `incident.id`), an array of incidents, or one
incident; an incident may also carry its own `log_entries`.

Lifecycle: `started_at` and `detected_at` are the first trigger log entry
(PagerDuty knows when it was paged, not when impact began), `acknowledged_at` the
first acknowledge entry, `resolved_at` the last resolve entry while the incident
is resolved. Without log entries: `created_at`, `acknowledgements[0].at` and
`resolved_at` / `last_status_change_at` of the incident.
"""

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from .base import (
    Document,
    Importer,
    RawRecord,
    RecordError,
    _json_error,
    dump,
    iter_json_array,
    strip_bom,
)
from .jsonstream import json_files, stream_json_array

STATUS = {"triggered": "open", "acknowledged": "acknowledged", "resolved": "resolved"}
URGENCY = {"high": "SEV2", "low": "SEV3"}
SKIPPED_ENTRY_TYPES = frozenset({"notify_log_entry"})
MAX_TIMELINE = 500


def _summary(value: Any) -> str | None:
    return value.get("summary") if isinstance(value, dict) else None


def _when(value: Any, path: str) -> dt.datetime:
    if not isinstance(value, str):
        raise RecordError("should be an ISO 8601 timestamp", path=path)
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"{value[:40]!r} is not an ISO 8601 timestamp", path=path) from None


class PagerDutyImporter(Importer):
    format = "pagerduty"
    default_source = "pagerduty"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document, texts in json_files(documents):
            if texts is not None:
                yield from stream_json_array(texts, document.name)
            else:
                yield from self._split(document)

    def _split(self, document: Document) -> Iterator[RawRecord]:
        text = strip_bom(document.content)
        if text.lstrip().startswith("["):
            yield from iter_json_array(text, document.name)
            return
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RawRecord(
                locator=document.name,
                raw=document.content,
                errors=[{"path": "", "message": _json_error(text, exc)}],
            )
            return
        if isinstance(value, dict) and isinstance(value.get("incident"), dict):
            yield RawRecord(locator=document.name, raw=document.content, data=value)
        elif isinstance(value, dict) and isinstance(value.get("incidents"), list):
            shared = value.get("log_entries")
            by_incident: dict[str, list] = {}
            if isinstance(shared, list):
                for entry in shared:
                    incident_id = _incident_id(entry)
                    if incident_id is not None:
                        by_incident.setdefault(incident_id, []).append(entry)
            for index, incident in enumerate(value["incidents"]):
                locator = f"{document.name} incidents[{index}]"
                key = incident.get("id") if isinstance(incident, dict) else None
                if isinstance(key, str) and key in by_incident:
                    data = {"incident": incident, "log_entries": by_incident[key]}
                    yield RawRecord(locator=locator, raw=dump(data), data=data)
                else:
                    yield RawRecord(locator=locator, raw=dump(incident), data=incident)
        elif isinstance(value, dict) and "id" in value:
            yield RawRecord(locator=document.name, raw=document.content, data=value)
        else:
            yield RawRecord(
                locator=document.name,
                raw=document.content,
                errors=[
                    {
                        "path": "",
                        "message": "expected a PagerDuty incident, {'incident': …}, "
                        "{'incidents': […]} or an array of incidents",
                    }
                ],
            )

    def to_native(self, record: RawRecord) -> dict[str, Any]:
        data = record.data
        if isinstance(data, dict) and isinstance(data.get("incident"), dict):
            incident, entries = data["incident"], data.get("log_entries", [])
        else:
            incident = data
            entries = data.get("log_entries", []) if isinstance(data, dict) else []
        if not isinstance(incident, dict):
            raise RecordError("should be a PagerDuty incident object")
        if not isinstance(entries, list):
            raise RecordError("should be a list", path="log_entries")
        return incident_to_native(incident, entries)


def _incident_id(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("incident"), dict):
        value = entry["incident"].get("id")
        return value if isinstance(value, str) else None
    return None


def incident_to_native(incident: dict[str, Any], entries: list[Any]) -> dict[str, Any]:
    dated = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise RecordError("should be an object", path=f"log_entries.{index}")
        kind = entry.get("type")
        if not isinstance(kind, str):
            raise RecordError("should name the entry type", path=f"log_entries.{index}.type")
        when = _when(entry.get("created_at"), f"log_entries.{index}.created_at")
        if when.tzinfo is None:
            raise RecordError("has no time zone offset", path=f"log_entries.{index}.created_at")
        dated.append((when, index, kind, entry))
    dated.sort(key=lambda item: (item[0], item[1]))

    def first(kind: str) -> dict | None:
        return next((e for _, _, k, e in dated if k == kind), None)

    def last(kind: str) -> dict | None:
        return next((e for _, _, k, e in reversed(dated) if k == kind), None)

    status = incident.get("status")
    trigger = first("trigger_log_entry")
    acknowledge = first("acknowledge_log_entry")
    resolve = last("resolve_log_entry") if status in (None, "resolved") else None
    triggered_at = trigger["created_at"] if trigger else incident.get("created_at")
    acknowledged_at = acknowledge["created_at"] if acknowledge else None
    if acknowledged_at is None and isinstance(incident.get("acknowledgements"), list):
        acks = [a for a in incident["acknowledgements"] if isinstance(a, dict) and a.get("at")]
        acknowledged_at = acks[0]["at"] if acks else None
    resolved_at = resolve["created_at"] if resolve else None
    if resolved_at is None and status == "resolved":
        resolved_at = incident.get("resolved_at") or incident.get("last_status_change_at")

    priority = _summary(incident.get("priority"))
    urgency = incident.get("urgency")
    if priority:
        severity, original = priority, priority
    elif isinstance(urgency, str) and urgency in URGENCY:
        severity, original = URGENCY[urgency], f"urgency: {urgency}"
    else:
        severity, original = None, ""

    teams = incident.get("teams")
    team = _summary(teams[0]) if isinstance(teams, list) and teams else None
    body = incident.get("body")
    details = body.get("details") if isinstance(body, dict) else None
    description = incident.get("description")
    title = incident.get("title") or incident.get("summary") or description
    summary = details if isinstance(details, str) else ""
    if not summary and isinstance(description, str) and description != title:
        summary = description

    native: dict[str, Any] = {
        "external_id": incident.get("id"),
        "title": title,
        "summary": summary,
        "url": incident.get("html_url") or "",
        "severity": severity,
        "severity_original": original,
        "status": STATUS.get(status, status) if isinstance(status, str) else status,
        "team": team,
        "service": _summary(incident.get("service")),
        "started_at": triggered_at,
        "detected_at": triggered_at,
        "acknowledged_at": acknowledged_at,
        "resolved_at": resolved_at,
    }
    if trigger is not None:
        channel = trigger.get("channel")
        manual = isinstance(channel, dict) and channel.get("type") == "web_trigger"
        native["detection_method"] = "internal" if manual else "monitoring"
    timeline = [
        {
            "at": entry["created_at"],
            "kind": kind.removesuffix("_log_entry")[:32],
            "description": entry.get("summary") or kind.removesuffix("_log_entry"),
        }
        for _, _, kind, entry in dated
        if kind not in SKIPPED_ENTRY_TYPES
    ]
    if len(timeline) > MAX_TIMELINE:
        hidden = len(timeline) - MAX_TIMELINE + 1
        timeline = [
            *timeline[: MAX_TIMELINE - 1],
            {"kind": "note", "description": f"{hidden} more log entries are in the raw record."},
        ]
    native["timeline"] = timeline
    return {k: v for k, v in native.items() if v is not None}
