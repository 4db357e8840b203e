"""Rollups through a real Celery worker on the metrics queue (PostgreSQL + Redis)."""

import datetime as dt
import json

import pytest

from config.celery_app import app
from incidents.importers import Document
from incidents.models import ImportBatch
from incidents.services import import_batch_create
from metrics import selectors, services
from metrics.models import DirtyBucket, RollupBatch, RollupState
from tests.factories import TeamFactory
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def sre_week() -> tuple[int, object]:
    week = selectors.incident_report(
        scope=selectors.scope_parse("team:sre"),
        period="week",
        first=dt.date(2025, 3, 3),
        last=dt.date(2025, 3, 9),
    ).periods[0]
    return week.incident_count, week.durations["mttr"].median


def test_an_import_reaches_the_rollups_through_the_worker(real_broker):
    # given rollups and an import processed by the worker
    TeamFactory(slug="sre")
    services.rollups_recompute_all()
    records = [
        {
            "external_id": f"W-{n}",
            "title": "Checkout slow",
            "team": "sre",
            "started_at": "2025-03-04T10:00:00Z",
            "resolved_at": f"2025-03-04T1{n}:00:00Z",
        }
        for n in (1, 2, 3)
    ]
    batch = import_batch_create(
        format="jsonl",
        documents=[Document("w.jsonl", "".join(json.dumps(r) + "\n" for r in records))],
        created_by=None,
        source="worker-test",
    )
    assert wait_for(
        lambda: ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.DONE
    ), "the import did not finish"

    # when the per-minute sweep is sent to the metrics queue
    swept_until = RollupState.objects.get().swept_until
    app.send_task("metrics.tasks.rollups_sweep")

    # then the worker notes the batch and recomputes the bucket
    assert wait_for(lambda: sre_week() == (3, 7200)), sre_week()
    assert DirtyBucket.objects.count() == 0
    # and the sweep itself ran (the batch's own task may have got there first); waited
    # for, so that it does not run during the next test
    assert wait_for(lambda: RollupState.objects.get().swept_until != swept_until)


def test_a_finished_import_is_noted_and_processed_on_the_worker_without_a_sweep(real_broker):
    # given up-to-date rollups (the last sweep was the rebuild)
    TeamFactory(slug="sre")
    services.rollups_recompute_all()
    swept_until = RollupState.objects.get().swept_until

    # when the worker finishes an import
    batch = import_batch_create(
        format="jsonl",
        documents=[
            Document(
                "a.jsonl",
                json.dumps(
                    {
                        "external_id": "D-1",
                        "title": "Search down",
                        "team": "sre",
                        "started_at": "2025-03-04T10:00:00Z",
                        "resolved_at": "2025-03-04T10:30:00Z",
                    }
                ),
            )
        ],
        created_by=None,
        source="debounce-test",
    )
    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == "done")

    # then the batch's own task notes it on the metrics queue, the debounced processing
    # run recomputes the bucket and clears its schedule; no sweep was involved
    assert wait_for(lambda: RollupBatch.objects.filter(batch_id=batch.pk).exists())
    assert wait_for(lambda: sre_week() == (1, 1800), timeout=40), sre_week()
    assert wait_for(lambda: RollupState.objects.get().processing_due_at is None)
    assert DirtyBucket.objects.count() == 0
    assert RollupState.objects.get().swept_until == swept_until
    # and noting it again finds nothing to do
    assert services.rollups_note_batch(batch_id=batch.pk) == 0
