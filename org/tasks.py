from celery import shared_task
from django.core.management import call_command

from . import services


@shared_task(name="org.tasks.people_import_process")
def people_import_process(import_id: int) -> None:
    services.people_import_process(import_id=import_id)


@shared_task(name="org.tasks.sessions_clear_expired")
def sessions_clear_expired() -> None:
    call_command("clearsessions")


@shared_task(name="org.tasks.outbox_send")
def outbox_send() -> int:
    from .outbox import outbox_send as send

    return send()
