"""Rubric reviews, lab checks with artifacts, and certification awards (eager tasks)."""

from decimal import Decimal as D

import pytest

from assessments import selectors, services
from assessments.exceptions import AssessmentError
from assessments.models import Assessment, Attempt, QuestionType, Review, Score
from pathways.models import CertificationAward, Progress
from tests.assessments.factories import (
    AssessmentFactory,
    CapstoneFactory,
    CertificationFactory,
    EnrollmentFactory,
    LabFactory,
    PathwayFactory,
    quiz_with,
)
from tests.assessments.test_artifacts import RUNBOOK
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rubric_attempt(learner, capture, reviewers_required=1, capstone=None):
    capstone = capstone or CapstoneFactory()
    assessment = AssessmentFactory(
        kind=Assessment.Kind.RUBRIC,
        capstone=capstone,
        rubric=capstone.rubric,
        reviewers_required=reviewers_required,
        pass_mark=50,
    )
    attempt = services.attempt_start(user=learner, assessment=assessment)
    with capture(execute=True):
        services.attempt_submit(
            attempt=attempt, user=learner, submission_text="## My capstone\nTraces and alerts."
        )
    attempt.refresh_from_db()
    return attempt


def test_a_rubric_submission_waits_for_review_then_is_scored_from_it(
    learner, author, django_capture_on_commit_callbacks
):
    # given a submitted capstone (rubric max 10 points)
    attempt = _rubric_attempt(learner, django_capture_on_commit_callbacks)
    assert attempt.status == "awaiting_review"
    assert list(selectors.review_queue(reviewer=author)) == [attempt]

    # when an author scores it: Partial (2) and Tested (6)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(attempt=attempt, reviewer=author, levels=[1, 2], comment="Good.")

    # then the attempt is scored 8 / 10 and leaves the queue
    attempt.refresh_from_db()
    assert attempt.status == "scored"
    assert (attempt.score.points, attempt.score.max_points, attempt.score.percent) == (
        D("8.00"),
        D("10.00"),
        D("80.00"),
    )
    assert attempt.score.breakdown["criteria"] == [
        {"criterion": "Observability", "levels": ["Partial"], "points": "2.00", "max": "4"},
        {"criterion": "Runbook", "levels": ["Tested"], "points": "6.00", "max": "6"},
    ]
    assert list(selectors.review_queue(reviewer=author)) == []


def test_two_reviewers_are_averaged_and_their_agreement_kept(
    learner, django_capture_on_commit_callbacks
):
    first, second = UserFactory(personas=["author"]), UserFactory(personas=["author"])
    attempt = _rubric_attempt(learner, django_capture_on_commit_callbacks, reviewers_required=2)

    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(attempt=attempt, reviewer=first, levels=[2, 2])
    attempt.refresh_from_db()
    assert attempt.status == "awaiting_review"  # one review is not enough
    assert list(selectors.review_queue(reviewer=first)) == []
    assert list(selectors.review_queue(reviewer=second)) == [attempt]

    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(attempt=attempt, reviewer=second, levels=[2, 1])
    attempt.refresh_from_db()
    assert attempt.status == "scored"
    assert attempt.score.points == D("8.50")  # the mean of 10 and 7
    assert attempt.score.breakdown["agreement"] == {
        "same_level": 1,
        "criteria": 2,
        "points_apart": "3",
    }
    criteria, agreement = selectors.rubric_view(attempt=attempt)
    assert [(c.criterion, c.chosen, c.agree) for c in criteria] == [
        ("Observability", [2, 2], True),
        ("Runbook", [2, 1], False),
    ]
    assert agreement.exact == D("0.50")


@pytest.mark.parametrize(
    ("who", "levels", "message"),
    [
        ("owner", [0, 0], "You cannot review your own submission."),
        ("learner", [0, 0], "Only authors review submissions."),
        ("author", [0], "Choose one level for each of the 2 criteria."),
        ("author", [0, 7], "Runbook: level 7 does not exist."),
    ],
)
def test_reviews_that_may_not_be_given_change_nothing(
    learner, author, django_capture_on_commit_callbacks, who, levels, message
):
    owner = UserFactory(personas=["learner", "author"]) if who == "owner" else learner
    attempt = _rubric_attempt(owner, django_capture_on_commit_callbacks)
    reviewer = {"owner": owner, "learner": UserFactory(), "author": author}[who]

    with pytest.raises(AssessmentError) as exc:
        services.review_submit(attempt=attempt, reviewer=reviewer, levels=levels)

    assert str(exc.value) == message
    assert Review.objects.count() == 0
    attempt.refresh_from_db()
    assert attempt.status == "awaiting_review"


