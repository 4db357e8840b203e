"""A real Celery worker process for tests marked `worker` (PostgreSQL + Redis)."""

import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery.exceptions import DuplicateNodenameWarning
from django.conf import settings

from config.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_SECONDS = 180


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[Callable[[], None]]:
    """Start `celery worker` against the test database; yields a function that restarts it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # item statistics recomputed soon after scoring, so a test can wait for them
        "ITEM_STATISTICS_DEBOUNCE_SECONDS": "2",
    }
    celery_app.control.purge()
    log = open(ROOT / "var" / "test-worker.log", "ab")  # noqa: SIM115
    procs: list[subprocess.Popen] = []

    def start() -> None:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "default,scoring,metrics",
                "-c",
                "2",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{os.getpid()}-{len(procs)}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        # Starting Django and Celery takes over a minute on a busy 2-core machine.
        deadline = time.monotonic() + WORKER_START_SECONDS
        while time.monotonic() < deadline:
            replies = celery_app.control.ping(timeout=0.5) or []
            if any(proc_name.startswith(f"test-{os.getpid()}") for r in replies for proc_name in r):
                return
            if proc.poll() is not None:
                raise RuntimeError(
                    f"celery worker exited with {proc.returncode}; see var/test-worker.log"
                )
        proc.kill()  # never left running (and consuming later runs' tasks)
        proc.wait()
        raise RuntimeError(f"celery worker did not answer a ping within {WORKER_START_SECONDS} s")

    start()
    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    log.close()


@pytest.fixture
def real_broker(monkeypatch, celery_worker_process):
    """Send tasks to Redis (not eagerly) for the duration of one test.

    Afterwards, waits (bounded) for the worker to finish what the test set off, and
    drops what is still queued: a follow-up task (e.g. the metrics note a finished
    import sends) must not run while the test database is being emptied, where its
    locks and the TRUNCATE's can deadlock.
    """
    from celery._state import _set_task_join_will_block

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # The test process is never a worker: waiting for a result here is allowed, whatever
    # an earlier test left in Celery's process-wide "inside a worker" flag.
    _set_task_join_will_block(False)
    yield celery_worker_process
    _drain_worker()


def _drain_worker() -> bool:
    """Wait (bounded) until the worker is idle and drop what is queued, twice (a task
    the worker was running may have queued another). Whether it was idle both times."""
    idle = True
    for _ in range(2):
        idle = wait_for(_worker_idle) and idle
        celery_app.control.purge()
    return idle


def _worker_idle() -> bool:
    inspect = celery_app.control.inspect(timeout=0.5)
    with warnings.catch_warnings():
        # a late reply to the previous broadcast may arrive with this one: harmless here
        warnings.simplefilter("ignore", DuplicateNodenameWarning)
        busy = [*(inspect.active() or {}).values(), *(inspect.reserved() or {}).values()]
    return not any(busy)


@pytest.fixture
def idle_worker(real_broker):
    """The worker has finished every task of earlier tests and nothing is queued.

    A scoring task takes along every attempt still waiting (batch draining), so a late
    redelivery from an earlier test (e.g. of a task whose worker was killed) would score
    this test's attempts before the test has looked at them.
    """
    assert _drain_worker(), "the worker is still busy with an earlier test's tasks"
    return real_broker


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()
