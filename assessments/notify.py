"""Reviewer and learner notifications about rubric reviews, run by Celery beat
(assessments.tasks): each reviewer's queue once a day, each reviewed result once."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind
from notifications.services import Message, notify
from org.models import Persona, User

from .models import Assessment, Attempt
from .selectors import review_queue

RESULTS_LOOKBACK = timedelta(days=7)


def review_queue_reminders_send(*, today: date | None = None) -> int:
    """Once a day, tell each author with submissions waiting for them how many."""
    today = today or timezone.localdate()
    sent = 0
    reviewers = User.objects.filter(
        is_active=True, groups__name__in=[Persona.AUTHOR, Persona.ADMIN]
    ).distinct()
    for reviewer in reviewers:
        waiting = list(review_queue(reviewer=reviewer)[:6])
        if not waiting:
            continue
        total = review_queue(reviewer=reviewer).count()
        sent += notify(
            user=reviewer,
            kind=Kind.REVIEW_QUEUE,
            subject="review-queue",
            period=today.isoformat(),
            message=Message(
                title=f"{total} submission{'s' if total != 1 else ''} waiting for your review",
                lines=[
                    f"• {a.assessment.title} by {a.user.get_full_name()}, submitted "
                    f"{a.submitted_at:%Y-%m-%d}"
                    for a in waiting[:5]
                ]
                + ([f"… and {total - 5} more"] if total > 5 else []),
                url=reverse("assessments:review_queue"),
                action="Open the review queue",
            ),
        )
    return sent


def review_results_send(*, now=None) -> int:  # type: ignore[no-untyped-def]
    """Tell learners the result of each rubric-reviewed submission scored recently."""
    now = now or timezone.now()
    sent = 0
    attempts = Attempt.objects.filter(
        status=Attempt.Status.SCORED,
        assessment__kind=Assessment.Kind.RUBRIC,
        score__scored_at__gte=now - RESULTS_LOOKBACK,
        user__is_active=True,
    ).select_related("assessment", "user", "score")
    for attempt in attempts:
        score = attempt.score
        sent += notify(
            user=attempt.user,
            kind=Kind.REVIEW_RESULT,
            subject=f"attempt:{attempt.pk}",
            message=Message(
                title=f"Your submission to {attempt.assessment.title} is reviewed",
                lines=[
                    f"Result: {score.percent}% ({'passed' if score.passed else 'not passed'}).",
                ],
                url=reverse("assessments:attempt", args=[attempt.pk]),
                action="See the reviews",
            ),
        )
    return sent
