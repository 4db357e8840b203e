"""Trellis's own events as xAPI statements, read back through the LRS's own API."""

import json

import pytest

from assessments import services
from assessments.models import QuestionType
from pathways.models import Progress
from pathways.progress import services as progress
from pathways.xapi import VERBS, actor_for
from tests.assessments.factories import RIGHT, WRONG, quiz_with
from tests.cohorts.factories import EnrollmentFactory, RoleFactory, pathway_with_schedule

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


def _completed(xapi, user) -> list[dict]:
    return xapi.get(
        "statements",
        {"agent": json.dumps(actor_for(user)), "verb": VERBS["completed"], "ascending": "true"},
    ).json()["statements"]


def _shape(statement: dict) -> dict:
    ignore = {"id", "stored", "timestamp", "authority", "version"}
    return {k: v for k, v in statement.items() if k not in ignore}


def test_bulk_progress_marking_records_the_completed_statements_once_each(
    xapi, django_capture_on_commit_callbacks
):
    # given a module with a lab, and three learners on its pathway
    pathway = pathway_with_schedule(RoleFactory(), [(1, 2)], labs=1)
    module = pathway.modules.get()
    lab = module.labs.select_related("module").get()
    one, two, three = (EnrollmentFactory(pathway=pathway).user for _ in range(3))

    # when one completes the module through the single path, and a batch (the scoring
    # path) completes it for the others, some marks twice, plus the lab for one
    with django_capture_on_commit_callbacks(execute=True):
        progress.progress_mark(user_id=one.pk, status="done", module=module)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        progress.progress_mark_many(
            [
                (two.pk, "in_progress", module, None),
                (two.pk, "done", module, None),
                (three.pk, "done", module, None),
                (three.pk, "done", module, None),
                (three.pk, "done", None, lab),
                (one.pk, "done", module, None),  # already done: nothing new
            ]
        )
    # and the batch runs again, and its queued task is delivered a second time
    with django_capture_on_commit_callbacks(execute=True):
        progress.progress_mark_many([(two.pk, "done", module, None)])
    # (the other commit callbacks re-stamp the learners' cached pages)
    [deliver] = [c for c in queued if c.__qualname__.startswith("enqueue_on_commit")]
    deliver()

    # then every completion has exactly one statement, shaped as the single path's
    single = _completed(xapi, one)
    assert len(single) == 1
    assert single[0]["object"]["id"].endswith(f"/xapi/activities/module/{module.pk}")
    batch_two, batch_three = _completed(xapi, two), _completed(xapi, three)
    assert len(batch_two) == 1
    assert _shape(batch_two[0]) == {**_shape(single[0]), "actor": actor_for(two)}
    assert sorted(s["object"]["id"].rsplit("/", 2)[1] for s in batch_three) == ["lab", "module"]
    done = Progress.objects.get(enrollment__user=two, module=module)
    assert batch_two[0]["timestamp"].startswith(done.completed_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_passed_module_quiz_completes_the_module_with_one_statement(
    learner, xapi, django_capture_on_commit_callbacks
):
    pathway = pathway_with_schedule(RoleFactory(), [(1, 2)], labs=0)
    module = pathway.modules.get()
    EnrollmentFactory(pathway=pathway, user=learner)
    quiz, (question,) = quiz_with([T.SINGLE], module=module)

    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={question.pk: "a"})

    [statement] = _completed(xapi, learner)
    assert statement["object"]["id"].endswith(f"/xapi/activities/module/{module.pk}")
    assert statement["result"] == {"completion": True}
