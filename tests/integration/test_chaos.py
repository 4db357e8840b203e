"""Faults injected into a real stack: a Celery worker process, PostgreSQL, and a private
Redis (started here on a free port; the shared one is never touched).

- the scoring worker killed (`kill -9`) mid-batch, several times: every attempt scored
  once, none waiting long after the kill;
- Redis stopped while learners submit and managers import: no 500, every batch done
  (not failed) once Redis is back, nothing twice;
- the database terminating the import's connections: the import finishes soon after;
- a file with invalid UTF-8 lines: exactly those lines rejected.

Claims time out after 5 s here (production: 30 s) so the suite stays short.
"""

import datetime as dt
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import Attempt, QuestionType, Score
from config.celery_app import app as celery_app
from incidents import services as incident_services
from incidents.importers import Document
from incidents.models import ImportBatch, Incident, RejectedRecord
from org.models import OutboxMessage
from org.outbox import outbox_send
from pathways.models import SkillRating
from tests.assessments.factories import RIGHT, SkillFactory, quiz_with
from tests.factories import TeamFactory, UserFactory
from tests.incidents.records import TEAMS, jsonl, native_record
from tests.integration.conftest import ROOT, _database_url, _worker_idle, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
CLAIM_TIMEOUT = 5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """redis-server on 127.0.0.1 and a free port, with an append-only file in a temporary
    folder so that a stop and start keeps what was queued (as a production Redis does)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.folder = tempfile.TemporaryDirectory(prefix="trellis-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                self.folder.name,
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        assert wait_for(lambda: self._pings(client), timeout=15), "private redis did not start"

    @staticmethod
    def _pings(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self.proc = None

    def close(self) -> None:
        self.stop()
        self.folder.cleanup()


def _reset_producers() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def _broker(url: str) -> Iterator[None]:
    """This process talks to the broker at `url`; afterwards, to the one it had."""
    old = (celery_app.conf.broker_url, celery_app.conf.broker_write_url)
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = url
    _reset_producers()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_write_url = old
        _reset_producers()


@pytest.fixture(scope="module")
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed (apt-get install redis-server)")
    server = PrivateRedis()
    server.start()
    yield server
    server.close()


class SupervisedWorker:
    """One worker process (2 pool processes, every queue) on the private Redis, started
    again when it exits, as `restart: unless-stopped` does in docker-compose.yml: a worker
    may exit when its broker goes away (kombu cannot restore unacknowledged messages
    without a connection), and production relies on its supervisor for that."""

    def __init__(self, private_redis: PrivateRedis) -> None:
        self.private_redis = private_redis
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": private_redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "TRELLIS_HEARTBEAT_SECONDS": "1",
            "TRELLIS_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT),
        }
        self.log = open(ROOT / "var" / "test-chaos-worker.log", "ab")  # noqa: SIM115

    def start(self) -> None:
        self.starts += 1
        name = f"chaos-{os.getpid()}-{self.starts}@%h"
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                *("-Q", "default,scoring,metrics", "-c", "2", "-l", "info", "-n", name),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        # The worker is ready once it consumes: a ping through its own broker answers.
        with _broker(self.private_redis.url):
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if celery_app.control.ping(timeout=0.5):
                    return
                assert self.proc.poll() is None, (
                    "the chaos worker exited at start; see var/test-chaos-worker.log"
                )
        pytest.fail("the chaos worker did not answer within 120 s")

    def ensure_running(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        self.stop()
        self.log.close()


@pytest.fixture(scope="module")
def chaos_worker(private_redis, django_db_setup, django_db_blocker) -> Iterator[SupervisedWorker]:
    worker = SupervisedWorker(private_redis)
    worker.start()
    yield worker
    worker.close()


@pytest.fixture
def on_private_broker(chaos_worker, private_redis, monkeypatch) -> PrivateRedis:
    """This process sends its tasks to the private Redis, as the web would."""
    from celery._state import _set_task_join_will_block

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    chaos_worker.ensure_running()
    with _broker(private_redis.url):
        _set_task_join_will_block(False)
        yield private_redis
        chaos_worker.ensure_running()
        # Tasks a test started (e.g. rollups after an import) end before its rows are
        # flushed: a flush racing them deadlocks.
        assert wait_for(_worker_idle, timeout=60), "the chaos worker is still busy"


def _pid(worker: str) -> int:
    return int(worker.split("|")[1].split(":")[1])


def _started_attempts(count: int):
    quiz, questions = quiz_with(
        [QuestionType.SINGLE, QuestionType.TRUE_FALSE], skills=[SkillFactory()], attempts_allowed=0
    )
    attempts = []
    for _ in range(count):
        learner = UserFactory()
        attempt = assessment_services.attempt_start(user=learner, assessment=quiz)
        assessment_services.attempt_save(
            attempt=attempt, user=learner, answers={q.pk: RIGHT[q.qtype] for q in questions}
        )
        attempts.append((attempt, learner))
    return attempts


def _db_params() -> dict:
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}


def _assert_each_scored_once(attempt_ids: list[int]) -> None:
    statuses = set(Attempt.objects.filter(pk__in=attempt_ids).values_list("status", flat=True))
    assert statuses == {"scored"}
    assert Score.objects.filter(attempt_id__in=attempt_ids).count() == len(attempt_ids)
    for attempt_id in attempt_ids:
        assert SkillRating.objects.filter(source_ref=f"attempt:{attempt_id}").count() == 1


def test_a_scoring_worker_killed_mid_batch_three_times_scores_every_attempt_once(
    on_private_broker,
):
    all_ids: list[int] = []
    for _round in range(3):
        # given ten submitted attempts, claimed as one batch by a pool process that this
        # test holds up inside its scoring transaction (the responses are locked)
        attempts = _started_attempts(10)
        ids = [a.pk for a, _ in attempts]
        all_ids += ids
        locker = psycopg.connect(**_db_params())
        locker.execute(
            "SELECT id FROM assessments_response WHERE attempt_id = ANY(%s) FOR UPDATE", [ids]
        )
        try:
            with transaction.atomic():  # all submitted before any task is sent
                for attempt, learner in attempts:
                    assessment_services.attempt_submit(attempt=attempt, user=learner)
            assert wait_for(
                lambda ids=ids: Attempt.objects.filter(pk__in=ids, status="scoring").count() == 10
            ), "no worker claimed the batch"
            claimed_by = Attempt.objects.get(pk=ids[0]).claimed_by
            time.sleep(0.3)

            # when that process is killed
            os.kill(_pid(claimed_by), signal.SIGKILL)
            killed_at = time.monotonic()
        finally:
            locker.rollback()
            locker.close()

        # then the redelivered task takes the dead claim over: all ten scored once, soon
        assert wait_for(
            lambda ids=ids: Attempt.objects.filter(pk__in=ids, status="scored").count() == 10,
            timeout=60,
        ), "the batch of the killed worker was not taken over within 60 s"
        assert time.monotonic() - killed_at < 60
        assert Score.objects.filter(attempt_id__in=ids).exclude(scored_by=claimed_by).count() == 10

    _assert_each_scored_once(all_ids)


def test_redis_stopped_during_submits_and_imports_loses_nothing_and_fails_nothing(
    on_private_broker, chaos_worker, api_client
):
    manager = UserFactory(personas=["learner", "manager"])
    for slug in TEAMS:
        TeamFactory(slug=slug, managers=[manager])
    attempts = _started_attempts(6)
    done_while_down = incident_services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(100 + n) for n in range(5)]))],
        created_by=None,
        enqueue=False,
    )

    # given Redis goes away
    on_private_broker.stop()
    try:
        # when learners submit and a manager posts three imports
        for attempt, learner in attempts:
            api_client.force_authenticate(learner)
            response = api_client.post(reverse("api-assessments-attempt-submit", args=[attempt.pk]))
            assert response.status_code == 200, response.content
        api_client.force_authenticate(manager)
        batch_ids = []
        for part in range(3):
            records = [native_record(part * 20 + n) for n in range(20)]
            response = api_client.post(
                reverse("api-incidents"), {"records": records}, format="json"
            )
            assert response.status_code == 202, response.content
            batch_ids.append(response.json()["id"])
        # and a batch finishes while Redis is down (its announcement cannot be sent)
        finished = incident_services.import_batch_process(batch_id=done_while_down.pk)
        assert (finished.status, finished.created_count) == ("done", 5)
    finally:
        on_private_broker.start()
    chaos_worker.ensure_running()  # as its supervisor would, if the outage ended it
    # kept: the three imports' messages and the finished batch's note to metrics
    assert sorted(OutboxMessage.objects.values_list("task", flat=True)) == [
        "incidents.tasks.import_batch_process",
        "incidents.tasks.import_batch_process",
        "incidents.tasks.import_batch_process",
        "metrics.tasks.rollups_note_batch",
    ]

    # when the broker is back and beat's jobs run
    _reset_producers()
    assert outbox_send() == 4
    assessment_services.attempts_sweep(grace=dt.timedelta(0))

    # then every batch is done (not failed), every attempt scored once, nothing twice
    assert wait_for(
        lambda: (
            set(ImportBatch.objects.filter(pk__in=batch_ids).values_list("status", flat=True))
            == {"done"}
        ),
        timeout=60,
    ), list(ImportBatch.objects.values_list("status", "error"))
    ids = [a.pk for a, _ in attempts]
    assert wait_for(
        lambda: Attempt.objects.filter(pk__in=ids, status="scored").count() == 6, timeout=60
    )
    _assert_each_scored_once(ids)
    assert Incident.objects.count() == 65
    assert ImportBatch.objects.get(pk=done_while_down.pk).status == "done"
    assert ImportBatch.objects.filter(status="failed").count() == 0


def _terminate_connections_except_mine() -> int:
    connection.ensure_connection()
    with psycopg.connect(**_db_params(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND pid <> %s",
            [connection.connection.info.backend_pid],
        ).fetchall()
    return len(rows)


def test_an_import_whose_connections_are_terminated_finishes_soon_after(
    on_private_broker, api_client
):
    # given a large import running on the worker
    for slug in TEAMS:
        TeamFactory(slug=slug)
    count = 12_000
    batch = incident_services.import_batch_create(
        format="jsonl",
        documents=[Document("big.jsonl", jsonl([native_record(n) for n in range(count)]))],
        created_by=None,
    )
    assert wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk, processed_count__gt=0).exists(),
        timeout=90,
    ), "the import did not start"

    # when the database terminates every connection of the worker
    assert _terminate_connections_except_mine() >= 1
    cut_at = time.monotonic()

    # then the import is retried at once and finishes, every record once
    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == "done", timeout=120), (
        ImportBatch.objects.values("status", "processed_count", "error").get(pk=batch.pk)
    )
    assert time.monotonic() - cut_at < 120
    batch.refresh_from_db()
    assert (batch.created_count, batch.rejected_count, Incident.objects.count()) == (
        count,
        0,
        count,
    )


def test_a_file_with_invalid_utf8_lines_rejects_exactly_those_lines(on_private_broker, tmp_path):
    for slug in TEAMS:
        TeamFactory(slug=slug)
    lines = [jsonl([native_record(n)]).encode() for n in range(30)]
    bad = {4, 17, 29}
    for n in bad:
        lines[n] = lines[n].replace(b"Incident number", b"Incident \xc3\x28number")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(lines))

    call_command("import_postmortems", str(path), "--format", "jsonl", stdout=io.StringIO())

    batch = ImportBatch.objects.get()
    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == "done", timeout=60)
    batch.refresh_from_db()
    assert (batch.created_count, batch.rejected_count) == (27, 3)
    rejected = RejectedRecord.objects.filter(batch=batch).order_by("position")
    assert [r.position for r in rejected] == sorted(bad)
    assert all("invalid UTF-8 at byte offset" in r.errors[0]["message"] for r in rejected)
    assert all("\\xc3(number" in r.raw for r in rejected)
