"""Attempts: start, autosave, instant check, submit, time limits and scoring (eager tasks)."""

import random
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from assessments import services
from assessments.exceptions import AssessmentError
from assessments.models import Assessment, Attempt, QuestionType, Response, Score
from pathways.models import Progress, SkillRating
from tests.assessments.factories import (
    RIGHT,
    WRONG,
    AssessmentFactory,
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    SkillFactory,
    quiz_with,
)
from tests.factories import UserFactory

T = QuestionType
ALL_TYPES = [T.SINGLE, T.MULTIPLE, T.TRUE_FALSE, T.NUMERIC, T.SHORT_TEXT, T.ORDERING, T.MATCHING]
pytestmark = pytest.mark.django_db


def _submit_and_score(django_capture_on_commit_callbacks, attempt, user, answers=None):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.attempt_submit(attempt=attempt, user=user, answers=answers)
    attempt.refresh_from_db()
    return callbacks


def test_choices_are_shuffled_per_attempt_unless_the_author_fixes_the_order(learner):
    # given a quiz whose author left the choice order alone (the default)
    from assessments.models import Assessment

    assert Assessment._meta.get_field("shuffle_choices").default is True
    quiz, questions = quiz_with([T.SINGLE] * 8)

    # when the learner starts it
    attempt = services.attempt_start(user=learner, assessment=quiz)

    # then the choices of some question are not in the authored order (8 questions of
    # 3 choices all staying in order by chance: 1 in 6^8), and every choice is there
    orders = [attempt.layout["choices"][str(q.pk)] for q in questions]
    assert all(sorted(order) == ["a", "b", "c"] for order in orders)
    assert any(order != ["a", "b", "c"] for order in orders)


def test_start_lays_out_the_questions_and_resumes_the_same_attempt(learner):
    # given a published quiz with every question type, its choice order fixed by the author
    quiz, questions = quiz_with(ALL_TYPES, shuffle_choices=False)

    # when the learner starts it twice
    first = services.attempt_start(user=learner, assessment=quiz)
    again = services.attempt_start(user=learner, assessment=quiz)

    # then one attempt is in progress, listing the questions in order
    assert again.pk == first.pk
    assert Attempt.objects.filter(user=learner).count() == 1
    assert (first.number, first.status, first.deadline_at) == (1, "in_progress", None)
    assert first.layout["questions"] == [q.pk for q in questions]
    by_type = {q.qtype: q.pk for q in questions}
    assert first.layout["choices"][str(by_type[T.SINGLE])] == ["a", "b", "c"]
    # ordering items are never shown in the right order
    assert first.layout["choices"][str(by_type[T.ORDERING])] != ["a", "b", "c"]
    assert sorted(first.layout["choices"][str(by_type[T.ORDERING])]) == ["a", "b", "c"]
    assert sorted(first.layout["choices"][str(by_type[T.MATCHING])]) == ["detect", "recover"]


def test_shuffling_permutes_questions_and_choices_per_attempt(learner):
    quiz, questions = quiz_with([T.SINGLE] * 6, shuffle_questions=True, shuffle_choices=True)
    attempt = services.attempt_start(user=learner, assessment=quiz, rng=random.Random(7))
    assert sorted(attempt.layout["questions"]) == sorted(q.pk for q in questions)
    assert attempt.layout["questions"] != [q.pk for q in questions]
    for order in attempt.layout["choices"].values():
        assert sorted(order) == ["a", "b", "c"]
    assert any(order != ["a", "b", "c"] for order in attempt.layout["choices"].values())


def test_unpublished_assessments_cannot_be_started(learner):
    quiz, _ = quiz_with([T.SINGLE], is_published=False)
    with pytest.raises(AssessmentError, match="not published"):
        services.attempt_start(user=learner, assessment=quiz)
    assert Attempt.objects.count() == 0


def test_attempts_allowed_is_enforced(learner, django_capture_on_commit_callbacks):
    quiz, _ = quiz_with([T.SINGLE], attempts_allowed=1)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    _submit_and_score(django_capture_on_commit_callbacks, attempt, learner)

    with pytest.raises(AssessmentError, match="You have used all 1 attempt"):
        services.attempt_start(user=learner, assessment=quiz)
    assert Attempt.objects.filter(user=learner).count() == 1


def test_autosave_keeps_the_latest_answer(learner):
    quiz, (q1, q2) = quiz_with([T.SINGLE, T.NUMERIC])
    attempt = services.attempt_start(user=learner, assessment=quiz)

    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "b"})
    services.attempt_save(attempt=attempt, user=learner, answers={str(q1.pk): "a", q2.pk: "0.21"})

    saved = dict(attempt.responses.values_list("question_id", "answer"))
    assert saved == {q1.pk: "a", q2.pk: "0.21"}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"999999": "a"}, "Question 999999 is not part of this attempt."),
        ({"x": "a"}, "'x' is not a question of this attempt."),
    ],
)
def test_answers_to_foreign_questions_are_refused(learner, answers, message):
    quiz, _ = quiz_with([T.SINGLE])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with pytest.raises(AssessmentError) as exc:
        services.attempt_save(attempt=attempt, user=learner, answers=answers)
    assert str(exc.value) == message
    assert Response.objects.count() == 0


