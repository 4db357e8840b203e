"""The incident list as CSV: the incidents a user sees, with the list's filters."""

import csv
import io
import json
from collections.abc import Iterable

from .models import Incident

COLUMNS = (
    "source",
    "external_id",
    "title",
    "severity",
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
    "detection_method",
    "ai_related",
    "failure_mode",
    "rolled_back",
    "cleanup_hours",
    "contributing_factors",
    "attributes",
)


def _stamp(value) -> str:  # type: ignore[no-untyped-def]
    return "" if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def incidents_csv(incidents: Iterable[Incident]) -> str:
    """One row per incident; timestamps in UTC (ISO 8601), durations in seconds,
    attributes as a JSON object."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for incident in incidents:
        writer.writerow(
            [
                incident.source,
                incident.external_id,
                incident.title,
                incident.severity,
                incident.status,
                incident.team.slug if incident.team else "",
                incident.service.slug if incident.service else "",
                *(
                    _stamp(getattr(incident, name))
                    for name in (
                        "started_at",
                        "detected_at",
                        "acknowledged_at",
                        "mitigated_at",
                        "resolved_at",
                    )
                ),
                *(
                    "" if value is None else value
                    for value in (
                        incident.ttd_seconds,
                        incident.tta_seconds,
                        incident.ttm_seconds,
                        incident.ttr_seconds,
                    )
                ),
                incident.detection_method,
                "true" if incident.ai_related else "false",
                incident.failure_mode,
                "true" if incident.rolled_back else "false",
                "" if incident.cleanup_hours is None else incident.cleanup_hours,
                ";".join(sorted(f.slug for f in incident.contributing_factors.all())),
                json.dumps(incident.attributes, ensure_ascii=False) if incident.attributes else "",
            ]
        )
    return out.getvalue()
