"""Deterministic native records for tests."""

import datetime as dt
import json
from typing import Any

BASE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
TEAMS = ["sre", "data-eng", "ml-platform", "ai-product"]


def native_record(n: int, **overrides: Any) -> dict[str, Any]:
    start = BASE + dt.timedelta(hours=7 * n)
    record = {
        "external_id": f"INC-{n:05d}",
        "title": f"Incident number {n}",
        "severity": f"SEV{n % 4 + 1}",
        "team": TEAMS[n % 4],
        "service": f"Service {n % 5}",
        "started_at": start.isoformat(),
        "detected_at": (start + dt.timedelta(minutes=5 + n % 17)).isoformat(),
        "acknowledged_at": (start + dt.timedelta(minutes=9 + n % 17)).isoformat(),
        "resolved_at": (start + dt.timedelta(minutes=60 + n % 300)).isoformat(),
        "ai_related": n % 3 == 0,
        "failure_mode": ["hallucination", "drift", "capacity", "bad-deployment"][n % 4],
        "contributing_factors": ["alerting-gap"] if n % 2 else [],
    }
    record.update(overrides)
    return record


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)
