"""Scoring throughput through a real worker, as a ratio against an empty task.

Creates its own PostgreSQL database, starts one Celery worker (concurrency 2, the
scoring queue, the project's late-acknowledgement policy) and stops it by pid. For
each round it fills the scoring queue while the worker is not consuming it, lets the
worker go, and measures completions per second from the first to the last one:

- scoring: 20-question attempts (every question type, skills tagged, a certification
  that mentions the assessment, a module quiz of a pathway each learner follows, so
  progress is recorded too) scored by `assessments.tasks.score_attempt`;
- baseline: `assessments.tasks.bench_empty`, a task that only records that it ran.

Each scoring run is compared with the mean of the empty-task runs just before and after
it (the load on a shared machine drifts). Prints `scoring_attempts_per_s_ratio: R
(target >= 0.4)`, the median of the rounds.

Environment: BENCH_PG_URL (server, default postgres://postgres@127.0.0.1:5432),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/6), BENCH_ATTEMPTS, BENCH_EMPTY, BENCH_ROUNDS.
"""

import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = "trellis_bench_scoring"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
N_ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "500"))
N_EMPTY = int(os.environ.get("BENCH_EMPTY", "1500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
TARGET = 0.4

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DJANGO_DEBUG": "false",
    "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
    "REDIS_URL": REDIS_URL,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "DJANGO_LOG_LEVEL": "WARNING",
    "TRELLIS_VAR_DIR": str(ROOT / "var" / "bench"),
    # As a scoring worker should run: keep the database connection between tasks.
    "CELERY_DB_REUSE_MAX": os.environ.get("CELERY_DB_REUSE_MAX", "1000"),
}


def _admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def _setup_django() -> None:
    os.environ.update(ENV)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed() -> int:
    """One 20-question assessment; returns its id."""
    from assessments import services
    from assessments.models import Assessment
    from pathways.models import Certification, Skill
    from tests.assessments.factories import SPECS
    from tests.cohorts.factories import ModuleFactory, PathwayFactory

    skills = [
        Skill.objects.create(slug=f"bench-skill-{i}", name=f"Bench skill {i}", pillar="testing")
        for i in range(3)
    ]
    bank = services.question_bank_create(name="Bench", slug="bench")
    questions = []
    for i in range(20):
        qtype = list(SPECS)[i % len(SPECS)]
        questions.append(
            services.question_create(
                bank=bank,
                qtype=qtype,
                text=f"Question {i}",
                spec=SPECS[qtype],
                skills=[skills[i % 3]],
            )
        )
    module = ModuleFactory(pathway=PathwayFactory(slug="bench-track"))
    assessment = services.assessment_create(
        created_by=None,
        module=module,
        slug="bench-quiz",
        title="Bench quiz",
        kind=Assessment.Kind.QUIZ,
        is_published=True,
        question_ids=[q.pk for q in questions],
        skills=[skills[0]],
    )
    Certification.objects.create(
        slug="bench-cert", name="Bench", criteria={"assessments": ["bench-quiz", "other"]}
    )
    return assessment.pk


def _answered_attempts(assessment_id: int, n: int, rng: random.Random) -> list[int]:
    """n learners, each with an attempt whose answers (partly right) are saved.

    They stay in progress until their round: a scoring task also takes along other
    submitted attempts, so a later round's attempts must not be waiting already.
    """
    from django.utils import timezone

    from assessments import services
    from assessments.models import Assessment, Attempt, Response
    from org.models import User
    from pathways.models import Enrollment
    from tests.assessments.factories import RIGHT, WRONG

    assessment = Assessment.objects.get(pk=assessment_id)
    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        [User(email=f"bench-{tag}-{i}@example.test") for i in range(n)]
    )
    # Each learner follows the quiz's pathway, so scoring also records their progress.
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                user=user, pathway_id=assessment.module.pathway_id, pathway_slug="bench-track"
            )
            for user in users
        ]
    )
    template = services.attempt_start(user=users[0], assessment=assessment, rng=rng)
    questions = list(assessment.questions.all())
    now = timezone.now()
    Attempt.objects.filter(pk=template.pk).delete()
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                assessment=assessment,
                user=user,
                status=Attempt.Status.IN_PROGRESS,
                layout=template.layout,
                started_at=now,
            )
            for user in users
        ]
    )
    Response.objects.bulk_create(
        [
            Response(
                attempt=attempt,
                question=q,
                answer=(RIGHT if rng.random() < 0.7 else WRONG)[q.qtype],
                saved_at=now,
            )
            for attempt in attempts
            for q in questions
        ],
        batch_size=2000,
    )
    return [a.pk for a in attempts]