def test_someone_else_cannot_save_or_submit_my_attempt(learner):
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    other = UserFactory()

    for call in (
        lambda: services.attempt_save(attempt=attempt, user=other, answers={q1.pk: "b"}),
        lambda: services.attempt_submit(attempt=attempt, user=other),
    ):
        with pytest.raises(AssessmentError, match="not your attempt"):
            call()
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    assert list(attempt.responses.values_list("answer", flat=True)) == ["a"]


def test_submit_scores_every_type_once_with_exact_points(
    learner, django_capture_on_commit_callbacks
):
    # given an attempt with right answers to all but the numeric question, which is wrong,
    # and the matching question, left unanswered
    quiz, questions = quiz_with(ALL_TYPES, pass_mark=70)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    answers = {q.pk: RIGHT[q.qtype] for q in questions if q.qtype not in (T.NUMERIC, T.MATCHING)}
    answers[questions[3].pk] = WRONG[T.NUMERIC]

    # when it is submitted (the scoring task runs on commit, eagerly here)
    callbacks = _submit_and_score(django_capture_on_commit_callbacks, attempt, learner, answers)

    # then it is scored once: 5 of 7 points, 71.43 %, passed
    assert len(callbacks) == 2  # the scoring, then the item statistics recompute it schedules
    assert attempt.status == "scored"
    score = Score.objects.get(attempt=attempt)
    assert (score.points, score.max_points, score.percent, score.passed) == (
        D("5.00"),
        D("7.00"),
        D("71.43"),
        True,
    )
    outcomes = {
        r.question.qtype: (r.points, r.outcome)
        for r in attempt.responses.select_related("question")
    }
    assert outcomes == {
        T.SINGLE: (D("1.00"), "correct"),
        T.MULTIPLE: (D("1.00"), "correct"),
        T.TRUE_FALSE: (D("1.00"), "correct"),
        T.NUMERIC: (D("0.00"), "incorrect"),
        T.SHORT_TEXT: (D("1.00"), "correct"),
        T.ORDERING: (D("1.00"), "correct"),
        T.MATCHING: (D("0.00"), "unanswered"),
    }
    assert score.claim_token == attempt.claim_token


def test_submitting_twice_is_harmless(learner, django_capture_on_commit_callbacks):
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    first = _submit_and_score(django_capture_on_commit_callbacks, attempt, learner, {q1.pk: "a"})
    submitted_at = attempt.submitted_at

    second = _submit_and_score(django_capture_on_commit_callbacks, attempt, learner, {q1.pk: "b"})

    assert (len(first), len(second)) == (2, 0)  # scoring + statistics; then nothing
    assert attempt.submitted_at == submitted_at
    assert Score.objects.filter(attempt=attempt).count() == 1
    assert list(attempt.responses.values_list("answer", flat=True)) == ["a"]


def test_scoring_the_same_attempt_again_does_nothing(learner, django_capture_on_commit_callbacks):
    quiz, (q1,) = quiz_with([T.SINGLE], skills=[SkillFactory()])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    _submit_and_score(django_capture_on_commit_callbacks, attempt, learner, {q1.pk: "a"})

    score = Score.objects.get(attempt=attempt)
    # a redelivery finds nothing to claim
    assert services.attempt_score(attempt_id=attempt.pk).claimed == []
    # and even an attempt wrongly put back to "submitted" cannot get a second result
    Attempt.objects.filter(pk=attempt.pk).update(status="submitted")
    run = services.attempt_score(attempt_id=attempt.pk)
    assert (run.claimed, run.scored) == ([attempt.pk], {})
    attempt.refresh_from_db()
    assert attempt.status == "scored"
    assert list(Score.objects.filter(attempt=attempt)) == [score]
    assert Score.objects.get(attempt=attempt).claim_token == score.claim_token
    assert SkillRating.objects.filter(person=learner).count() == 1


def test_a_result_from_a_claim_that_was_taken_away_is_not_stored(learner):
    # given an attempt claimed by a worker, then handed to another claim by the sweeper
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    Attempt.objects.filter(pk=attempt.pk).update(status="submitted")
    import uuid

    stale = uuid.uuid4()
    Attempt.objects.filter(pk=attempt.pk).update(status="scoring", claim_token=uuid.uuid4())

    # when the first worker tries to write its result with its old token
    run = services._score_batch([attempt.pk], stale, "old-worker")

    # then nothing is stored
    assert run.scored == {}
    assert Score.objects.count() == 0
    assert Response.objects.get().points is None