def test_a_second_review_when_one_is_required_is_refused(
    learner, author, django_capture_on_commit_callbacks
):
    attempt = _rubric_attempt(learner, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(attempt=attempt, reviewer=author, levels=[0, 0])
    late = UserFactory(personas=["author"])
    with pytest.raises(AssessmentError, match="not waiting for a review"):
        services.review_submit(attempt=attempt, reviewer=late, levels=[2, 2])
    assert Review.objects.count() == 1
    assert Score.objects.get(attempt=attempt).points == D("0.00")


def test_rubric_submission_needs_text_or_a_link(learner):
    assessment = AssessmentFactory(kind=Assessment.Kind.RUBRIC, rubric=CapstoneFactory().rubric)
    attempt = services.attempt_start(user=learner, assessment=assessment)
    with pytest.raises(AssessmentError, match="Write your submission"):
        services.attempt_submit(attempt=attempt, user=learner)
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"


def _lab_check(**lab_fields):
    lab = LabFactory(**lab_fields)
    return AssessmentFactory(kind=Assessment.Kind.LAB_CHECK, lab=lab, pass_mark=70), lab


def test_lab_check_scores_checklist_and_artifact_rules(learner, django_capture_on_commit_callbacks):
    # given a lab with a two-item checklist and a drift runbook artifact (5 points)
    assessment, lab = _lab_check(artifact_schema="drift-alert-runbook")
    EnrollmentFactory(user=learner, pathway=lab.module.pathway)
    attempt = services.attempt_start(user=learner, assessment=assessment)

    # when the learner ticks one item and uploads a runbook whose alert has no known owner
    services.attempt_save(
        attempt=attempt,
        user=learner,
        checklist=[0],
        artifact=services.ArtifactUpload(
            "runbook.yaml", RUNBOOK.replace("owner: data-eng}", "owner: nobody}")
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner)

    # then: checklist 1/2, artifact 4 of 5 rules → 4.00; total 5 / 7; not passed (a rule failed)
    attempt.refresh_from_db()
    parts = {r.kind: r for r in attempt.responses.all()}
    assert (parts["checklist"].points, parts["checklist"].max_points) == (D("1.00"), D("2.00"))
    assert (parts["artifact"].points, parts["artifact"].max_points) == (D("4.00"), D("5.00"))
    assert parts["artifact"].feedback[2] == (
        "✗ These alerts name an owner the runbook does not list: null rate."
    )
    assert parts["checklist"].feedback == [
        "✓ Alert rules are in version control",
        "✗ not done: Dashboards link to the runbook",
    ]
    assert (attempt.score.points, attempt.score.percent, attempt.score.passed) == (
        D("5.00"),
        D("71.43"),
        False,
    )
    assert Progress.objects.get(lab=lab).status == "in_progress"


def test_lab_check_passes_with_a_valid_artifact_and_marks_the_lab_done(
    learner, django_capture_on_commit_callbacks
):
    assessment, lab = _lab_check(artifact_schema="drift-alert-runbook")
    EnrollmentFactory(user=learner, pathway=lab.module.pathway)
    attempt = services.attempt_start(user=learner, assessment=assessment)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(
            attempt=attempt,
            user=learner,
            checklist=[0, 1],
            artifact=services.ArtifactUpload("r.yaml", RUNBOOK),
        )
    attempt.refresh_from_db()
    assert (attempt.score.percent, attempt.score.passed) == (D("100.00"), True)
    assert Progress.objects.get(lab=lab).status == "done"


def test_lab_without_schema_refuses_an_artifact(learner):
    assessment, _ = _lab_check()
    attempt = services.attempt_start(user=learner, assessment=assessment)
    with pytest.raises(AssessmentError, match="takes no artifact"):
        services.attempt_save(
            attempt=attempt, user=learner, artifact=services.ArtifactUpload("a.yaml", "a: 1")
        )


def test_lab_check_on_an_unregistered_schema_cannot_be_created(author):
    lab = LabFactory(artifact_schema="made-up")
    with pytest.raises(AssessmentError, match="not registered"):
        services.assessment_create(
            created_by=author, slug="x", title="X", kind=Assessment.Kind.LAB_CHECK, lab=lab
        )
    assert not Assessment.objects.exists()


def test_certification_is_awarded_once_when_every_criterion_is_met(
    learner, django_capture_on_commit_callbacks
):
    # given a certification needing a quiz, a lab and a capstone at 70 % or more
    pathway = PathwayFactory(slug="mlops-track")
    quiz, (q1,) = quiz_with([QuestionType.SINGLE], slug="mlops-final")
    lab_check, lab = _lab_check(module__pathway=pathway)
    capstone = CapstoneFactory(pathway=pathway, slug="rag-capstone")
    cert = CertificationFactory(
        slug="mlops-gatekeeper",
        pathway_slug="mlops-track",
        criteria={
            "assessments": ["mlops-final"],
            "labs": [lab.slug],
            "capstone": "rag-capstone",
            "capstone_min_score": 70,
        },
    )
    author = UserFactory(personas=["author"])

    # when the learner passes the quiz and the lab: not yet
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "a"})
    attempt = services.attempt_start(user=learner, assessment=lab_check)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, checklist=[0, 1])
    assert not CertificationAward.objects.exists()

    # and a capstone review at 60 %: still not
    capstone_attempt = _rubric_attempt(
        learner, django_capture_on_commit_callbacks, capstone=capstone
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(attempt=capstone_attempt, reviewer=author, levels=[0, 2])
    assert not CertificationAward.objects.exists()

    # then a second capstone attempt at 100 % earns it, once
    second = _rubric_attempt(learner, django_capture_on_commit_callbacks, capstone=capstone)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(attempt=second, reviewer=author, levels=[2, 2])
    award = CertificationAward.objects.get()
    assert (award.certification, award.user) == (cert, learner)
    assert award.evidence["capstone"] == {
        "slug": "rag-capstone",
        "attempt": second.pk,
        "percent": "100.00",
    }
    assert award.evidence["assessments"] == {
        "mlops-final": Attempt.objects.filter(assessment=quiz).get().pk
    }
    assert services.certifications_update(user_id=learner.pk) == []
    assert CertificationAward.objects.count() == 1


def test_certificate_links_are_signed(learner):
    cert = CertificationFactory()
    award = CertificationAward.objects.create(certification=cert, user=learner)
    token = selectors.certificate_token(award)
    assert selectors.award_from_token(token) == award
    assert selectors.award_from_token(f"{award.pk}-forged") is None
    assert selectors.award_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_one_batch_awards_the_certification_to_each_learner_who_earned_it():
    # given three learners whose passed/failed quiz attempts wait to be scored together
    quiz, (q1,) = quiz_with([QuestionType.SINGLE], slug="gate-quiz")
    cert = CertificationFactory(criteria={"assessments": ["gate-quiz"]})
    people = [UserFactory() for _ in range(3)]
    for person, answer in zip(people, ["a", "b", "a"], strict=True):
        attempt = services.attempt_start(user=person, assessment=quiz)
        services.attempt_submit(attempt=attempt, user=person, answers={q1.pk: answer})

    # when one task scores them all
    run = services.attempt_score(attempt_id=Attempt.objects.first().pk)

    # then the two who passed are certified, once each
    assert len(run.scored) == 3
    assert set(CertificationAward.objects.values_list("certification", "user")) == {
        (cert.pk, people[0].pk),
        (cert.pk, people[2].pk),
    }


def test_review_form_says_one_point_not_one_points():
    from types import SimpleNamespace

    from assessments.forms import ReviewForm

    criterion = SimpleNamespace(
        criterion="Runbook",
        description="",
        levels=[(0, "Missing", 0), (1, "Developing", 1), (2, "Tested", 2.5)],
    )

    form = ReviewForm(criteria=[criterion])

    assert [label for _, label in form.fields["criterion_0"].choices] == [
        "Missing (0 points)",
        "Developing (1 point)",
        "Tested (2.5 points)",
    ]
