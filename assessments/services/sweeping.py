"""The sweeper: submits expired attempts and hands back claims that were lost."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..claims import claims_release_dead
from ..models import Attempt
from ._common import DEADLINE_GRACE, Status
from .attempts import _enqueue_scoring, _submit

logger = logging.getLogger("assessments.services")


@dataclass(frozen=True)
class SweepReport:
    expired: int
    released: int
    requeued: int


def attempts_sweep(
    *, grace: timedelta | None = None, stale_after: timedelta | None = None, limit: int = 500
) -> SweepReport:
    """Keep attempts moving when a message was lost or a worker died.

    - in-progress attempts past their deadline are submitted;
    - SCORING claims without a heartbeat for `stale_after` (default: the claim
      timeout) or held by a local process that exited go back to SUBMITTED: their
      worker is gone, and its late write, if any, would fail the claim-token guard;
    - SUBMITTED attempts not (re)enqueued for `grace` are enqueued again, e.g.
      because the broker was down when they were submitted.
    """
    if grace is None:
        grace = timedelta(seconds=getattr(settings, "ASSESSMENTS_SWEEP_GRACE", 120))
    now = timezone.now()
    expired = 0
    for attempt in Attempt.objects.filter(
        status=Status.IN_PROGRESS, deadline_at__lt=now - DEADLINE_GRACE
    ).select_related("assessment")[:limit]:
        expired += _submit(attempt, now=now)
    released = claims_release_dead(stale_after=stale_after)
    # enqueued_at is set whenever a task is sent; released claims clear it so they go at once.
    due = list(
        Attempt.objects.filter(status=Status.SUBMITTED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - grace))
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )
    with transaction.atomic():
        Attempt.objects.filter(pk__in=due, status=Status.SUBMITTED).update(enqueued_at=now)
        for attempt_id in due:
            _enqueue_scoring(attempt_id)
    if expired or released or due:
        logger.info("sweep: %s expired, %s released, %s requeued", expired, released, len(due))
    return SweepReport(expired, released, len(due))


def attempt_requeue(*, attempt: Attempt) -> bool:
    """Send a FAILED attempt back for scoring (after the cause was fixed)."""
    with transaction.atomic():
        moved = Attempt.objects.filter(pk=attempt.pk, status=Status.FAILED).update(
            status=Status.SUBMITTED,
            scoring_error="",
            claim_token=None,
            claimed_at=None,
            enqueued_at=timezone.now(),
        )
        if moved:
            _enqueue_scoring(attempt.pk)
    return bool(moved)
