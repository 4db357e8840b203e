from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from config.claims import worker_id

from . import services


@shared_task(
    name="incidents.tasks.import_batch_process",
    bind=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=8,
)
def import_batch_process(self: Task, batch_id: int) -> None:
    services.import_batch_process(batch_id=batch_id, worker=worker_id(self.request.hostname or ""))


@shared_task(name="incidents.tasks.import_batches_requeue_stale")
def import_batches_requeue_stale() -> None:
    services.import_batches_requeue_stale()


@shared_task(name="incidents.tasks.training_suggestions_refresh")
def training_suggestions_refresh() -> None:
    services.training_suggestions_refresh()


@shared_task(name="incidents.tasks.incident_sources_sync")
def incident_sources_sync() -> None:
    from .connectors.services import sources_sync_enabled

    sources_sync_enabled()


@shared_task(name="incidents.tasks.incident_source_sync")
def incident_source_sync(source_id: int) -> None:
    from .connectors.services import source_sync

    source_sync(source_id=source_id)
