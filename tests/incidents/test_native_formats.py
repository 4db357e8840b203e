"""Native JSON, JSON Lines and CSV, and Opsgenie incident JSON."""

import datetime as dt
import json
from decimal import Decimal

from incidents.importers import Document
from incidents.models import Incident, RejectedRecord
from tests.incidents.conftest import data_file

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_json_lines_keep_the_good_and_explain_the_bad(teams, run_import):
    # given JSON Lines: two good records, broken JSON, an unknown field, a bad severity
    lines = [
        json.dumps(
            {
                "external_id": "A-1",
                "title": "Cost spike",
                "team": "sre",
                "started_at": "2025-02-01T10:00:00.750Z",
                "failure_mode": "cost",
            }
        ),
        '{"external_id": "A-2", "title": "Broken',
        json.dumps({"external_id": "A-3", "title": "x", "colour": "red"}),
        json.dumps({"external_id": "A-4", "title": "Rate limited", "severity": "urgent"}),
        "",
        json.dumps(
            {
                "external_id": "A-5",
                "title": "Drift",
                "severity": 2,
                "started_at": "2025-02-02 09:30",
            }
        ),
    ]
    document = Document("export.jsonl", "\n".join(lines) + "\n")

    # when imported with naive times read as New York time
    batch = run_import("jsonl", document, timezone="America/New_York")

    # then the good ones are in, stored to the second, naive ones in the given zone
    assert (batch.created_count, batch.rejected_count, batch.total_count) == (2, 3, 5)
    first = Incident.objects.get(external_id="A-1")
    assert first.started_at == at("2025-02-01T10:00:00")
    assert (first.failure_mode, first.team.slug, first.source) == ("cost-overrun", "sre", "native")
    assert Incident.objects.get(external_id="A-5").started_at == at("2025-02-02T14:30:00")
    # and every rejected record keeps its raw line and says exactly what is wrong
    rejected = list(
        RejectedRecord.objects.filter(batch=batch).values_list("locator", "raw", "errors")
    )
    assert rejected == [
        (
            "export.jsonl line 2",
            lines[1],
            [
                {
                    "path": "",
                    "message": "Invalid JSON: EOF while parsing a string at line 1 column 39",
                }
            ],
        ),
        (
            "export.jsonl line 3",
            lines[2],
            [{"path": "colour", "message": "Extra inputs are not permitted"}],
        ),
        (
            "export.jsonl line 4",
            lines[3],
            [
                {
                    "path": "severity",
                    "message": "'urgent' is not recognised; use SEV1–SEV4 "
                    "(also SEV0, P0–P5, 0–5, critical/high/medium/low)",
                }
            ],
        ),
    ]


def test_json_array_and_wrapped_list(teams, run_import):
    # given a JSON array, and an object with the records under "incidents"
    records = [{"external_id": f"J-{n}", "title": f"Incident {n}"} for n in range(3)]
    array = Document("a.json", json.dumps(records, indent=2))
    wrapped = Document(
        "b.json", json.dumps({"incidents": [{"external_id": "J-9", "title": "Nine"}]})
    )

    # when both are imported in one batch
    batch = run_import("json", array, wrapped)

    # then every record is in, each keeping its own text as raw
    assert (batch.created_count, batch.rejected_count) == (4, 0)
    assert Incident.objects.get(external_id="J-1").raw == json.dumps(records[1], indent=2).replace(
        "\n", "\n  "
    )
    assert Incident.objects.get(external_id="J-9").raw == '{"external_id": "J-9", "title": "Nine"}'


def test_broken_json_array_keeps_what_came_before(teams, run_import):
    # given an array whose third element is cut off
    text = (
        '[{"external_id": "K-1", "title": "One"}, {"external_id": "K-2", "title": "Two"},\n'
        ' {"external_id": "K-3", "title": '
    )

    batch = run_import("json", Document("cut.json", text))

    assert (batch.created_count, batch.rejected_count) == (2, 1)
    rejected = RejectedRecord.objects.get(batch=batch)
    assert rejected.raw == '{"external_id": "K-3", "title": '
    assert rejected.errors == [
        {"path": "", "message": "invalid JSON at line 2, column 34: Expecting value"}
    ]