def test_time_limit_refuses_late_answers_and_submits_what_was_saved(
    learner, django_capture_on_commit_callbacks
):
    # given an attempt with a 60-second limit and one saved answer
    quiz, (q1, q2) = quiz_with([T.SINGLE, T.TRUE_FALSE], time_limit_seconds=60)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    started = timezone.now() - timedelta(seconds=125)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=started, deadline_at=started + timedelta(seconds=60)
    )
    attempt.refresh_from_db()

    # when an answer arrives after the limit
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AssessmentError) as exc:
        services.attempt_save(attempt=attempt, user=learner, answers={q2.pk: True})

    # then it is refused with a clear message, and the attempt is scored on what was saved
    assert str(exc.value).startswith("Time is up: the 1-minute limit ended at ")
    assert "Answers sent after that are not accepted" in str(exc.value)
    attempt.refresh_from_db()
    assert attempt.status == "scored"
    assert attempt.submitted_at == attempt.deadline_at
    assert dict(attempt.responses.values_list("question_id", "answer")) == {q1.pk: "a", q2.pk: None}
    assert attempt.score.points == D("1.00")


def test_late_submit_with_answers_is_refused_but_the_attempt_is_submitted(
    learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE], time_limit_seconds=30)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=5))
    attempt.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AssessmentError):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "a"})

    attempt.refresh_from_db()
    assert attempt.status == "scored"
    assert attempt.score.points == D("0.00")


def test_starting_again_after_the_deadline_submits_the_expired_attempt(
    learner, django_capture_on_commit_callbacks
):
    quiz, _ = quiz_with([T.SINGLE], time_limit_seconds=30, attempts_allowed=2)
    first = services.attempt_start(user=learner, assessment=quiz)
    Attempt.objects.filter(pk=first.pk).update(deadline_at=timezone.now() - timedelta(seconds=5))
    first.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        second = services.attempt_start(user=learner, assessment=quiz)

    first.refresh_from_db()
    assert (first.status, second.number, second.status) == ("scored", 2, "in_progress")


def test_instant_check_gives_feedback_and_locks_the_answer(learner):
    quiz, (q1, q2) = quiz_with(
        [T.SINGLE, T.SINGLE], feedback_timing=Assessment.FeedbackTiming.IMMEDIATE
    )
    attempt = services.attempt_start(user=learner, assessment=quiz)

    checked = services.attempt_check(attempt=attempt, user=learner, question_id=q1.pk, answer="b")

    assert (checked.result.outcome, checked.result.feedback) == ("incorrect", ("That is load.",))
    with pytest.raises(AssessmentError, match="already checked cannot change"):
        services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    assert Response.objects.get(question=q1).answer == "b"
    # the same answer again is fine (autosave of the whole form)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "b", q2.pk: "a"})


def test_instant_check_is_refused_when_feedback_waits_for_scoring(learner):
    quiz, (q1,) = quiz_with([T.SINGLE], feedback_timing=Assessment.FeedbackTiming.ON_SCORED)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with pytest.raises(AssessmentError, match="only after it is submitted"):
        services.attempt_check(attempt=attempt, user=learner, question_id=q1.pk, answer="a")
    assert Response.objects.count() == 0


def test_scoring_records_skill_evidence_per_tagged_skill_once(
    learner, django_capture_on_commit_callbacks
):
    # given two skills: drift (two questions) and on-call (one question), and an assessment skill
    drift, oncall, overall = SkillFactory(slug="drift"), SkillFactory(slug="oncall"), SkillFactory()
    q1 = QuestionFactory(skills=[drift])
    q2 = QuestionFactory(skills=[drift])
    q3 = QuestionFactory(skills=[oncall], points=D("2"))
    quiz = AssessmentFactory(questions=[q1, q2, q3], skills=[overall])
    attempt = services.attempt_start(user=learner, assessment=quiz)

    _submit_and_score(
        django_capture_on_commit_callbacks, attempt, learner, {q1.pk: "a", q2.pk: "b", q3.pk: "a"}
    )

    ratings = {
        r.skill.slug: (r.level, r.source, r.source_ref)
        for r in SkillRating.objects.select_related("skill")
    }
    ref = f"attempt:{attempt.pk}"
    assert ratings == {
        "drift": (3, "assessment", ref),  # 1 of 2 points: 50 % → level 3
        "oncall": (5, "assessment", ref),  # 2 of 2
        overall.slug: (4, "assessment", ref),  # 3 of 4 overall: 75 % → level 4
    }


