"""Who runs an import batch, and for how long without a sign of life.

A run claims a batch (pending, or running under a lease that expired or whose worker
is gone) with one conditional update that records the run (`claimed_by`) and its
first heartbeat. While it works, a heartbeat moves the lease on every
`TRELLIS_HEARTBEAT_SECONDS`; a run that stops (killed, machine lost) leaves a lease
that expires within `TRELLIS_CLAIM_TIMEOUT_SECONDS`, and the next delivery or the
stale-batch sweep takes the batch over at its cursor.
"""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.claims import Heartbeat, claim_timeout, is_dead_local

from .models import ImportBatch

logger = logging.getLogger(__name__)
Status = ImportBatch.Status


def _dead_local_runs() -> list[str]:
    running = ImportBatch.objects.filter(status=Status.RUNNING).exclude(claimed_by="")
    return [w for w in set(running.values_list("claimed_by", flat=True)) if is_dead_local(w)]


def batch_claim(batch_id: int, worker: str) -> bool:
    """Take the batch for the run `worker`; False if another live run holds it."""
    now = timezone.now()
    free = (
        Q(status=Status.PENDING)
        | Q(status=Status.RUNNING, lease_expires_at__isnull=True)
        | Q(status=Status.RUNNING, lease_expires_at__lt=now)
    )
    dead = _dead_local_runs()
    if dead:
        free |= Q(status=Status.RUNNING, claimed_by__in=dead)
    return bool(
        ImportBatch.objects.filter(pk=batch_id)
        .filter(free)
        .update(
            status=Status.RUNNING,
            claimed_by=worker,
            heartbeat_at=now,
            lease_expires_at=now + claim_timeout(),
            started_at=Coalesce("started_at", now),
        )
    )


def batch_heartbeat(batch_id: int, worker: str) -> Heartbeat:
    """A heartbeat that keeps `worker`'s lease on the batch while the block runs."""

    def beat() -> bool:
        now = timezone.now()
        return bool(
            ImportBatch.objects.filter(
                pk=batch_id, status=Status.RUNNING, claimed_by=worker
            ).update(heartbeat_at=now, lease_expires_at=now + claim_timeout())
        )

    return Heartbeat(beat)


def batch_release(batch_id: int, worker: str) -> bool:
    """Hand the batch back after a database error, so the retry can claim it at once.

    The connection that failed is usually dead: the update runs on a fresh one (outside
    a transaction). If even that fails, the lease expires on its own shortly.
    """
    if not connection.in_atomic_block:
        connection.close()
    try:
        return bool(
            ImportBatch.objects.filter(
                pk=batch_id, status=Status.RUNNING, claimed_by=worker
            ).update(lease_expires_at=None)
        )
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        logger.warning(
            "import batch %s not handed back (%s); its lease expires within %s",
            batch_id,
            exc,
            claim_timeout(),
        )
        if not connection.in_atomic_block:
            connection.close()
        return False


def stale_running() -> Q:
    """Running batches nobody works on: lease expired, handed over, or worker gone."""
    now = timezone.now()
    stale = Q(status=Status.RUNNING, lease_expires_at__isnull=True) | Q(
        status=Status.RUNNING, lease_expires_at__lt=now
    )
    dead = _dead_local_runs()
    if dead:
        stale |= Q(status=Status.RUNNING, claimed_by__in=dead)
    return stale
