"""One learner's requests on one attempt that overlap, on PostgreSQL.

The browser autosaves while the learner types; a save can still be on its way when they
check an answer or press Submit. Each test holds the first request's transaction open,
waits until the second is blocked behind it (or done), then lets the first commit.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.exceptions import AssessmentError
from assessments.models import Assessment, Attempt, QuestionType, Response
from tests.assessments.factories import RIGHT, WRONG, quiz_with
from tests.concurrency import overlap

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T = QuestionType


@pytest.fixture
def quiz(db):
    quiz, questions = quiz_with([T.SINGLE, T.SINGLE, T.SINGLE], shuffle_questions=False)
    Assessment.objects.filter(pk=quiz.pk).update(
        feedback_timing=Assessment.FeedbackTiming.IMMEDIATE
    )
    quiz.refresh_from_db()
    return quiz, questions


def test_an_autosave_on_its_way_when_the_learner_submits_does_not_fail_the_submit(learner, quiz):
    # given an attempt whose autosave of the first answer has not committed yet
    quiz, (q1, q2, _) = quiz
    attempt = services.attempt_start(user=learner, assessment=quiz)
    answers = {q1.pk: RIGHT[T.SINGLE], q2.pk: WRONG[T.SINGLE]}

    def autosave() -> None:
        services.attempt_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            user=learner,
            answers={q1.pk: RIGHT[T.SINGLE]},
        )

    # when the learner submits the whole form (the same first answer and one more)
    def submit() -> Attempt:
        return services.attempt_submit(
            attempt=Attempt.objects.get(pk=attempt.pk), user=learner, answers=answers
        )

    outcome = overlap(autosave, submit)

    # then the submit waited for the save and went through, with one response per question
    assert "error" not in outcome, outcome
    assert outcome["value"].status != Attempt.Status.IN_PROGRESS
    saved = dict(
        Response.objects.filter(attempt=attempt, answer__isnull=False).values_list(
            "question_id", "answer"
        )
    )
    assert saved == answers
    assert Response.objects.filter(attempt=attempt, question=q1).count() == 1


def test_an_autosave_that_arrives_while_the_submit_commits_is_refused_not_written(learner, quiz):
    # given a submit in progress with the first answer only
    quiz, (q1, q2, _) = quiz
    attempt = services.attempt_start(user=learner, assessment=quiz)

    def submit() -> None:
        services.attempt_submit(
            attempt=Attempt.objects.get(pk=attempt.pk),
            user=learner,
            answers={q1.pk: RIGHT[T.SINGLE]},
        )

    # when an autosave with a second answer arrives before the submit has committed
    def autosave() -> None:
        services.attempt_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            user=learner,
            answers={q2.pk: RIGHT[T.SINGLE]},
        )

    outcome = overlap(submit, autosave)

    # then the autosave is refused: nothing changes in an attempt after its submit
    assert isinstance(outcome.get("error"), AssessmentError), outcome
    assert "submitted" in str(outcome["error"])
    answered = Response.objects.filter(attempt=attempt, answer__isnull=False)
    assert list(answered.values_list("question_id", flat=True)) == [q1.pk]


def test_a_check_and_an_autosave_of_the_same_answer_at_once_both_succeed(learner, quiz):
    # given an autosave of the third answer not committed yet
    quiz, (_, _, q3) = quiz
    attempt = services.attempt_start(user=learner, assessment=quiz)

    def autosave() -> None:
        services.attempt_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            user=learner,
            answers={q3.pk: WRONG[T.SINGLE]},
        )

    # when the learner checks that answer
    def check() -> services.CheckedAnswer:
        return services.attempt_check(
            attempt=Attempt.objects.get(pk=attempt.pk),
            user=learner,
            question_id=q3.pk,
            answer=WRONG[T.SINGLE],
        )

    outcome = overlap(autosave, check)

    # then the check waited, scored the saved answer and locked it
    assert "error" not in outcome, outcome
    assert outcome["value"].result.fraction == 0
    response = Response.objects.get(attempt=attempt, question=q3)
    assert response.answer == WRONG[T.SINGLE] and response.checked_at is not None


def test_start_pressed_twice_after_the_time_ran_out_opens_the_next_attempt_twice(learner):
    # given a timed quiz of two attempts, the first one in progress and its time up
    quiz, _ = quiz_with([T.SINGLE], time_limit_seconds=600, attempts_allowed=2)
    late = services.attempt_start(user=learner, assessment=quiz)
    Attempt.objects.filter(pk=late.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    url = reverse("assessments:start", args=[quiz.slug])
    first, second = Client(), Client()
    for browser in (first, second):
        browser.force_login(learner)

    # when the learner presses Start twice: the first press submits it and starts the next
    outcome = overlap(lambda: first.post(url), lambda: second.post(url))

    # then the second press waited and opens that next attempt, not "all attempts used"
    assert "error" not in outcome, outcome
    following = Attempt.objects.get(assessment=quiz, status=Attempt.Status.IN_PROGRESS)
    assert following.number == 2
    assert outcome["value"].url == reverse("assessments:attempt", args=[following.pk])
    assert Attempt.objects.get(pk=late.pk).status != Attempt.Status.IN_PROGRESS
