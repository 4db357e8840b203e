"""The sweeper, item statistics, pre/post gains and GIFT import into a bank."""

import statistics
import uuid
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.utils import timezone

from assessments import selectors, services
from assessments.exceptions import AssessmentError
from assessments.models import Assessment, Attempt, ItemStatistic, Question, QuestionType, Score
from tests.assessments.factories import (
    QuestionBankFactory,
    SkillFactory,
    quiz_with,
)
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
T = QuestionType


def _submitted(learner, quiz, answers=None):
    attempt = services.attempt_start(user=learner, assessment=quiz)
    if answers:
        services.attempt_save(attempt=attempt, user=learner, answers=answers)
    # submitted without running the on-commit enqueue: as if the broker had been down
    services.attempt_submit(attempt=attempt, user=learner)
    attempt.refresh_from_db()
    return attempt


def test_sweeper_sends_attempts_left_submitted_and_they_are_scored(
    learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = _submitted(learner, quiz, {q1.pk: "a"})
    assert attempt.status == "submitted"

    # within the grace period nothing is resent
    with django_capture_on_commit_callbacks(execute=True) as sent:
        report = services.attempts_sweep()
    assert (report.requeued, len(sent)) == (0, 0)

    # after it, the attempt is sent again and scored (which then schedules the
    # item statistics recompute)
    Attempt.objects.filter(pk=attempt.pk).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True) as sent:
        report = services.attempts_sweep()
    attempt.refresh_from_db()
    assert (report.requeued, len(sent), attempt.status) == (1, 2, "scored")
    assert attempt.score.points == D("1.00")


def test_sweeper_hands_back_stale_claims_only(learner, django_capture_on_commit_callbacks):
    # given two attempts claimed by workers: one 10 minutes ago (dead), one just now (alive)
    quiz, (q1,) = quiz_with([T.SINGLE], attempts_allowed=0)
    dead = _submitted(learner, quiz, {q1.pk: "a"})
    other = UserFactory()
    alive = _submitted(other, quiz, {q1.pk: "a"})
    now = timezone.now()
    Attempt.objects.filter(pk=dead.pk).update(
        status="scoring", claim_token=uuid.uuid4(), claimed_at=now - timedelta(minutes=10)
    )
    Attempt.objects.filter(pk=alive.pk).update(
        status="scoring", claim_token=uuid.uuid4(), claimed_at=now
    )

    # when the sweeper runs (default: claims older than the task time limit + 60 s are stale)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.attempts_sweep()

    # then the dead worker's attempt is scored once; the live claim is left alone
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (report.released, report.requeued) == (1, 1)
    assert (dead.status, alive.status) == ("scored", "scoring")
    assert Score.objects.filter(attempt=dead).count() == 1
    assert not Score.objects.filter(attempt=alive).exists()


def test_sweeper_submits_attempts_past_their_deadline(learner, django_capture_on_commit_callbacks):
    quiz, (q1,) = quiz_with([T.SINGLE], time_limit_seconds=60)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        report = services.attempts_sweep()

    attempt.refresh_from_db()
    assert (report.expired, attempt.status, attempt.score.points) == (1, "scored", D("1.00"))


