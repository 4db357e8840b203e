"""Imports through the real incidents pipeline, and rollup snapshots to compare."""

import json
from typing import Any

from incidents.importers import Document
from incidents.models import ImportBatch
from incidents.services import import_batch_create, import_batch_process
from metrics.models import IncidentRollup

SNAPSHOT_EXCLUDE = {"id", "computed_at"}


def import_records(records: list[dict[str, Any]], source: str = "tracker") -> ImportBatch:
    """Create and process a JSON Lines batch in-process (what the import task does)."""
    body = "".join(json.dumps(r) + "\n" for r in records)
    batch = import_batch_create(
        format="jsonl",
        documents=[Document(name="batch.jsonl", content=body)],
        created_by=None,
        source=source,
        enqueue=False,
    )
    import_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, batch.error
    return batch


def rollup_snapshot() -> dict[str, dict[str, Any]]:
    fields = [f.attname for f in IncidentRollup._meta.concrete_fields]
    return {
        row["bucket_key"]: {k: v for k, v in row.items() if k not in SNAPSHOT_EXCLUDE}
        for row in IncidentRollup.objects.values(*fields)
    }
