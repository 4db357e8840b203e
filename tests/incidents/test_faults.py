"""Imports under faults: a failed announcement, a dead connection, a dead run."""

import datetime as dt

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.celery_app import app as celery_app
from incidents import services, upsert
from incidents.importers import Document
from incidents.leases import batch_claim
from incidents.models import ImportBatch, Incident
from tests.incidents.records import jsonl, native_record


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 128)


def _batch(count: int) -> ImportBatch:
    return services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(n) for n in range(count)]))],
        created_by=None,
        enqueue=False,
    )


@pytest.mark.django_db(transaction=True)
@override_settings(INCIDENT_BATCH_DONE_TASKS=["metrics.tasks.not_loaded_here"])
def test_a_batch_that_finished_stays_done_when_its_announcement_cannot_be_sent(teams, monkeypatch):
    # given a broker that refuses every message
    def refuse(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(celery_app, "send_task", refuse)
    batch = _batch(20)

    # when the batch is processed (its records commit, then the announcement fails)
    services.import_batch_process(batch_id=batch.pk)

    # then the batch is done with every record, not failed
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.error) == ("done", 20, "")
    assert Incident.objects.count() == 20


@pytest.mark.django_db
def test_an_unexpected_error_never_overwrites_a_batch_another_run_finished(teams, monkeypatch):
    # given a batch another run completed while this one was failing
    batch = _batch(5)

    def finish_elsewhere_then_fail(*args, **kwargs):
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE)
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_process", finish_elsewhere_then_fail)

    # when this run fails
    services.import_batch_process(batch_id=batch.pk)

    # then the batch stays done
    batch.refresh_from_db()
    assert (batch.status, batch.error) == ("done", "")


@pytest.mark.django_db
def test_a_live_run_keeps_its_batch_and_a_silent_one_is_taken_over(teams):
    # given a batch claimed by a run that still beats
    batch = _batch(3)
    assert batch_claim(batch.pk, "node|elsewhere:1:a")
    assert not batch_claim(batch.pk, "node|elsewhere:2:b")

    # when its heartbeat stops for longer than the claim timeout
    ImportBatch.objects.filter(pk=batch.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    # then the next delivery takes it over, recording itself
    assert batch_claim(batch.pk, "node|elsewhere:2:b")
    batch.refresh_from_db()
    assert (batch.claimed_by, batch.status) == ("node|elsewhere:2:b", "running")
    lease = (batch.lease_expires_at - batch.heartbeat_at).total_seconds()
    assert lease == 30


@pytest.mark.django_db
def test_a_batch_held_by_a_process_of_this_machine_that_died_is_taken_over_at_once(teams):
    import socket
    import subprocess

    # given a batch claimed by a local process that has exited
    gone = subprocess.Popen(["true"])
    gone.wait()
    batch = _batch(3)
    dead = f"node|{socket.gethostname()}:{gone.pid}:a"
    assert batch_claim(batch.pk, dead)

    # then a new run takes it over without waiting for the lease, and finishes it
    done = services.import_batch_process(batch_id=batch.pk)
    assert (done.status, done.created_count) == ("done", 3)


@pytest.mark.django_db
def test_the_stale_sweep_requeues_batches_whose_run_stopped_beating(teams, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_enqueue", sent.append)
    silent, beating = _batch(1), _batch(1)
    assert batch_claim(silent.pk, "node|elsewhere:1:a")
    assert batch_claim(beating.pk, "node|elsewhere:2:a")
    ImportBatch.objects.filter(pk=silent.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert services.import_batches_requeue_stale() == [silent.pk]
    assert sent == [silent.pk]


def _terminate_other_connections() -> None:
    settings_db = connection.settings_dict
    with psycopg.connect(
        host=settings_db["HOST"] or "127.0.0.1",
        port=settings_db["PORT"] or 5432,
        user=settings_db["USER"],
        password=settings_db["PASSWORD"] or None,
        dbname=settings_db["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_database_dropped_every_connection_the_retry_claims_the_batch_at_once(
    teams, monkeypatch, small_chunks
):
    # given an import whose database connections are all terminated on its second chunk
    batch = _batch(300)
    real_insert = upsert._insert_new
    calls = []

    def terminated(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            _terminate_other_connections()
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(upsert, "_insert_new", terminated)

    # when the run fails on its dead connections
    with pytest.raises((OperationalError, InterfaceError)):
        services.import_batch_process(batch_id=batch.pk)

    # then the batch was handed back on a fresh connection, and the retry finishes it
    batch.refresh_from_db()
    assert (batch.status, batch.lease_expires_at) == ("running", None)
    assert services.import_batch_process(batch_id=batch.pk).status == "done"
    batch.refresh_from_db()
    assert (batch.created_count, Incident.objects.count()) == (300, 300)