def _start_worker() -> tuple[subprocess.Popen, str]:
    from config.celery_app import app

    name = f"bench-scoring-{os.getpid()}"
    log = open(ROOT / "var" / "bench" / "worker.log", "ab")  # noqa: SIM115
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "scoring"]
    command += ["-c", "2", "-I", "bench._bench_tasks", "-l", os.environ.get("BENCH_LOG", "warning")]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        for reply in replies:
            for node in reply:
                if node.startswith(name):
                    return proc, node
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with {proc.returncode}; see var/bench/worker.log")
    raise RuntimeError("worker did not answer within 60 s")


def _wait(done, timeout: float = 300) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not finish in time")
        time.sleep(0.05)


def _filled_then_released(app, node: str, send) -> float:  # type: ignore[no-untyped-def]
    """Fill the scoring queue while the worker does not consume it, then let it go.
    Returns the wall-clock time at which it was let go."""
    app.control.cancel_consumer("scoring", destination=[node], reply=True, timeout=5)
    try:
        send()
    finally:
        started = time.time()
        app.control.add_consumer("scoring", destination=[node], reply=True, timeout=5)
    return started


def _scoring_rate(app, node: str, attempt_ids: list[int]) -> float:  # type: ignore[no-untyped-def]
    import redis
    from django.db.models import Max
    from django.utils import timezone

    from assessments.models import Attempt, Score
    from assessments.tasks import score_attempt

    client = redis.Redis.from_url(REDIS_URL)
    marker = uuid.uuid4().hex

    def send() -> None:
        now = timezone.now()
        Attempt.objects.filter(pk__in=attempt_ids).update(
            status=Attempt.Status.SUBMITTED, submitted_at=now, enqueued_at=now
        )
        for attempt_id in attempt_ids:
            score_attempt.apply_async(args=[attempt_id])
        # Queued last: when it has run, so has every scoring task before it (one task may
        # still be finishing in the other process), including those with nothing left to do.
        app.send_task("assessments.tasks.bench_empty", args=[marker])

    started = _filled_then_released(app, node, send)
    scores = Score.objects.filter(attempt_id__in=attempt_ids)
    _wait(lambda: scores.count() == len(attempt_ids) and client.get(f"bench:{marker}:n"))
    last_score = scores.aggregate(last=Max("scored_at"))["last"].timestamp()
    last_task = float(client.get(f"bench:{marker}:last"))
    client.delete(*(f"bench:{marker}:{k}" for k in ("n", "first", "last")))
    return len(attempt_ids) / (max(last_score, last_task) - started)


def _empty_rate(app, node: str, n: int) -> float:  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    run = uuid.uuid4().hex

    def send() -> None:
        for _ in range(n):
            app.send_task("assessments.tasks.bench_empty", args=[run])

    started = _filled_then_released(app, node, send)
    _wait(lambda: int(client.get(f"bench:{run}:n") or 0) == n)
    last = float(client.get(f"bench:{run}:last"))
    client.delete(*(f"bench:{run}:{k}" for k in ("n", "first", "last")))
    return n / (last - started)


def main() -> int:
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin_sql(f"CREATE DATABASE {DB_NAME}")
    proc = None
    try:
        _setup_django()
        from django.db import connections

        from config.celery_app import app

        rng = random.Random(5)
        assessment_id = _seed()
        batches = [_answered_attempts(assessment_id, N_ATTEMPTS, rng) for _ in range(ROUNDS + 1)]
        app.control.purge()
        proc, node = _start_worker()
        # Warm up: worker processes forked, connections open, code paths loaded.
        _scoring_rate(app, node, batches[0][:50])
        _empty_rate(app, node, 100)
        ratios = []
        empty_after = _empty_rate(app, node, N_EMPTY)
        for round_no in range(ROUNDS):
            # The machine's load drifts: compare with the empty task just before and after.
            empty_before = empty_after
            scored = _scoring_rate(app, node, batches[round_no + 1])
            empty_after = _empty_rate(app, node, N_EMPTY)
            empty = (empty_before + empty_after) / 2
            ratios.append(scored / empty)
            print(
                f"round {round_no + 1}: {scored:.0f} scored attempts/s, "
                f"{empty:.0f} empty tasks/s, ratio {scored / empty:.2f}",
                flush=True,
            )
        ratio = statistics.median(ratios)
        print(f"scoring_attempts_per_s_ratio: {ratio:.2f} (target >= {TARGET})", flush=True)
        connections.close_all()
        return 0 if ratio >= TARGET else 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