def test_item_statistics_facility_and_discrimination(django_capture_on_commit_callbacks):
    # given five learners answering two questions: q1 tracks the total, q2 does not
    quiz, (q1, q2, q3) = quiz_with([T.SINGLE, T.SINGLE, T.SINGLE], attempts_allowed=0)
    answers = [("a", "a", "a"), ("a", "b", "a"), ("a", "a", "b"), ("b", "b", "b"), ("b", "a", "b")]
    for a1, a2, a3 in answers:
        learner = UserFactory()
        attempt = services.attempt_start(user=learner, assessment=quiz)
        with django_capture_on_commit_callbacks(execute=True):
            services.attempt_submit(
                attempt=attempt, user=learner, answers={q1.pk: a1, q2.pk: a2, q3.pk: a3}
            )

    # when scoring has run, the worker has recomputed them (no one pressed Recompute),
    # so the periodic task finds nothing dirty
    with django_capture_on_commit_callbacks(execute=True):
        assert services.item_statistics_recompute_dirty() == 0

    # then each question has n, facility and the corrected item-total correlation
    def expected(index):
        item = [1.0 if a[index] == "a" else 0.0 for a in answers]
        rest = [sum(1.0 for j, x in enumerate(a) if j != index and x == "a") for a in answers]
        return D(str(round(statistics.mean(item), 4))), D(
            str(round(statistics.correlation(item, rest), 4))
        )

    stats = {s.question_id: s for s in ItemStatistic.objects.filter(assessment=quiz)}
    for index, q in enumerate((q1, q2, q3)):
        assert (stats[q.pk].n, (stats[q.pk].facility, stats[q.pk].discrimination)) == (
            5,
            expected(index),
        )
    assert Assessment.objects.get(pk=quiz.pk).stats_dirty is False
    rows = selectors.item_statistics(assessment=quiz)
    assert [r.question for r in rows] == [q1, q2, q3]
    assert rows[0].flags[0] == "small sample (n < 30)"


def test_item_statistics_are_undefined_without_enough_attempts():
    quiz, (q1,) = quiz_with([T.SINGLE])
    (stat,) = services.item_statistics_recompute(assessment_id=quiz.pk)
    assert (stat.question_id, stat.n, stat.facility, stat.discrimination) == (q1.pk, 0, None, None)


@pytest.mark.parametrize(
    ("pre", "post", "gain"),
    [
        (D(40), D(70), D("0.500")),
        (D(0), D(100), D("1.000")),
        (D(80), D(60), D("-1.000")),
        (D(50), D(50), D("0.000")),
        (D(100), D(100), None),
        (None, D(50), None),
    ],
)
def test_normalised_gain(pre, post, gain):
    assert selectors.normalised_gain(pre, post) == gain


def test_pre_post_gains_per_learner_and_per_team(manager, django_capture_on_commit_callbacks):
    # given a same-form skill check with 4 questions, and a team the manager manages
    check, questions = quiz_with(
        [T.SINGLE] * 4, kind=Assessment.Kind.SKILL_CHECK, check_phase="both", attempts_allowed=2
    )
    team = TeamFactory(managers=[manager])
    outsider = UserFactory()
    scores = {"ana": (1, 3), "ben": (2, 4), "cai": (0, 2)}  # right answers pre, post
    people = {}
    for name, (pre_right, post_right) in scores.items():
        person = UserFactory(full_name=name)
        MembershipFactory(user=person, team=team)
        people[name] = person
        for right in (pre_right, post_right):
            attempt = services.attempt_start(user=person, assessment=check)
            answers = {q.pk: ("a" if i < right else "b") for i, q in enumerate(questions)}
            with django_capture_on_commit_callbacks(execute=True):
                services.attempt_submit(attempt=attempt, user=person, answers=answers)
    attempt = services.attempt_start(user=outsider, assessment=check)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=outsider)

    # when the manager looks at the gains by team
    (summary,) = selectors.gains_by_team(
        viewer=manager, checks=Assessment.objects.filter(pk=check.pk)
    )

    # then each learner's gain and the team's are exact; the outsider is not included
    assert [(r.subject.full_name, r.pre, r.post, r.gain) for r in summary.rows] == [
        ("ana", D("25.00"), D("75.00"), D("0.667")),
        ("ben", D("50.00"), D("100.00"), D("1.000")),
        ("cai", D("0.00"), D("50.00"), D("0.500")),
    ]
    assert (summary.n, summary.mean_pre, summary.mean_post) == (3, D("25.00"), D("75.00"))
    assert summary.class_gain == D("0.667")
    assert summary.mean_gain == D("0.722")
    assert summary.small_sample is True


SAMPLE = (Path(__file__).parent / "data" / "every_construct.gift").read_text()


