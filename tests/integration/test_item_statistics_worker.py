"""Item statistics are recomputed by the worker after scoring (debounced), with nobody
pressing Recompute. The worker runs with ITEM_STATISTICS_DEBOUNCE_SECONDS=2."""

import pytest

from assessments import services
from assessments.models import Assessment, Attempt, ItemStatistic, QuestionType
from tests.assessments.factories import quiz_with
from tests.factories import UserFactory
from tests.integration.conftest import wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("idle_worker"),
]
T = QuestionType


def test_scored_attempts_lead_to_item_statistics_without_a_request():
    quiz, questions = quiz_with([T.SINGLE, T.SINGLE])
    for answers in (("a", "a"), ("a", "b"), ("b", "b"), ("a", "a")):
        learner = UserFactory()
        attempt = services.attempt_start(user=learner, assessment=quiz)
        services.attempt_submit(
            attempt=attempt,
            user=learner,
            answers={q.pk: answer for q, answer in zip(questions, answers, strict=True)},
        )

    assert wait_for(
        lambda: Attempt.objects.filter(assessment=quiz, status="scored").count() == 4
    ), "the worker did not score the attempts"
    assert wait_for(
        lambda: ItemStatistic.objects.filter(assessment=quiz, n=4).count() == 2, timeout=60
    ), "the worker did not recompute the item statistics"
    assert wait_for(lambda: not Assessment.objects.get(pk=quiz.pk).stats_dirty)
    by_question = {s.question_id: s for s in ItemStatistic.objects.filter(assessment=quiz)}
    # facility = share of right answers: the first question 3 of 4, the second 2 of 4
    assert str(by_question[questions[0].pk].facility) == "0.7500"
    assert str(by_question[questions[1].pk].facility) == "0.5000"
