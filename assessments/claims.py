"""Scoring claims that a dead worker gives up within a minute (see `config.claims`).

Attempts are claimed SUBMITTED → SCORING under a token, with the worker's id and a
heartbeat. A claim is dead when its heartbeat is older than the claim timeout, or
when its worker is a process of this machine that has exited (a killed pool process:
its task is redelivered at once and should not wait). Releasing a dead claim puts
the attempts back to SUBMITTED for the next claim; the dead worker's late write, if
any, fails the claim-token guard, so every attempt is still scored once.
"""

import datetime as dt
import uuid

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.claims import Heartbeat, claim_timeout, is_dead_local

from .models import Attempt

Status = Attempt.Status
RELEASED = {
    "status": Status.SUBMITTED,
    "claim_token": None,
    "claimed_at": None,
    "heartbeat_at": None,
    "enqueued_at": None,
}


def _is_dead(claimed_by: str, last_sign: dt.datetime | None, now: dt.datetime) -> bool:
    return last_sign is None or last_sign < now - claim_timeout() or is_dead_local(claimed_by)


def claim_take_over(*, attempt_id: int) -> bool:
    """If the attempt is held by a dead claim, release every attempt of that claim.
    True when something was released (the caller then claims again)."""
    row = (
        Attempt.objects.filter(pk=attempt_id, status=Status.SCORING)
        .values_list("claim_token", "claimed_by", "heartbeat_at", "claimed_at")
        .first()
    )
    if row is None:
        return False
    token, claimed_by, heartbeat_at, claimed_at = row
    if not _is_dead(claimed_by, heartbeat_at or claimed_at, timezone.now()):
        return False
    held = Attempt.objects.filter(status=Status.SCORING)
    held = held.filter(claim_token=token) if token else held.filter(pk=attempt_id)
    return bool(held.update(**RELEASED))


def claims_release_dead(*, stale_after: dt.timedelta | None = None) -> int:
    """The sweeper's part: release every claim without a heartbeat for `stale_after`
    (default: the claim timeout) or held by a local process that has exited."""
    now = timezone.now()
    stale_after = claim_timeout() if stale_after is None else stale_after
    scoring = Attempt.objects.filter(status=Status.SCORING)
    dead_local = [
        w
        for w in set(scoring.exclude(claimed_by="").values_list("claimed_by", flat=True))
        if is_dead_local(w)
    ]
    dead = Q(last_sign__isnull=True) | Q(last_sign__lt=now - stale_after)
    if dead_local:
        dead |= Q(claimed_by__in=dead_local)
    return (
        scoring.annotate(last_sign=Coalesce("heartbeat_at", "claimed_at"))
        .filter(dead)
        .update(**RELEASED)
    )


def claim_heartbeat(token: uuid.UUID) -> Heartbeat:
    """Keeps the claim `token` alive while the block runs."""

    def beat() -> bool:
        return bool(
            Attempt.objects.filter(status=Status.SCORING, claim_token=token).update(
                heartbeat_at=timezone.now()
            )
        )

    return Heartbeat(beat)
