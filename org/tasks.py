from celery import shared_task
from django.core.management import call_command

from . import invitations, services
from .models import User


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


@shared_task(name="org.tasks.invitations_send")
def invitations_send(user_ids: list[int], sent_by_id: int | None = None) -> int:
    sent_by = User.objects.filter(pk=sent_by_id).first() if sent_by_id else None
    return invitations.invitations_send(user_ids=user_ids, sent_by=sent_by)
