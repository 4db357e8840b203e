"""Scoring claims of dead workers are taken over within the claim timeout, once."""

import socket
import subprocess
import uuid
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Attempt, Score
from assessments.models import QuestionType as T
from tests.assessments.factories import quiz_with
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _submitted(user, quiz, answers):
    attempt = services.attempt_start(user=user, assessment=quiz)
    services.attempt_save(attempt=attempt, user=user, answers=answers)
    services.attempt_submit(attempt=attempt, user=user)  # not sent: on-commit not run
    return attempt


def _exited_local_worker() -> str:
    gone = subprocess.Popen(["true"])
    gone.wait()
    return f"scoring@{socket.gethostname()}|{socket.gethostname()}:{gone.pid}:abcd1234"


def test_a_redelivered_task_takes_over_the_claim_of_a_killed_local_worker_at_once(learner):
    # given two attempts claimed together by a pool process that was killed a second ago
    quiz, (q1,) = quiz_with([T.SINGLE], attempts_allowed=0)
    first = _submitted(learner, quiz, {q1.pk: "a"})
    second = _submitted(UserFactory(), quiz, {q1.pk: "b"})
    token, now = uuid.uuid4(), timezone.now()
    Attempt.objects.filter(pk__in=[first.pk, second.pk]).update(
        status="scoring",
        claim_token=token,
        claimed_at=now,
        heartbeat_at=now,
        claimed_by=_exited_local_worker(),
    )

    # when the killed task is redelivered
    run = services.attempt_score(attempt_id=first.pk, worker="w2")

    # then both attempts of the dead claim are scored, once each
    assert sorted(run.scored) == sorted([first.pk, second.pk])
    assert Score.objects.get(attempt=first).points == D("1.00")
    assert Score.objects.get(attempt=second).points == D("0.00")
    assert services.attempt_score(attempt_id=first.pk, worker="w3").claimed == []
    assert Score.objects.count() == 2


def test_a_live_claim_is_not_taken_and_a_silent_one_is_after_the_timeout(learner):
    # given an attempt claimed by a worker on another machine that beat just now
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = _submitted(learner, quiz, {q1.pk: "a"})
    now = timezone.now()
    Attempt.objects.filter(pk=attempt.pk).update(
        status="scoring",
        claim_token=uuid.uuid4(),
        claimed_at=now - timedelta(minutes=3),
        heartbeat_at=now,
        claimed_by="scoring@elsewhere|elsewhere:42:abcd1234",
    )

    # then a redelivery leaves it to that worker
    assert services.attempt_score(attempt_id=attempt.pk, worker="w2").claimed == []
    assert Attempt.objects.get(pk=attempt.pk).status == "scoring"

    # when the worker stops beating for longer than the claim timeout (30 s)
    Attempt.objects.filter(pk=attempt.pk).update(heartbeat_at=now - timedelta(seconds=31))

    # then the next delivery takes it over and scores it once
    run = services.attempt_score(attempt_id=attempt.pk, worker="w2")
    assert list(run.scored) == [attempt.pk]
    assert Score.objects.filter(attempt=attempt).count() == 1
    assert Attempt.objects.get(pk=attempt.pk).status == "scored"


def test_the_sweeper_releases_claims_without_a_heartbeat_within_the_timeout(
    learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE], attempts_allowed=0)
    silent = _submitted(learner, quiz, {q1.pk: "a"})
    beating = _submitted(UserFactory(), quiz, {q1.pk: "a"})
    now = timezone.now()
    for attempt, beat in ((silent, now - timedelta(seconds=40)), (beating, now)):
        Attempt.objects.filter(pk=attempt.pk).update(
            status="scoring",
            claim_token=uuid.uuid4(),
            claimed_at=now - timedelta(minutes=2),
            heartbeat_at=beat,
            claimed_by="scoring@elsewhere|elsewhere:42:abcd1234",
        )

    with django_capture_on_commit_callbacks(execute=True):
        report = services.attempts_sweep()

    assert report.released == 1
    assert Attempt.objects.get(pk=silent.pk).status == "scored"
    assert Attempt.objects.get(pk=beating.pk).status == "scoring"
