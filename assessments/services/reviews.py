"""Reviewer scores for rubric-scored attempts."""

from django.db import transaction
from django.utils import timezone

from org import access
from org.models import User

from .. import scoring
from ..exceptions import AssessmentError
from ..models import Attempt, Review
from ._common import MAX_SUBMISSION_CHARS, Kind, Status
from .attempts import _enqueue_scoring, _rubric_of


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
