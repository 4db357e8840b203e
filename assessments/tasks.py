"""Celery tasks for scoring. Routed to the `scoring` queue (late acknowledgement,
requeued if the worker is lost); each takes ids and calls one service."""

import logging
from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from kombu.exceptions import OperationalError as BrokerError

from config.claims import worker_id

from . import services

logger = logging.getLogger(__name__)
MAX_RETRIES = 3


class SweptIfUnsent(Task):
    """Sending never fails the caller: if the broker is unreachable the attempt stays
    SUBMITTED and the periodic sweeper sends it once the broker is back."""

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        try:
            return super().apply_async(args, kwargs, **options)
        except BrokerError as exc:
            logger.warning("%s%s not sent (%s); the sweeper will send it", self.name, args, exc)
            return None


@shared_task(
    name="assessments.tasks.score_attempt", bind=True, base=SweptIfUnsent, max_retries=MAX_RETRIES
)
def score_attempt(self: Task, attempt_id: int) -> str:
    worker = worker_id(self.request.hostname or "")
    try:
        run = services.attempt_score(attempt_id=attempt_id, worker=worker)
    except (OperationalError, InterfaceError) as exc:
        # Transient: the claims were handed back. With CELERY_DB_REUSE_MAX the connection
        # outlives the task, so drop it (the retry opens a fresh one) and retry with
        # back-off, a bounded number of times; after that the sweeper sends it again.
        if not self.request.is_eager:
            connection.close()
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    if not run.claimed:
        return "nothing to do"
    return f"scored {len(run.scored)}" + (f", failed {len(run.failed)}" if run.failed else "")


def _checked_connection(task: Task) -> None:
    """With CELERY_DB_REUSE_MAX the connection outlives the task: check it as a request
    would. (Not when run eagerly, inside the caller's own transaction.)"""
    if not task.request.is_eager:
        close_old_connections()


@shared_task(name="assessments.tasks.sweep_attempts", bind=True)
def sweep_attempts(
    self: Task, grace_seconds: int | None = None, stale_seconds: int | None = None
) -> dict:
    from datetime import timedelta

    _checked_connection(self)
    report = services.attempts_sweep(
        grace=None if grace_seconds is None else timedelta(seconds=grace_seconds),
        stale_after=None if stale_seconds is None else timedelta(seconds=stale_seconds),
    )
    return {"expired": report.expired, "released": report.released, "requeued": report.requeued}


@shared_task(name="assessments.tasks.item_statistics_recompute", bind=True)
def item_statistics_recompute(self: Task, assessment_id: int) -> int:
    _checked_connection(self)
    return len(services.item_statistics_recompute(assessment_id=assessment_id))


@shared_task(name="assessments.tasks.item_statistics_recompute_dirty", bind=True)
def item_statistics_recompute_dirty(self: Task) -> int:
    _checked_connection(self)
    return services.item_statistics_recompute_dirty()


# Notifications go to the default queue: their names are outside `assessments.tasks.*`.
@shared_task(name="assessments.notify.review_queue_reminders_send")
def review_queue_reminders_send() -> int:
    from . import notify

    return notify.review_queue_reminders_send()


@shared_task(name="assessments.notify.review_results_send")
def review_results_send() -> int:
    from . import notify

    return notify.review_results_send()


@shared_task(name="assessments.tasks.gift_import_run", bind=True)
def gift_import_run(self: Task, import_id: int) -> str:
    """Import a GIFT file too large to import while the author waits (run once)."""
    _checked_connection(self)
    job = services.gift_import_run(import_id=import_id)
    return f"{job.status}: {job.created_count} created, {job.updated_count} updated"
