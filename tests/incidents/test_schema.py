"""The published JSON schema of the native record."""

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from incidents.schemas import native_json_schema_text

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "incident-record.schema.json"
REGENERATE = (
    'DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python -c "import django; '
    "django.setup(); from incidents.schemas import native_json_schema_text as s; "
    "print(s(), end='')\" > docs/incident-record.schema.json"
)
FULL_RECORD = {
    "external_id": "PM-1",
    "title": "Assistant invented a refund policy",
    "summary": ["First line.", "Second line."],
    "url": "https://wiki.example/pm-1",
    "severity": "P2",
    "status": "closed",
    "team": "ai-product",
    "service": "Support Assistant",
    "started_at": "2025-05-14T09:12:00Z",
    "detected_at": "2025-05-14T10:05:00+00:00",
    "acknowledged_at": None,
    "mitigated_at": "2025-05-14T11:30:00",
    "resolved_at": "2025-05-15T16:00:00Z",
    "detection_method": "customer report",
    "ai_related": True,
    "failure_mode": "hallucination",
    "rolled_back": True,
    "deployment_ref": "assistant@2.8.1",
    "customer_impact": "312 customers",
    "cleanup_hours": 14.5,
    "trigger": "Index rebuild",
    "root_causes": ["No grounding check", "No golden answers"],
    "contributing_factors": "missing-eval; no-canary",
    "resolution": "Rolled back",
    "lessons": {"went_well": "Fast escalation", "went_wrong": "", "got_lucky": "Quiet day"},
    "timeline": [{"at": "2025-05-14T09:12:00Z", "kind": "deploy", "description": "Release"}],
    "action_items": [
        {
            "title": "Add evals",
            "kind": "prevention",
            "owner": "tara",
            "due": "2025-06-01",
            "status": "todo",
            "url": "https://tracker.example/1",
        }
    ],
}


def test_the_published_schema_is_up_to_date():
    assert SCHEMA_FILE.read_text() == native_json_schema_text(), f"regenerate: {REGENERATE}"


def test_the_schema_accepts_a_full_record_and_refuses_unknown_fields():
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    Draft202012Validator.check_schema(validator.schema)

    assert list(validator.iter_errors(FULL_RECORD)) == []
    errors = [e.message for e in validator.iter_errors({**FULL_RECORD, "colour": "red"})]
    assert errors == ["Additional properties are not allowed ('colour' was unexpected)"]
    missing = [e.message for e in validator.iter_errors({"title": "x"})]
    assert missing == ["'external_id' is a required property"]