def test_gift_import_writes_every_question_of_a_clean_file(author):
    bank = QuestionBankFactory()
    SkillFactory(slug="drift-detection")

    report = services.gift_import(bank=bank, text=SAMPLE)

    assert report.errors == []
    assert len(report.created) == 13
    first = Question.objects.filter(bank=bank).order_by("pk").first()
    assert (first.title, first.qtype, first.category) == ("Drift signal", "single", "MLOps/Drift")
    assert list(first.skills.values_list("slug", flat=True)) == ["drift-detection"]
    assert Question.objects.get(bank=bank, title="Retrain fixes all").points == D("2.00")
    assert sorted(set(Question.objects.values_list("qtype", flat=True))) == sorted(
        set(T.values) - {T.ESSAY, T.DESCRIPTION}
    )


def test_gift_import_with_errors_writes_nothing_unless_asked(author):
    bank = QuestionBankFactory()
    text = SAMPLE + "\n\n::Bad:: Tell me {~a ~b}\n\n// [tag:no-such-skill]\n::Tagged:: Q {T}\n"

    report = services.gift_import(bank=bank, text=text)

    assert [str(e) for e in report.errors] == [
        "line 7 (Drift signal): no skill drift-detection",
        "line 68 (Bad): no answer is marked right (= or a positive %weight%)",
        "line 71 (Tagged): no skill no-such-skill",
    ]
    assert (report.written, Question.objects.count()) == (False, 0)

    report = services.gift_import(bank=bank, text=text, import_valid=True)
    assert (report.written, len(report.created), Question.objects.count()) == (True, 12, 12)


def test_gift_import_of_nothing_is_an_error():
    with pytest.raises(AssessmentError, match="no questions"):
        services.gift_import(bank=QuestionBankFactory(), text="// only a comment\n")


def test_one_question_round_trips_through_the_gift_editor(author):
    bank = QuestionBankFactory()
    skill = SkillFactory(slug="on-call")
    question = services.question_from_gift(
        bank=bank, text="// [tag:on-call]\n// [points:3]\n::Page::Who gets paged? {=owner ~all}"
    )
    assert (question.points, list(question.skills.all())) == (D("3.00"), [skill])
    text = services.question_as_gift(question=question)
    assert (
        text == "// [tag:on-call]\n// [points:3]\n::Page::[markdown]Who gets paged? {=owner ~all}"
    )


def test_a_question_with_answers_keeps_its_answers(learner, django_capture_on_commit_callbacks):
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    spec = q1.spec

    with pytest.raises(AssessmentError, match="cannot change"):
        services.question_update(question=q1, spec={**spec, "choices": spec["choices"][:2]})
    with pytest.raises(AssessmentError, match="cannot be deleted"):
        services.question_delete(question=q1)
    q1.refresh_from_db()
    assert q1.spec == spec

    services.question_update(question=q1, text="Reworded, same answers")
    q1.refresh_from_db()
    assert q1.text == "Reworded, same answers"


def test_scoring_schedules_one_statistics_recompute_until_it_runs(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    # given a quiz whose statistics are clean, and a broker that records what is sent
    from config import tasks

    settings.ITEM_STATISTICS_DEBOUNCE_SECONDS = 45
    sent = []
    real_send = tasks.send

    def record(name, *args, countdown=None):
        sent.append((name, args, countdown))
        if name == "assessments.tasks.score_attempt":
            real_send(name, *args, countdown=countdown)

    monkeypatch.setattr(tasks, "send", record)
    quiz, (q1,) = quiz_with([T.SINGLE])

    # when two attempts are scored before the recompute runs
    for answer in ("a", "b"):
        learner = UserFactory()
        attempt = services.attempt_start(user=learner, assessment=quiz)
        with django_capture_on_commit_callbacks(execute=True):
            services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: answer})

    # then one recompute is scheduled, delayed by the debounce
    assert [s for s in sent if s[0] == "assessments.tasks.item_statistics_recompute"] == [
        ("assessments.tasks.item_statistics_recompute", (quiz.pk,), 45)
    ]
    assert Attempt.objects.filter(assessment=quiz, status="scored").count() == 2
