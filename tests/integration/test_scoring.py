"""Scoring through a real Celery worker process against PostgreSQL and Redis.

Exactly one score per attempt whatever happens to the task: delivered twice, the
worker killed after claiming, or the broker down when the attempt was submitted.
"""

import os
import signal
import time
from contextlib import contextmanager
from decimal import Decimal as D

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from assessments import services
from assessments.models import Attempt, QuestionType, Score
from assessments.tasks import score_attempt, sweep_attempts
from config.celery_app import app as celery_app
from pathways.models import SkillRating
from tests.assessments.factories import RIGHT, SkillFactory, quiz_with
from tests.factories import UserFactory
from tests.integration.conftest import wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("idle_worker"),
]
T = QuestionType
TYPES = [T.SINGLE, T.MULTIPLE, T.TRUE_FALSE, T.NUMERIC, T.SHORT_TEXT, T.ORDERING, T.MATCHING]


def _status(attempt_id: int) -> str:
    return Attempt.objects.values_list("status", flat=True).get(pk=attempt_id)


def _started(learner, **quiz_fields):
    quiz, questions = quiz_with(TYPES, skills=[SkillFactory()], **quiz_fields)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    answers = {q.pk: RIGHT[q.qtype] for q in questions}
    answers[questions[0].pk] = "b"  # one wrong: 6 of 7
    services.attempt_save(attempt=attempt, user=learner, answers=answers)
    return attempt


def _reset_producers() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker_unreachable():
    """Publish to a port nobody listens on: sending a task really fails."""
    old = celery_app.conf.get("broker_write_url")
    celery_app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    _reset_producers()
    try:
        yield
    finally:
        celery_app.conf.broker_write_url = old
        _reset_producers()


def _assert_scored_once(attempt_id: int) -> Score:
    (score,) = Score.objects.filter(attempt_id=attempt_id)
    assert _status(attempt_id) == "scored"
    assert (score.points, score.max_points, score.percent, score.passed) == (
        D("6.00"),
        D("7.00"),
        D("85.71"),
        True,
    )
    assert SkillRating.objects.filter(source_ref=f"attempt:{attempt_id}").count() == 1
    return score


def test_a_submitted_attempt_is_scored_by_the_worker(api_client, real_broker):
    # given a learner with a saved 7-question attempt
    learner = UserFactory()
    attempt = _started(learner)
    api_client.force_authenticate(learner)

    # when they submit it over the API (the task goes through Redis)
    response = api_client.post(reverse("api-assessments-attempt-submit", args=[attempt.pk]))
    assert response.status_code == 200

    # then the worker process scores it once
    assert wait_for(lambda: _status(attempt.pk) == "scored"), "the worker did not score it"
    score = _assert_scored_once(attempt.pk)
    node = score.scored_by.split("|")[0]
    assert node.startswith("test-") and _pid(score.scored_by) != os.getpid()


def test_the_same_task_delivered_three_times_scores_once(real_broker):
    # given an attempt submitted while its task could not be sent
    learner = UserFactory()
    attempt = _started(learner)
    with broker_unreachable():
        services.attempt_submit(attempt=attempt, user=learner)
    assert _status(attempt.pk) == "submitted"

    # when the task is delivered three times at once to a worker with two processes
    results = [score_attempt.apply_async(args=[attempt.pk], ignore_result=False) for _ in range(3)]

    # then exactly one delivery scored it and the others found nothing to do
    outcomes = sorted(r.get(timeout=30) for r in results)
    assert outcomes == ["nothing to do", "nothing to do", "scored 1"]
    _assert_scored_once(attempt.pk)


def _pid(worker: str) -> int:
    """The process of a worker id `node|host:pid:token` (config.claims.worker_id)."""
    return int(worker.split("|")[1].split(":")[1])


def test_a_worker_killed_after_claiming_leaves_one_score(real_broker):
    # given a submitted attempt whose responses this test keeps locked, so the worker
    # that claims it blocks inside its scoring transaction
    learner = UserFactory()
    attempt = _started(learner)
    params = connection.get_connection_params()
    locker = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )
    locker.execute(
        "SELECT id FROM assessments_response WHERE attempt_id = %s FOR UPDATE", [attempt.pk]
    )
    try:
        services.attempt_submit(attempt=attempt, user=learner)
        assert wait_for(lambda: _status(attempt.pk) == "scoring"), "no worker claimed it"
        claimed_by = Attempt.objects.get(pk=attempt.pk).claimed_by
        time.sleep(0.3)  # it is now waiting for our lock, mid-transaction

        # when that worker process is killed (SIGKILL: no clean-up of any kind)
        os.kill(_pid(claimed_by), signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        locker.rollback()
        locker.close()

    # then the redelivered task (acks_late) sees the claim's process is gone and takes
    # the attempt over at once, without waiting for a sweep: scored once
    assert wait_for(lambda: _status(attempt.pk) == "scored", timeout=30), "not taken over"
    assert time.monotonic() - killed_at < 30
    score = _assert_scored_once(attempt.pk)
    assert score.scored_by != claimed_by


def test_a_stale_claim_is_handed_back_by_the_periodic_sweep(real_broker):
    # given an attempt left "scoring" by a worker that died 10 minutes ago
    learner = UserFactory()
    attempt = _started(learner)
    with broker_unreachable():
        services.attempt_submit(attempt=attempt, user=learner)
    import uuid

    from django.utils import timezone

    Attempt.objects.filter(pk=attempt.pk).update(
        status="scoring",
        claim_token=uuid.uuid4(),
        claimed_at=timezone.now() - timezone.timedelta(minutes=10),
        claimed_by="dead-host:1",
    )

    # when the sweeper task runs with its default limits
    report = sweep_attempts.apply_async(ignore_result=False).get(timeout=30)

    # then the claim is released and the attempt scored once
    assert (report["released"], report["requeued"]) == (1, 1)
    assert wait_for(lambda: _status(attempt.pk) == "scored")
    _assert_scored_once(attempt.pk)


def test_an_attempt_submitted_while_the_broker_was_down_is_scored_after_the_sweep(
    api_client, real_broker
):
    # given the broker is unreachable when the learner submits
    learner = UserFactory()
    attempt = _started(learner)
    api_client.force_authenticate(learner)
    with broker_unreachable():
        response = api_client.post(reverse("api-assessments-attempt-submit", args=[attempt.pk]))

    # then the learner still gets their answer: submitted, waiting to be scored
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    time.sleep(1.0)
    assert _status(attempt.pk) == "submitted"
    assert not Score.objects.filter(attempt=attempt).exists()

    # when the broker is back and the sweeper runs (as beat would, after the grace period)
    sweep_attempts.apply_async(kwargs={"grace_seconds": 0})

    # then the worker scores it, once
    assert wait_for(lambda: _status(attempt.pk) == "scored"), "not scored after the sweep"
    _assert_scored_once(attempt.pk)
