"""Two imports of the same file at once, on PostgreSQL: no duplicates, counts that add up."""

import threading

import pytest
from django.db import OperationalError, connection

from incidents import services, upsert
from incidents.importers import Document
from incidents.models import ImportBatch, Incident, Service
from tests.factories import TeamFactory
from tests.incidents.records import TEAMS, jsonl, native_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _two_batches_of_the_same_file(count: int) -> list[ImportBatch]:
    for slug in TEAMS:
        TeamFactory(slug=slug)
    document = Document("same.jsonl", jsonl([native_record(n) for n in range(count)]))
    return [
        services.import_batch_create(
            format="jsonl", documents=[document], created_by=None, enqueue=False
        )
        for _ in range(2)
    ]


def _run_at_once(batches: list[ImportBatch]) -> list[BaseException]:
    barrier = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def work(batch_id: int) -> None:
        try:
            barrier.wait()
            services.import_batch_process(batch_id=batch_id)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(b.pk,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _assert_no_duplicates(batches: list[ImportBatch], count: int) -> None:
    for batch in batches:
        batch.refresh_from_db()
    assert [b.status for b in batches] == ["done", "done"]
    assert Incident.objects.count() == count
    assert sum(b.created_count for b in batches) == count
    assert sum(b.unchanged_count for b in batches) == count
    assert sum(b.updated_count + b.rejected_count for b in batches) == 0
    assert Service.objects.count() == 5


def test_two_imports_of_the_same_file_at_once_do_not_duplicate(monkeypatch):
    # given the same 600-record file queued twice, processed in chunks of 100
    monkeypatch.setattr(services, "CHUNK_SIZE", 100)
    batches = _two_batches_of_the_same_file(600)

    # when both run at the same moment in two threads (two connections)
    errors = _run_at_once(batches)

    # then every incident exists once; one batch created what the other found unchanged
    assert errors == []
    _assert_no_duplicates(batches, 600)


def test_the_unique_constraint_holds_even_without_the_source_lock(monkeypatch):
    # given two imports of one file and no advisory lock (a writer that bypasses it)
    monkeypatch.setattr(services, "CHUNK_SIZE", 100)
    monkeypatch.setattr(upsert, "_begin_chunk", lambda source: None)
    batches = _two_batches_of_the_same_file(400)

    # when both run at once, their inserts collide on (source, external_id)
    errors = _run_at_once(batches)

    # then the loser's chunk is retried, finds the rows, and nothing is duplicated
    assert errors == []
    _assert_no_duplicates(batches, 400)


def test_a_crash_in_the_background_writer_leaves_whole_chunks(monkeypatch):
    # given a queued batch (written from a background thread outside a transaction)
    monkeypatch.setattr(services, "CHUNK_SIZE", 100)
    for slug in TEAMS:
        TeamFactory(slug=slug)
    batch = services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(n) for n in range(350)]))],
        created_by=None,
        enqueue=False,
    )
    real_insert = upsert._insert_new
    calls = []

    def flaky_insert(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(upsert, "_insert_new", flaky_insert)

    # when the writer dies on the third chunk, the error reaches the task
    with pytest.raises(OperationalError):
        services.import_batch_process(batch_id=batch.pk)

    # then exactly the first two chunks are there, and the retry finishes the rest
    batch.refresh_from_db()
    assert (batch.status, batch.processed_count, Incident.objects.count()) == ("running", 200, 200)
    services.import_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, Incident.objects.count()) == ("done", 350, 350)
