"""Thin Celery tasks (queue `metrics`): each takes ids or nothing and calls one service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 5, "max_retries": 5}


@shared_task(name="metrics.tasks.rollups_note_batch", **RETRY)
def rollups_note_batch(batch_id: int) -> int:
    """Queued by the incidents app (INCIDENT_BATCH_DONE_TASKS) when a batch finishes."""
    return services.rollups_note_batch(batch_id=batch_id)


@shared_task(name="metrics.tasks.rollups_process", **RETRY)
def rollups_process() -> int:
    """The debounced run that recomputes dirty buckets."""
    return services.rollups_process_due()


@shared_task(name="metrics.tasks.rollups_sweep", **RETRY)
def rollups_sweep() -> dict:
    """Every minute: note unannounced changes, then process dirty buckets."""
    result = services.rollups_sweep()
    return {"batches": result.batches, "edited": result.edited, "processed": result.processed}


@shared_task(name="metrics.tasks.rollups_recompute_all", **RETRY)
def rollups_recompute_all() -> dict:
    """Nightly: rebuild every rollup (repairs anything the incremental path missed)."""
    result = services.rollups_recompute_all()
    services.key_results_refresh()
    services.outcomes_remeasure_queue()
    return {"incidents": result.incidents, "buckets": result.buckets}


@shared_task(name="metrics.tasks.cohort_outcomes_refresh", **RETRY)
def cohort_outcomes_refresh() -> list[int]:
    """Rollups or external observations changed: measure and store every cohort's
    outcome KPIs again (idempotent: each cohort's rows are replaced)."""
    from . import outcome_figures

    return outcome_figures.cohort_outcomes_store_all()


@shared_task(name="metrics.tasks.cohort_outcomes_store", **RETRY)
def cohort_outcomes_store(cohort_id: int) -> int:
    """Measure and store one cohort's outcome KPIs (a reader found none that fit)."""
    from . import outcome_figures

    return outcome_figures.cohort_outcomes_store(cohort_id=cohort_id)


@shared_task(name="metrics.tasks.cohort_snapshot_refresh", **RETRY)
def cohort_snapshot_refresh(cohort_id: int) -> int:
    """Recompute one cohort's training snapshot (a dashboard found it stale)."""
    return services.cohort_snapshot_refresh(cohort_id=cohort_id).learners


@shared_task(name="metrics.tasks.cohort_snapshots_refresh", **RETRY)
def cohort_snapshots_refresh() -> list[int]:
    """Every ten minutes: refresh stale snapshots of running cohorts."""
    return services.cohort_snapshots_refresh_running()


@shared_task(name="metrics.tasks.prometheus_pull_all", **RETRY)
def prometheus_pull_all() -> dict[int, int]:
    """Hourly: pull every Prometheus-fed KPI; one source failing does not stop the rest."""
    from .external import prometheus_pull_all as pull

    return pull()


# Notifications go to the default queue: their names are outside `metrics.tasks.*`.
@shared_task(name="metrics.notify.at_risk_alerts_send")
def at_risk_alerts_send() -> int:
    from . import notify

    return notify.at_risk_alerts_send()


@shared_task(name="metrics.notify.cohort_summaries_send")
def cohort_summaries_send() -> int:
    from . import notify

    return notify.cohort_summaries_send()
