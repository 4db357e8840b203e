"""Trellis's own events as xAPI statements, read back through the LRS's own API."""

import json

import pytest

from assessments import services
from assessments.models import QuestionType
from pathways.xapi import VERBS, actor_for
from tests.assessments.factories import RIGHT, WRONG, quiz_with

pytestmark = pytest.mark.django_db
T = QuestionType


def test_a_quiz_leaves_started_answered_and_scored_statements(
    learner, xapi, django_capture_on_commit_callbacks
):
    # given a learner who takes a two-question quiz, one answer right and one wrong
    quiz, questions = quiz_with([T.SINGLE, T.NUMERIC], pass_mark=50)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    answers = {questions[0].pk: RIGHT[T.SINGLE], questions[1].pk: WRONG[T.NUMERIC]}

    # when it is submitted and scored
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers=answers)

    # then the LRS holds, for that learner's account, started → answered ×2 → passed
    got = xapi.get(
        "statements", {"agent": json.dumps(actor_for(learner)), "ascending": "true"}
    ).json()["statements"]
    assert [s["verb"]["id"] for s in got] == [
        VERBS["attempted"],
        VERBS["answered"],
        VERBS["answered"],
        VERBS["passed"],
    ]
    assessment_id = got[0]["object"]["id"]
    assert assessment_id.endswith(f"/xapi/activities/assessment/{quiz.pk}")
    assert {s["context"]["registration"] for s in got} == {got[0]["context"]["registration"]}
    answered = {s["object"]["id"].rsplit("/", 1)[1]: s["result"] for s in got[1:3]}
    assert answered[str(questions[0].pk)]["success"] is True
    assert answered[str(questions[1].pk)]["score"] == {
        "raw": 0.0,
        "min": 0,
        "max": 1.0,
        "scaled": 0.0,
    }
    assert got[3]["result"] == {
        "success": True,
        "completion": True,
        "score": {"scaled": 0.5, "raw": 1.0, "min": 0, "max": 2.0},
    }
    assert got[3]["actor"]["account"]["name"] == str(learner.pk)
