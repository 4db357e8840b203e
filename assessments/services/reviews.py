"""Reviewer scores for rubric-scored attempts, and score overrides."""

from decimal import Decimal

from auditlog.context import disable_auditlog
from django.db import transaction
from django.utils import timezone

from org import access
from org.audit import Event, audit_change
from org.models import User

from .. import scoring
from ..exceptions import AssessmentError
from ..models import Attempt, Response, ResponseReview, Review, Score
from ._common import MAX_SUBMISSION_CHARS, Kind, Status
from .attempts import _enqueue_scoring, _rubric_of
from .certifications import certifications_update


def review_submit(
    *, attempt: Attempt, reviewer: User, levels: list[int], comment: str = ""
) -> Review:
    """Record one reviewer's rubric scores. When the last required review is in, the
    attempt goes back to SUBMITTED and is scored (once) by the scoring task."""
    if not access.is_author(reviewer):
        raise AssessmentError("Only authors review submissions.")
    if attempt.user_id == reviewer.pk:
        raise AssessmentError("You cannot review your own submission.")
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("assessment").get(pk=attempt.pk)
        if locked.assessment.kind != Kind.RUBRIC:
            raise AssessmentError("Only rubric reviews are reviewed.")
        if locked.status != Status.AWAITING_REVIEW:
            raise AssessmentError("This submission is not waiting for a review.")
        reviews = list(locked.reviews.all())
        if any(r.reviewer_id == reviewer.pk for r in reviews):
            raise AssessmentError("You have already reviewed this submission.")
        if len(reviews) >= locked.assessment.reviewers_required:
            raise AssessmentError("This submission already has all its reviews.")
        rubric = scoring.parse_rubric(locked.layout.get("rubric") or _rubric_of(locked.assessment))
        try:
            points = scoring.rubric_points(rubric, list(levels))
        except ValueError as exc:
            raise AssessmentError(str(exc).capitalize() + ".") from exc
        review = Review.objects.create(
            attempt=locked,
            reviewer=reviewer,
            levels=list(levels),
            points=points,
            comment=comment[:MAX_SUBMISSION_CHARS],
        )
        if len(reviews) + 1 >= locked.assessment.reviewers_required:
            Attempt.objects.filter(pk=locked.pk, status=Status.AWAITING_REVIEW).update(
                status=Status.SUBMITTED, enqueued_at=timezone.now()
            )
            _enqueue_scoring(locked.pk)
    return review


def score_override(*, attempt: Attempt, by: User, points: Decimal, reason: str) -> Score:
    """Replace a scored attempt's points (an author's or admin's judgement), keeping the
    reason. Percent and pass follow the new points; certifications are awarded if they
    now are due (an award is never taken back). The audit log keeps who, when, why and
    the score before and after."""
    if not access.is_author(by):
        raise AssessmentError("Only authors and platform admins override scores.")
    if attempt.user_id == by.pk:
        raise AssessmentError("You cannot override the score of your own attempt.")
    reason = reason.strip()
    if not reason:
        raise AssessmentError("Say why the score is overridden.")
    with transaction.atomic():
        score = (
            Score.objects.select_for_update()
            .select_related("attempt__assessment")
            .filter(attempt_id=attempt.pk)
            .first()
        )
        if score is None:
            raise AssessmentError("This attempt has no score to override yet.")
        points = Decimal(points).quantize(Decimal("0.01"))
        if not Decimal(0) <= points <= score.max_points:
            raise AssessmentError(f"Points must be between 0 and {score.max_points}.")
        before = {"points": score.points, "percent": score.percent, "passed": score.passed}
        percent = (
            (points / score.max_points * 100).quantize(Decimal("0.01"))
            if score.max_points
            else Decimal(0)
        )
        score.points, score.percent = points, percent
        score.passed = percent >= score.attempt.assessment.pass_mark
        score.breakdown = {
            **(score.breakdown or {}),
            "override": {
                "by": by.email,
                "at": timezone.now().isoformat(),
                "reason": reason[:500],
                "points_before": str(before["points"]),
            },
        }
        with disable_auditlog():  # one entry, with the reason, instead of the automatic one
            score.save()
        after = {"points": score.points, "percent": score.percent, "passed": score.passed}
        audit_change(
            instance=score,
            changes={k: (before[k], after[k]) for k in before if before[k] != after[k]},
            actor=by,
            event=Event.SCORE_OVERRIDDEN,
            data={"reason": reason[:500], "attempt": attempt.pk},
        )
    certifications_update(user_id=attempt.user_id)
    return score


def essay_review_submit(
    *, response: Response, reviewer: User, levels: list[int], comment: str = ""
) -> ResponseReview:
    """Score one essay answer with its rubric. When every answered essay of the attempt
    is reviewed, the attempt goes back to SUBMITTED and is scored (once)."""
    if not access.is_author(reviewer):
        raise AssessmentError("Only authors review submissions.")
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=response.attempt_id)
        if locked.user_id == reviewer.pk:
            raise AssessmentError("You cannot review your own answer.")
        response = Response.objects.select_related("question").get(pk=response.pk)
        question = response.question
        if question is None or question.qtype not in scoring.REVIEWED:
            raise AssessmentError("Only essay answers are reviewed.")
        if locked.status != Status.AWAITING_REVIEW:
            raise AssessmentError("This answer is not waiting for a review.")
        if ResponseReview.objects.filter(response=response).exists():
            raise AssessmentError("This answer has already been reviewed.")
        spec = scoring.parse_spec(question.qtype, question.spec)
        try:
            points = scoring.rubric_points(scoring.Rubric(criteria=spec.rubric), list(levels))
        except ValueError as exc:
            raise AssessmentError(str(exc).capitalize() + ".") from exc
        review = ResponseReview.objects.create(
            response=response,
            reviewer=reviewer,
            levels=list(levels),
            points=points,
            comment=comment[:MAX_SUBMISSION_CHARS],
        )
        waiting = essays_awaiting_review(attempt=locked)
        if not waiting:
            Attempt.objects.filter(pk=locked.pk, status=Status.AWAITING_REVIEW).update(
                status=Status.SUBMITTED, enqueued_at=timezone.now()
            )
            _enqueue_scoring(locked.pk)
    return review


def essays_awaiting_review(*, attempt: Attempt) -> list[Response]:
    """The attempt's answered essays that have no review yet."""
    return [
        r
        for r in Response.objects.filter(
            attempt=attempt, question__qtype__in=scoring.REVIEWED, review__isnull=True
        ).select_related("question")
        if scoring.score(r.question.qtype, r.question.spec, r.answer).outcome
        not in (scoring.Outcome.UNANSWERED, scoring.Outcome.INVALID)
    ]