def test_csv_with_header_row(teams, run_import):
    # given a native CSV: dotted headers, a JSON timeline cell, one order violation
    batch = run_import("csv", data_file("incidents.csv"))

    # then two rows are in and the third is rejected by the timestamp-order rule
    assert (batch.created_count, batch.rejected_count) == (2, 1)
    first = Incident.objects.get(external_id="INC-1")
    assert (first.severity, first.severity_original) == ("SEV3", "sev-3")
    assert (first.ai_related, first.failure_mode, first.rolled_back) == (True, "drift", False)
    assert first.cleanup_hours == Decimal("6.00")
    assert first.lessons_went_well == "Rollback script worked, first time"
    assert list(first.timeline.values_list("at", "description")) == [
        (at("2025-01-06T13:00:00"), "Click-through alert fires")
    ]
    assert sorted(first.contributing_factors.values_list("slug", flat=True)) == [
        "drift-alert-missing",
        "holiday-traffic",
    ]
    assert first.status == "resolved"
    second = Incident.objects.get(external_id="INC-2")
    assert (second.severity, second.failure_mode, second.status) == (
        "SEV1",
        "prompt-injection",
        "open",
    )
    assert second.service is None
    rejected = RejectedRecord.objects.get(batch=batch)
    assert rejected.locator == "incidents.csv line 4"
    assert rejected.raw.startswith("INC-3,Embedding job resolved before it started,SEV2")
    assert rejected.errors == [
        {
            "path": "resolved_at",
            "message": "resolved_at 2025-01-10T11:00:00Z is before started_at "
            "2025-01-10T12:00:00Z; lifecycle timestamps may not go backwards",
        }
    ]


def test_opsgenie_incident(teams, run_import):
    # given an Opsgenie incident as GET /v1/incidents/{id} returns it, with timeline entries
    payload = {
        "data": {
            "id": "70413a06-38d6-4c85-92b8-5ebc900d42e2",
            "tinyId": "118",
            "message": "Summariser leaks customer emails into shared notes",
            "description": "PII appeared in notes shared across tenants.",
            "status": "closed",
            "tags": ["pii", "Missing redaction"],
            "createdAt": "2025-04-02T08:31:00.512Z",
            "updatedAt": "2025-04-03T10:00:00Z",
            "priority": "P1",
            "ownerTeam": "a3e1c9",
            "impactedServices": ["Notes Summariser"],
            "impactStartDate": "2025-04-02T07:55:00Z",
            "impactEndDate": "2025-04-02T09:10:00Z",
            "extraProperties": {
                "team": "ai-product",
                "failure_mode": "PII exposure",
                "ai_related": "true",
                "unrelated": "x",
            },
            "links": {"web": "https://acme.app.opsgenie.com/incident/detail/70413a06"},
        },
        "timeline": [
            {
                "eventTime": "2025-04-02T08:31:00Z",
                "type": "IncidentCreated",
                "title": {"content": "Incident created"},
            },
            {
                "eventTime": "2025-04-02T08:36:00Z",
                "type": "ResponderAcknowledged",
                "title": {"content": "Xia Lin acknowledged"},
            },
        ],
    }

    batch = run_import("opsgenie", Document("og.json", json.dumps(payload)))

    assert (batch.created_count, batch.rejected_count) == (1, 0)
    incident = Incident.objects.get()
    assert (incident.source, incident.external_id) == (
        "opsgenie",
        "70413a06-38d6-4c85-92b8-5ebc900d42e2",
    )
    assert incident.started_at == at("2025-04-02T07:55:00")
    assert incident.detected_at == at("2025-04-02T08:31:00")
    assert incident.acknowledged_at == at("2025-04-02T08:36:00")
    assert incident.mitigated_at == at("2025-04-02T09:10:00")
    assert incident.resolved_at == at("2025-04-02T09:10:00")
    assert (incident.severity, incident.status, incident.failure_mode) == (
        "SEV1",
        "closed",
        "data-leak",
    )
    assert (incident.ai_related, incident.team.slug, incident.service.name) == (
        True,
        "ai-product",
        "Notes Summariser",
    )
    assert sorted(incident.contributing_factors.values_list("slug", flat=True)) == [
        "missing-redaction",
        "pii",
    ]
    assert incident.timeline.count() == 2