def test_a_passed_module_quiz_marks_the_module_done(learner, django_capture_on_commit_callbacks):
    module = ModuleFactory()
    enrollment = EnrollmentFactory(user=learner, pathway=module.pathway)
    quiz, (q1,) = quiz_with([T.SINGLE], module=module, attempts_allowed=2)

    attempt = services.attempt_start(user=learner, assessment=quiz)
    _submit_and_score(django_capture_on_commit_callbacks, attempt, learner, {q1.pk: "b"})
    progress = Progress.objects.get(enrollment=enrollment, module=module)
    assert progress.status == "in_progress"

    attempt = services.attempt_start(user=learner, assessment=quiz)
    _submit_and_score(django_capture_on_commit_callbacks, attempt, learner, {q1.pk: "a"})
    progress.refresh_from_db()
    assert progress.status == "done"


def test_a_bug_while_scoring_marks_the_attempt_failed_with_the_reason(
    learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    # a spec broken behind the services' back
    type(q1).objects.filter(pk=q1.pk).update(spec={"choices": []})

    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner)

    attempt.refresh_from_db()
    assert attempt.status == "failed"
    assert attempt.scoring_error.startswith(
        f"AssessmentError: question {q1.pk} has an invalid spec"
    )
    assert Score.objects.count() == 0

    # once fixed, it can be sent back and is scored
    type(q1).objects.filter(pk=q1.pk).update(spec=QuestionFactory.build().spec)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.attempt_requeue(attempt=attempt) is True
    attempt.refresh_from_db()
    assert attempt.status == "scored"


def test_skill_check_same_form_gives_a_pre_then_a_post_attempt(
    learner, django_capture_on_commit_callbacks
):
    check, _ = quiz_with(
        [T.SINGLE], kind=Assessment.Kind.SKILL_CHECK, check_phase="both", attempts_allowed=2
    )
    pre = services.attempt_start(user=learner, assessment=check)
    _submit_and_score(django_capture_on_commit_callbacks, pre, learner)
    post = services.attempt_start(user=learner, assessment=check)
    assert (pre.phase, post.phase) == ("pre", "post")


def _left_submitted(quiz, question, answer="a"):
    """An attempt submitted while its task was not sent (the on-commit hook never runs here)."""
    learner = UserFactory()
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_submit(attempt=attempt, user=learner, answers={question.pk: answer})
    return attempt


def test_one_task_drains_a_backlog_and_the_later_tasks_find_nothing():
    # given five attempts waiting to be scored
    quiz, (q1,) = quiz_with([T.SINGLE])
    waiting = [_left_submitted(quiz, q1) for _ in range(5)]

    # when the task of the fourth runs, with batches of three
    run = services.attempt_score(attempt_id=waiting[3].pk, batch=3)

    # then it scores its own attempt first, then the two that waited longest
    assert run.claimed == [waiting[3].pk, waiting[0].pk, waiting[1].pk]
    assert sorted(run.scored) == sorted(run.claimed)
    # the first attempt's own task then takes the rest
    assert services.attempt_score(attempt_id=waiting[0].pk, batch=3).claimed == [
        waiting[2].pk,
        waiting[4].pk,
    ]
    # and the last tasks have nothing to do
    assert services.attempt_score(attempt_id=waiting[4].pk, batch=3).claimed == []
    assert Score.objects.count() == 5
    assert set(Attempt.objects.values_list("status", flat=True)) == {"scored"}


def test_an_attempt_that_cannot_be_scored_does_not_hold_up_the_batch():
    good_quiz, (good_q,) = quiz_with([T.SINGLE])
    bad_quiz, (bad_q,) = quiz_with([T.SINGLE])
    good = _left_submitted(good_quiz, good_q)
    bad = _left_submitted(bad_quiz, bad_q)
    type(bad_q).objects.filter(pk=bad_q.pk).update(spec={"choices": "broken"})

    run = services.attempt_score(attempt_id=good.pk)

    assert list(run.scored) == [good.pk]
    assert list(run.failed) == [bad.pk]
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == ("scored", "failed")
    assert bad.scoring_error.startswith(f"AssessmentError: question {bad_q.pk} has an invalid spec")
    assert not Score.objects.filter(attempt=bad).exists()


def test_attempts_claimed_by_someone_else_are_left_alone():
    quiz, (q1,) = quiz_with([T.SINGLE])
    first, second = _left_submitted(quiz, q1), _left_submitted(quiz, q1)
    import uuid

    other = uuid.uuid4()
    Attempt.objects.filter(pk=first.pk).update(status="scoring", claim_token=other)

    run = services.attempt_score(attempt_id=first.pk)

    assert run.claimed == [second.pk]
    first.refresh_from_db()
    assert (first.status, first.claim_token) == ("scoring", other)
    assert not Score.objects.filter(attempt=first).exists()
