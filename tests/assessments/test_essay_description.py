"""Essay questions scored by a reviewer with a rubric, and text blocks that are never
scored (eager tasks)."""

from decimal import Decimal as D

import pytest

from assessments import scoring, services
from assessments.exceptions import AssessmentError
from assessments.models import Attempt, QuestionType, Response, Score
from tests.assessments.factories import RIGHT, quiz_with
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
T = QuestionType
Status = Attempt.Status


def test_essay_scores_are_the_rubric_share_of_the_question_points():
    spec = scoring.parse_spec("essay", {})  # the default rubric: one criterion, 0/1/2
    assert [c.criterion for c in spec.rubric] == ["Answer"]
    assert scoring.score("essay", spec, "").outcome == scoring.Outcome.UNANSWERED
    assert scoring.score("essay", spec, "Text").outcome == scoring.Outcome.AWAITING_REVIEW
    assert scoring.score("essay", spec, ["x"]).outcome == scoring.Outcome.INVALID
    half = scoring.score_essay_review(spec, "Text", [1])
    assert (half.fraction, half.outcome) == (D("0.5"), scoring.Outcome.PARTIAL)
    assert scoring.score_essay_review(spec, "Text", [2]).points(D("4")) == D("4.00")
    with pytest.raises(ValueError, match="level 3 does not exist"):
        scoring.score_essay_review(spec, "Text", [3])
    assert scoring.correct_answer("description", {}) == []
    with pytest.raises(scoring.SpecError):
        scoring.parse_spec("description", {"answer": 1})


def test_a_quiz_with_an_essay_waits_for_its_review_then_scores_it(
    learner, author, django_capture_on_commit_callbacks
):
    # given a quiz: a text block, a single-choice question and an essay worth 4 points
    quiz, (block, single, essay) = quiz_with([T.DESCRIPTION, T.SINGLE, T.ESSAY], pass_mark=50)
    essay.points = D("4")
    essay.save()
    attempt = services.attempt_start(user=learner, assessment=quiz)

    # when the learner answers both and submits
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(
            attempt=attempt,
            user=learner,
            answers={single.pk: RIGHT[T.SINGLE], essay.pk: "Memory pressure; shed load."},
        )

    # then the attempt waits for a reviewer: nothing is scored yet
    attempt.refresh_from_db()
    assert attempt.status == Status.AWAITING_REVIEW
    assert not Score.objects.filter(attempt=attempt).exists()
    [waiting] = services.essays_awaiting_review(attempt=attempt)
    assert waiting.question_id == essay.pk

    # the learner may not review their own answer, nor a level that does not exist
    with pytest.raises(AssessmentError, match="Only authors"):
        services.essay_review_submit(response=waiting, reviewer=learner, levels=[1, 1])
    with pytest.raises(AssessmentError, match="Choose one level for each of the 2"):
        services.essay_review_submit(response=waiting, reviewer=author, levels=[1])

    # when an author reviews it (Sound, Missing: 2 of 4 rubric points)
    with django_capture_on_commit_callbacks(execute=True):
        services.essay_review_submit(
            response=waiting, reviewer=author, levels=[1, 0], comment="No next steps."
        )

    # then the attempt is scored: 1 + 4 × 2/4 = 3 of 5; the text block counts for nothing
    score = Score.objects.get(attempt=attempt)
    assert (score.points, score.max_points, score.passed) == (D("3.00"), D("5.00"), True)
    responses = {r.question_id: r for r in Response.objects.filter(attempt=attempt)}
    assert block.pk not in responses
    assert (responses[essay.pk].points, responses[essay.pk].outcome) == (D("2.00"), "partial")
    with pytest.raises(AssessmentError, match="not waiting for a review"):
        services.essay_review_submit(
            response=responses[essay.pk], reviewer=UserFactory(personas=["author"]), levels=[1, 1]
        )


def test_an_unanswered_essay_needs_no_review(learner, django_capture_on_commit_callbacks):
    quiz, (single, _essay) = quiz_with([T.SINGLE, T.ESSAY])
    attempt = services.attempt_start(user=learner, assessment=quiz)

    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={single.pk: "a"})

    score = Score.objects.get(attempt=attempt)
    assert (score.points, score.max_points) == (D("1.00"), D("2.00"))


def test_essays_and_text_blocks_have_no_instant_check(learner):
    quiz, (essay,) = quiz_with([T.ESSAY], feedback_timing="immediate")
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with pytest.raises(AssessmentError, match="no instant check"):
        services.attempt_check(
            attempt=attempt, user=learner, question_id=essay.pk, answer="Some text"
        )


def test_authors_review_essays_through_their_queue(
    client, learner, author, django_capture_on_commit_callbacks
):
    quiz, (block, essay) = quiz_with([T.DESCRIPTION, T.ESSAY])
    block.text = "Read the incident timeline below."
    block.save()
    attempt = services.attempt_start(user=learner, assessment=quiz)

    client.force_login(learner)
    page = client.get(f"/assess/attempts/{attempt.pk}/").content.decode()
    assert "Read the incident timeline below." in page
    assert f'name="q-{block.pk}"' not in page and f'name="q-{essay.pk}"' in page
    assert client.get("/author/assessments/essays/").status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={essay.pk: "OOM kills."})
    response = Response.objects.get(attempt=attempt, question=essay)

    client.force_login(author)
    assert (
        f"/author/assessments/essays/{response.pk}/"
        in client.get("/author/assessments/essays/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            f"/author/assessments/essays/{response.pk}/",
            {"criterion_0": "1", "criterion_1": "1", "comment": "Good."},
        )
    assert saved.status_code == 302
    assert Score.objects.get(attempt=attempt).percent == D("100.00")
    assert client.get(f"/author/assessments/essays/{response.pk}/").status_code == 404
